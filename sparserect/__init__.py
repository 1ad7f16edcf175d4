"""Deep sparse rectifier networks (Glorot, Bordes & Bengio, AISTATS 2011) in Keras 3.

Sub-packages: `sparserect.layers` (activations, the activation L1 penalty, the
sign trick), `sparserect.measurement` (exact and batch-union sparsity, dead
units, activation histograms in TensorBoard), `sparserect.steering` (a
sparsity target during training, calibrated thresholds after it),
`sparserect.config` (the configuration of a run), `sparserect.datasets`,
`sparserect.pretraining` (stacked denoising auto-encoders),
`sparserect.reproduce` (the paper's experiments), `sparserect.tuning`
(keras-tuner searches and the Pareto front), `sparserect.ensembles` (many
networks in one fit), and `sparserect.export` (SavedModels that serve raw
inputs). `sparserect.compiled_fit` trains as `fit` does with the steps of an
epoch in one compiled loop.
"""

__version__ = "0.1.0"
