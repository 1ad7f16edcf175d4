"""sparserect.datasets: the paper's data sets, loaded offline from local copies."""
