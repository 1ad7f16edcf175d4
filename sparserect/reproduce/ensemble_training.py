"""Training many configurations of an experiment in one fit, as a vectorised ensemble.

`train_ensemble` trains networks that differ only in their seed and
activation L1 coefficient (Figure 3's sweep, the seeds of a Table 1 row) as
the members of one `sparserect.layers.build_network(..., members=E)` model:
`train_configuration` with one seed per network. Each member keeps its own
early stopping (`EarlyStoppingOnError`), its own learning rate choice and
its own result dict, with the keys of a network trained alone, so that the
experiments store and tabulate them alike. With SGD, member `k` follows
exactly the trajectory of the network `build_network(..., seed=seeds[k])`
trained alone on the mini-batches of its own seed, in pre-training (each
member's denoising auto-encoders corrupt their inputs with the member's own
seed) as in fine-tuning.
"""

from sparserect.reproduce.training import train_configuration


def train_ensemble(dataset, seeds, activation_l1, *, learning_rates=(0.01,), label="ensemble",
                   **options):
    """Trains one network per `(seed, activation_l1)` as one ensemble; returns a result dict per network.

    For each learning rate, one ensemble of all the networks is trained with
    plain SGD from the same initial weights, each member early-stopped on
    its own validation error; each member then keeps the learning rate of
    its lowest validation error. With `selection_epochs`, the candidates
    train that many epochs only, and one more fit continues every member
    from its best weights at the rate it chose (`MemberSGD`) up to `epochs`.
    Each member's test error and exact sparsity are those of its best
    epoch. With `pretraining`, the members are first pre-trained together
    (`pretrain_stack`), each on its own order of the examples.

    Example:

    ```python
    from sparserect import datasets
    results = train_ensemble(datasets.load("digits"), seeds=[0, 1, 2],
                             activation_l1=[0.0, 0.001, 0.01], hidden_units=(500, 500))
    [r["test_error"] for r in results]
    ```

    Args:
        dataset: A `sparserect.datasets.Dataset`.
        seeds: One `build_network` seed per network.
        activation_l1: One L1 coefficient per network (a number, or one per
            hidden layer), or one number for all.
        learning_rates: Candidate constant learning rates.
        label: Name of the ensemble in the progress log.
        **options: The other keywords of `train_configuration` (`activation`,
            `pretraining`, `hidden_units`, `epochs`, `checkpoint`, ...), but
            not `metrics`, `monitor` or `measure`, which apply to one network.

    Returns:
        A list of dicts, one per network in the order of `seeds`, with the
        keys of `train_configuration`'s result (`wall_time` is the whole
        ensemble's, and `ensemble_size` says how many networks shared it).
    """
    return train_configuration(
        dataset, seed=list(seeds), activation_l1=activation_l1, learning_rates=learning_rates,
        label=label, **options,
    )
