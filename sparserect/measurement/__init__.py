"""sparserect.measurement: exact sparsity, dead units and batch unions of hidden layers.

One measurer serves one network and a model of members (a network is one
member): `sparsity_report` (one row per layer), `member_report` (one row
per member), the callbacks `SparsityCallback` and `MemberMetrics` (epoch
logs) and `ActivationHistograms` (TensorBoard), and `ExpectedRatingRMSE`,
the paper's rating metric. See `docs/measurement.md`.
"""

from sparserect.measurement.expected_rating import ExpectedRatingRMSE, expected_rating
from sparserect.measurement.hidden import activation_extractor, hidden_layers
from sparserect.measurement.histograms import ActivationHistograms, measured_layers
from sparserect.measurement.measurer import Measurement, Measurer, consecutive_batches
from sparserect.measurement.members import MemberMetrics, member_report, measure_members
from sparserect.measurement.report import sparsity_report
from sparserect.measurement.sparsity_callback import SparsityCallback
from sparserect.measurement.statistics import (
    UNION_BATCH_SIZES,
    ActivationStatistics,
    batch_reductions,
    count_dead_units,
    inactive_units,
)

__all__ = [
    "ActivationHistograms",
    "ActivationStatistics",
    "ExpectedRatingRMSE",
    "Measurement",
    "Measurer",
    "MemberMetrics",
    "SparsityCallback",
    "UNION_BATCH_SIZES",
    "activation_extractor",
    "batch_reductions",
    "consecutive_batches",
    "count_dead_units",
    "expected_rating",
    "hidden_layers",
    "inactive_units",
    "measure_members",
    "measured_layers",
    "member_report",
    "sparsity_report",
]
