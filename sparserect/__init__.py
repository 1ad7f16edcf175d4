"""Deep sparse rectifier networks (Glorot, Bordes & Bengio, AISTATS 2011) in Keras 3.

Sub-packages: `sparserect.layers` (activations, the activation L1 penalty, the
sign trick, sparsity measurement), `sparserect.datasets`, `sparserect.tuning`
and `sparserect.reproduce`.
"""

__version__ = "0.1.0"
