"""Moved to `sparserect.measurement`; this path re-exports its sparsity report."""

from sparserect.measurement.hidden import activation_extractor, hidden_layers
from sparserect.measurement.report import REPORT_COLUMNS, measurement_report, sparsity_report
from sparserect.measurement.statistics import ActivationStatistics

__all__ = [
    "REPORT_COLUMNS",
    "ActivationStatistics",
    "activation_extractor",
    "hidden_layers",
    "measurement_report",
    "sparsity_report",
]
