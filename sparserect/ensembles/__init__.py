"""sparserect.ensembles: training many of the paper's networks in one fit.

`sparserect.layers.build_network(..., members=E)` builds E independent
networks with stacked weights `(E, in, out)`; this package trains and
measures them: the summed loss, per-member batches, errors, learning rates
and reports. See `docs/ensembles.md`.
"""

from sparserect.ensembles.data import MemberBatches
from sparserect.ensembles.data import OrderedBatches
from sparserect.ensembles.deprecated import (
    EnsembleActivationL1,
    EnsembleDense,
    EnsembleHiddenBlock,
    EnsembleScaledSoftplus,
    build_ensemble,
)
from sparserect.ensembles.losses import (
    EnsembleSparseCategoricalCrossentropy,
    MemberError,
)
from sparserect.measurement.members import MemberMetrics, member_report
from sparserect.ensembles.network import (
    compile_ensemble,
    ensemble_size,
    extract_member,
    member_seeds,
)
from sparserect.optimizers import MemberSGD

__all__ = [
    "EnsembleActivationL1",
    "EnsembleDense",
    "EnsembleHiddenBlock",
    "EnsembleScaledSoftplus",
    "EnsembleSparseCategoricalCrossentropy",
    "MemberBatches",
    "MemberError",
    "MemberMetrics",
    "MemberSGD",
    "OrderedBatches",
    "build_ensemble",
    "compile_ensemble",
    "ensemble_size",
    "extract_member",
    "member_report",
    "member_seeds",
]
