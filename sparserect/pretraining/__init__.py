"""sparserect.pretraining: greedy stacked denoising auto-encoders, the paper's pre-training.

`pretrain_stack(model, x)` trains each `HiddenBlock` of a network as a
denoising auto-encoder (masking noise 0.25 by default; salt-and-pepper noise
for binary text inputs; tied weights), one layer at a time, with the paper's reconstruction for its activation, and leaves the
network ready for supervised fine-tuning.
"""

from sparserect.pretraining.autoencoder import RECONSTRUCTIONS
from sparserect.pretraining.autoencoder import BatchMaxScaling
from sparserect.pretraining.autoencoder import TiedDecoder
from sparserect.pretraining.autoencoder import build_denoising_autoencoder
from sparserect.pretraining.autoencoder import corruption_layer
from sparserect.pretraining.autoencoder import default_reconstruction
from sparserect.pretraining.autoencoder import reconstruction_loss
from sparserect.pretraining.masking_noise import MaskingNoise
from sparserect.pretraining.salt_and_pepper import SaltAndPepperNoise
from sparserect.pretraining.stack import describe_noise
from sparserect.pretraining.stack import member_record
from sparserect.pretraining.stack import per_block_noise
from sparserect.pretraining.stack import pretrain_stack
from sparserect.pretraining.stack import unit_interval_targets

__all__ = [
    "RECONSTRUCTIONS",
    "BatchMaxScaling",
    "MaskingNoise",
    "SaltAndPepperNoise",
    "TiedDecoder",
    "build_denoising_autoencoder",
    "corruption_layer",
    "default_reconstruction",
    "describe_noise",
    "member_record",
    "per_block_noise",
    "pretrain_stack",
    "reconstruction_loss",
    "unit_interval_targets",
]
