"""sparserect.steering: reach a chosen exact sparsity, by training or by thresholds.

`SparsityTarget` adapts the activation L1 coefficients during `fit` until the
measured fraction of exact zeros is at a target; `calibrate_thresholds` makes
a trained rectifier network sparser without retraining, by giving its
rectifiers thresholds (`sparserect.layers.ThresholdedRectifier`).
"""

from sparserect.steering.calibrate import calibrate_thresholds
from sparserect.steering.target import SparsityTarget

__all__ = ["SparsityTarget", "calibrate_thresholds"]
