"""sparserect.ensembles: many of the paper's networks trained in one fit.

E independent networks with stacked weights `(E, in, out)`, computed with
batched matrix products: at the paper's mini-batch of 10 a training step is
bound by per-step overhead, so E networks cost little more than one. See
`docs/ensembles.md`.
"""

from sparserect.ensembles.data import MemberBatches
from sparserect.ensembles.layers import (
    EnsembleActivationL1,
    EnsembleDense,
    EnsembleHiddenBlock,
    EnsembleScaledSoftplus,
)
from sparserect.ensembles.losses import (
    EnsembleSparseCategoricalCrossentropy,
    MemberError,
)
from sparserect.ensembles.metrics import MemberMetrics, member_report
from sparserect.ensembles.network import (
    build_ensemble,
    compile_ensemble,
    ensemble_size,
    extract_member,
    member_seeds,
)
from sparserect.ensembles.optimizers import MemberSGD

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
    "build_ensemble",
    "compile_ensemble",
    "ensemble_size",
    "extract_member",
    "member_report",
    "member_seeds",
]
