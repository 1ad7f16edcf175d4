"""Training many configurations of an experiment in one fit, as a vectorised ensemble.

`train_ensemble` is the counterpart of `train_configuration` for networks
that differ only in their seed and activation L1 coefficient (Figure 3's
sweep, the seeds of a Table 1 row): they become the members of one
`sparserect.layers.build_network(..., members=E)` model, trained by one `model.fit` per
candidate learning rate. Each member keeps its own early stopping
(`EarlyStoppingOnError`), its own learning rate choice and its own result
dict, with the keys of `train_configuration`'s, so that the experiments
store and tabulate them alike. With SGD, member `k` follows exactly the
trajectory of the network `build_network(..., seed=seeds[k])` trained alone
on the same mini-batches, pre-training included (each member's denoising
auto-encoders corrupt their inputs with the member's own seed).
"""

import logging
import time

import numpy as np

from sparserect import ensembles
from sparserect import layers
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int
from sparserect._selection import check_learning_rates
from sparserect.pretraining import member_record
from sparserect.reproduce.training import RunResult
from sparserect.reproduce.training import fine_tune
from sparserect.reproduce.training import pretrain
from sparserect.reproduce.training import pretraining_record

logger = logging.getLogger(__name__)


def train_ensemble(
    dataset,
    seeds,
    activation_l1,
    *,
    activation="rectifier",
    pretraining=False,
    hidden_units=(1000, 1000, 1000),
    sign_trick=False,
    weight_decay=0.0,
    learning_rates=(0.01,),
    epochs=50,
    patience=5,
    min_epochs=0,
    selection_epochs=None,
    batch_size=10,
    pretraining_epochs=10,
    pretraining_learning_rate=0.01,
    pretraining_activation_l1=None,
    noise=0.25,
    steps_per_execution=50,
    label="ensemble",
    checkpoint=None,
):
    """Trains one network per `(seed, activation_l1)` as one ensemble; returns a result dict per network.

    For each learning rate, one ensemble of all the networks is trained with
    plain SGD from the same initial weights, each member early-stopped on
    its own validation error; each member then keeps the learning rate of
    its lowest validation error. With `selection_epochs`, as in
    `train_configuration`, the candidates train that many epochs only, and
    one more fit continues every member from its best weights at the rate
    it chose (`MemberSGD`) up to `epochs`. Each member's test error and
    exact sparsity are those of its best epoch. With `pretraining`, the
    members are first pre-trained together (`pretrain_stack`), each as
    `train_configuration` pre-trains its network.

    Args:
        dataset: A `sparserect.datasets.Dataset`.
        seeds: One `build_network` seed per network.
        activation_l1: One L1 coefficient per network (or one for all).
        activation, pretraining, hidden_units, sign_trick, weight_decay: As
            `train_configuration`.
        pretraining_epochs, pretraining_learning_rate,
            pretraining_activation_l1, noise: As `train_configuration`;
            `pretraining_activation_l1` is one coefficient for all members
            or `None` for each member's own.
        learning_rates, epochs, patience, min_epochs, selection_epochs,
            batch_size, steps_per_execution: As `train_configuration`.
        label: Name of the ensemble in the progress log.
        checkpoint: Optional `checkpoints.Checkpoint` that keeps the
            progress after every epoch (and the pre-training's); training
            continues from it (see `fine_tune`).

    Returns:
        A list of dicts, one per network in the order of `seeds`, with the
        keys of `train_configuration`'s result (`wall_time` is the whole
        ensemble's, and `ensemble_size` says how many networks shared it).
    """
    check_non_negative_int("min_epochs", min_epochs)
    check_positive_int("selection_epochs", selection_epochs, allow_none=True)
    check_non_negative_number("weight_decay", weight_decay)
    check_learning_rates(learning_rates)
    size, seeds = len(seeds), [int(s) for s in seeds]
    coefficients = np.broadcast_to(np.asarray(activation_l1, dtype=float), (size,))
    start = time.perf_counter()
    model = layers.build_network(
        dataset.input_shape, dataset.num_classes, tuple(hidden_units), activation,
        activation_l1=[[float(c) for c in coefficients]] * len(hidden_units),
        sign_trick=sign_trick, seed=seeds, members=size,
    )
    logger.info("%s: %d networks in one fit", label, size)
    if pretraining:
        stack = pretrain(
            model, dataset, reconstruction=None if pretraining is True else pretraining,
            noise=noise, epochs=pretraining_epochs, learning_rate=pretraining_learning_rate,
            batch_size=batch_size, seed=seeds,
            steps_per_execution=steps_per_execution, selection_epochs=selection_epochs,
            activation_l1=pretraining_activation_l1, label=label, checkpoint=checkpoint,
        )
    tuned = fine_tune(
        model, dataset, learning_rates=learning_rates, epochs=epochs, patience=patience,
        min_epochs=min_epochs, selection_epochs=selection_epochs, batch_size=batch_size,
        steps_per_execution=steps_per_execution, weight_decay=weight_decay,
        seed=seeds[0], label=label, checkpoint=checkpoint,
    )
    report = ensembles.member_report(model, dataset.test.x, dataset.test.y)
    wall_time = time.perf_counter() - start
    block_names = [f"hidden_{i + 1}" for i in range(len(hidden_units))]
    outcomes = []
    for k in range(size):
        row = report.iloc[k]
        pretrained = pretraining_record(
            member_record(stack, k), epochs=pretraining_epochs,
            learning_rate=pretraining_learning_rate, noise=noise,
            activation_l1=float(coefficients[k]) if pretraining_activation_l1 is None
            else pretraining_activation_l1,
        ) if pretraining else {}
        outcomes.append(RunResult(
            dataset=dataset.name, activation=activation, seed=seeds[k],
            hidden_units=list(hidden_units), activation_l1=float(coefficients[k]),
            sign_trick=sign_trick, weight_decay=weight_decay, batch_size=batch_size,
            max_epochs=epochs, patience=patience, min_epochs=min_epochs,
            selection_epochs=selection_epochs, **tuned[k],
            test_error=float(row["error"]),
            average_sparsity=float(row["sparsity"]),
            layer_sparsity=[float(row[f"sparsity_{name}"]) for name in block_names],
            dead_units=[int(row[f"dead_units_{name}"]) for name in block_names],
            dead_fraction=float(row["dead_fraction"]),
            wall_time=wall_time, ensemble_size=size, **pretrained,
        ).as_dict())
    return outcomes
