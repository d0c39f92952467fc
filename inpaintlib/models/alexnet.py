"""Model 3: a context encoder whose encoder is AlexNet's convolutional part (transfer learning).

Taught in notebook 05 (``05_alexnet_transfer.ipynb``).

Architecture:

==========  =====================================================  ==================
Part        Layer                                                  Output (224 input)
==========  =====================================================  ==================
input       ImageNet-normalized RGB, the hole set to 0 (the mean)  3 x 224 x 224
encoder     ``torchvision.models.alexnet().features``              256 x 6 x 6
            (ImageNet weights when available)
bottleneck  channel-wise FC on 256 x 6 x 6 (331,776 weights);      256 x 6 x 6
            ReLU; 1x1 conv 256→256; ReLU
decoder     deconv 256→128, 4x4, stride 2, pad 0; BN, ReLU         128 x 14 x 14
decoder     deconv 128→64, 4x4, stride 2, pad 1; BN, ReLU          64 x 28 x 28
decoder     deconv 64→64, 4x4, stride 2, pad 1; BN, ReLU           64 x 56 x 56
decoder     deconv 64→32, 4x4, stride 2, pad 1; BN, ReLU           32 x 112 x 112
decoder     deconv 32→3, 4x4, stride 2, pad 1; sigmoid             3 x 224 x 224
==========  =====================================================  ==================

The report's decoder reaches 209 x 209 and was resized to 224 (a x1.072 resample that
blurs); every layer here doubles the size, landing on 224 exactly.

Weights follow torchvision's ``weights=`` style, but never download unless asked:
``"DEFAULT"`` loads ImageNet weights from torchvision's cache
(``torch.hub.get_dir()/checkpoints/alexnet-owt-7be5be79.pth``), ``download=True`` lets
torchvision fetch them, a path loads a local file, ``None`` means random initialization.
When ImageNet weights were asked for but are not available, the encoder starts from
random weights and one :class:`PretrainedWeightsWarning` says what was tried.
"""

from __future__ import annotations

import os
import warnings
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn
from torchvision.models import AlexNet_Weights, alexnet

from inpaintlib.models.base import InpaintingModel
from inpaintlib.models.masked import channel_bottleneck, context_decoder

__all__ = [
    "ALEXNET_LAYER_NAMES",
    "AlexNetContextEncoder",
    "PretrainedWeightsWarning",
    "alexnet_cache_path",
    "load_alexnet_features",
]

_IMAGENET_NAMES = {"DEFAULT", "IMAGENET1K_V1", "IMAGENET"}


class PretrainedWeightsWarning(UserWarning):
    """Pretrained weights were asked for but could not be loaded; random weights are used instead."""


def alexnet_cache_path() -> Path:
    """Return where torchvision caches AlexNet's ImageNet weights (the file may not exist)."""
    filename = os.path.basename(AlexNet_Weights.IMAGENET1K_V1.url)
    return Path(torch.hub.get_dir()) / "checkpoints" / filename


#: Names given to the layers of ``alexnet().features``, in order.
ALEXNET_LAYER_NAMES = (
    "conv1", "relu1", "pool1", "conv2", "relu2", "pool2",
    "conv3", "relu3", "conv4", "relu4", "conv5", "relu5", "pool5",
)  # fmt: skip


def _named(features: nn.Sequential) -> nn.Sequential:
    return nn.Sequential(OrderedDict(zip(ALEXNET_LAYER_NAMES, features)))


def _random_features() -> nn.Sequential:
    """Return torchvision's ``alexnet().features`` with PyTorch's default random initialization.

    The network is laid out on the ``meta`` device first, so the 58 million classifier
    weights (which the encoder never uses) are not drawn; only the convolutions are.
    """
    with torch.device("meta"):
        network = alexnet(weights=None)
    features = network.features.to_empty(device="cpu")
    for layer in features:
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    return features


def _features_state(state: dict) -> dict:
    """Pick the ``features`` weights out of an AlexNet state dict (or a checkpoint that holds one).

    An ``inpaintlib`` checkpoint of Model 3 counts too: its generator's ``encoder`` is AlexNet's
    ``features`` (notebook 05 fine-tunes on paintings an encoder learned on photos this way).
    """
    for key in ("generator", "state_dict", "model", "model_state_dict"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
            break
    for prefix in ("features.", "encoder."):
        if any(name.startswith(prefix) for name in state):
            state = {name[len(prefix) :]: value for name, value in state.items() if name.startswith(prefix)}
            break
    index = {name: str(position) for position, name in enumerate(ALEXNET_LAYER_NAMES)}
    renamed = {}
    for name, value in state.items():
        layer, _, rest = name.partition(".")
        renamed[f"{index.get(layer, layer)}.{rest}"] = value
    return renamed


def load_alexnet_features(weights="DEFAULT", download: bool = False) -> tuple[nn.Sequential, str]:
    """Return AlexNet's convolutional ``features`` and a word saying which weights they hold.

    Parameters
    ----------
    weights : {"DEFAULT", "IMAGENET1K_V1"}, AlexNet_Weights, str or Path, or None
        ``"DEFAULT"``/``"IMAGENET1K_V1"`` (or the torchvision enum): ImageNet weights from
        torchvision's cache, or downloaded when ``download=True``; a path: a local file holding
        an AlexNet state dict (torchvision's full model, or ``features`` only, with index or
        ``conv1``... layer names), or an ``inpaintlib`` checkpoint of Model 3 (its encoder); ``None``:
        random weights.
    download : bool
        Allow torchvision to download the ImageNet weights when they are not cached.

    Returns
    -------
    features : torch.nn.Sequential
        The layers of ``alexnet().features`` (224 x 224 in → 256 x 6 x 6 out), named
        ``conv1``, ``relu1``, ``pool1``, ... ``conv5``, ``relu5``, ``pool5``.
    weights_used : str
        ``"imagenet"``, ``"random"``, or the path of the file loaded.

    Raises
    ------
    FileNotFoundError
        If ``weights`` names a file that does not exist.
    ValueError
        If ``weights`` is of an unknown kind, or the file does not hold AlexNet weights.

    Warns
    -----
    PretrainedWeightsWarning
        Once, when ImageNet weights were asked for but are neither cached nor downloadable.
    """
    features = _random_features()
    if weights is None:
        return _named(features), "random"
    if isinstance(weights, AlexNet_Weights) or (isinstance(weights, str) and weights.upper() in _IMAGENET_NAMES):
        cached = alexnet_cache_path()
        if cached.is_file():
            state = torch.load(cached, map_location="cpu", weights_only=True)
        elif download:
            state = AlexNet_Weights.IMAGENET1K_V1.get_state_dict(progress=True)
        else:
            warnings.warn(
                f"AlexNet ImageNet weights are not in torchvision's cache ({cached}) and download=False; "
                "the AlexNet encoder starts from RANDOM weights. Pass download=True (needs internet) "
                "or weights='path/to/alexnet.pth' to use pretrained weights.",
                PretrainedWeightsWarning,
                stacklevel=3,
            )
            return _named(features), "random"
        features.load_state_dict(_features_state(state))
        return _named(features), "imagenet"
    if isinstance(weights, (str, os.PathLike)):
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"weights={str(weights)!r} is not a file; pass 'DEFAULT' (ImageNet, from torchvision's cache), "
                "None (random) or the path of an AlexNet state dict"
            )
        state = torch.load(path, map_location="cpu", weights_only=True)
        try:
            features.load_state_dict(_features_state(state))
        except (RuntimeError, AttributeError, TypeError) as error:
            raise ValueError(f"weights file {str(path)!r} does not hold AlexNet weights: {error}") from error
        return _named(features), str(path)
    raise ValueError(
        f"weights must be 'DEFAULT', 'IMAGENET1K_V1', None or a file path, got {weights!r}"
    )


class AlexNetContextEncoder(InpaintingModel):
    """Model 3: AlexNet's features as the encoder, a channel-wise FC, a decoder to 224x224.

    Parameters
    ----------
    weights : {"DEFAULT", "IMAGENET1K_V1"}, str or Path, or None
        Encoder weights, see :func:`load_alexnet_features`. Which ones were used is recorded in
        :attr:`weights_used` (``"imagenet"``, ``"random"`` or the file path).
    freeze_encoder : bool
        Keep the encoder's weights fixed (they get no gradients).
    download : bool
        Allow downloading the ImageNet weights when they are not cached.
    image_size : int
        Must be 224.
    dropout : float
        Dropout on the channel-wise FC's input.
    mix_channels : bool
        Follow the channel-wise FC with a 1x1 convolution that mixes channels.
    base_fill : {"erase", "mean", "telea"}
        ``"erase"``: the report's model as written; ``"mean"`` or ``"telea"``: start from the known
        pixels' mean color or from Telea's fill and predict a correction (see
        :meth:`InpaintingModel.start_fill`; the registered recipe uses ``"telea"``).

    Notes
    -----
    AlexNet takes RGB only, so the mask is not an input: the hole is set to 0 after ImageNet
    normalization (the mean color). Pathak et al. found adversarial training unstable with an
    AlexNet encoder; training with ``adv_weight=0`` (L2 only) is a sound first setting.
    """

    image_size = 224
    bottleneck_size = 6

    def __init__(
        self,
        weights="DEFAULT",
        freeze_encoder: bool = False,
        download: bool = False,
        image_size: int = 224,
        dropout: float = 0.0,
        mix_channels: bool = True,
        base_fill: str = "erase",
    ) -> None:
        super().__init__()
        if image_size != 224:
            raise ValueError(f"AlexNetContextEncoder works on 224x224 images only, got image_size={image_size}")
        self.encoder, self.weights_used = load_alexnet_features(weights, download=download)
        self.bottleneck = channel_bottleneck(256, self.bottleneck_size, dropout=dropout, mix_channels=mix_channels)
        self.decoder = context_decoder(
            channels=[256, 128, 64, 64, 32, 3],
            kernels=[4, 4, 4, 4, 4],
            strides=[2, 2, 2, 2, 2],
            paddings=[0, 1, 1, 1, 1],
        )
        self.start_fill(base_fill, self.decoder[-2])
        self.freeze_encoder = False
        if freeze_encoder:
            self.set_encoder_frozen(True)

    def set_encoder_frozen(self, frozen: bool = True) -> None:
        """Stop (or restart) gradient updates of the AlexNet encoder."""
        self.freeze_encoder = bool(frozen)
        for parameter in self.encoder.parameters():
            parameter.requires_grad_(not frozen)

    def generate(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        seen, base = self.network_input(image, mask)
        return self.decode(self.decoder, self.bottleneck(self.encoder(seen)), base)

    def extra_repr(self) -> str:
        return f"image_size={self.image_size}, weights_used={self.weights_used!r}, freeze_encoder={self.freeze_encoder}"
