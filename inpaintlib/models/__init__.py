"""The three context encoders, Model 4 (a U-Net), their discriminators and the channel-wise FC layer.

Taught in notebooks 03 to 05 and 07 (one model each).

========  ========================  ====================  ==========  ==================
Name      Generator                 Discriminator         Image side  Holes
========  ========================  ====================  ==========  ==================
center    CenterContextEncoder      GlobalDiscriminator   128         the 64x64 center
masked    MaskedContextEncoder      PatchDiscriminator    224         any (mask is input)
alexnet   AlexNetContextEncoder     PatchDiscriminator    224         any
unet      UNetInpainter             PatchDiscriminator    128 (x16)   any (mask is input)
========  ========================  ====================  ==========  ==================

Every generator is called as ``model(image, mask)`` with images in ``[0, 1]`` and
1 = missing pixel, and returns a full-size prediction in ``[0, 1]``;
``compose(image, prediction, mask)`` keeps the known pixels.
"""

from inpaintlib.models.alexnet import (
    AlexNetContextEncoder,
    PretrainedWeightsWarning,
    alexnet_cache_path,
    load_alexnet_features,
)
from inpaintlib.models.base import InpaintingModel, center_hole_mask, compose
from inpaintlib.models.center import CenterContextEncoder
from inpaintlib.models.discriminators import GlobalDiscriminator, PatchDiscriminator
from inpaintlib.models.layers import ChannelWiseFC
from inpaintlib.models.masked import MaskedContextEncoder
from inpaintlib.models.unet import GatedConv2d, UNetInpainter
from inpaintlib.models.registry import (
    MODEL_NAMES,
    MODEL_SPECS,
    ModelSpec,
    build_discriminator,
    build_model,
    model_spec,
    training_config,
)
from inpaintlib.models.summary import ModelSummary, SummaryRow, summary

__all__ = [
    "AlexNetContextEncoder",
    "CenterContextEncoder",
    "ChannelWiseFC",
    "GatedConv2d",
    "GlobalDiscriminator",
    "InpaintingModel",
    "MODEL_NAMES",
    "MODEL_SPECS",
    "MaskedContextEncoder",
    "ModelSpec",
    "ModelSummary",
    "PatchDiscriminator",
    "PretrainedWeightsWarning",
    "SummaryRow",
    "UNetInpainter",
    "alexnet_cache_path",
    "build_discriminator",
    "build_model",
    "center_hole_mask",
    "compose",
    "load_alexnet_features",
    "model_spec",
    "summary",
    "training_config",
]
