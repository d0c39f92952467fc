"""Model 4, beyond the course report: a mask-aware U-Net with a dilated middle.

Taught in notebook 07 (``07_beyond_the_report.ipynb``).

The context encoders of Models 1-3 squeeze the whole image through a 5x5 (or 1x1) bottleneck
before the decoder draws the hole: a pixel next to the hole's edge has to travel through that
bottleneck to reach the output, and the fill comes out blurred towards the mean color. A U-Net
(Ronneberger et al., 2015) adds a path from the encoder to the decoder at every scale (skip
connections), so the decoder sees the hole's edges at full resolution, while the middle still
sees the whole hole through dilated convolutions (Iizuka et al., 2017).

===========  =================================================  ====================
Part         Layer                                              Output (128 input)
===========  =================================================  ====================
input        normalized RGB with the hole set to 0 (or a        4 x 128 x 128
             classical fill, ``base_fill="telea"`` or
             ``"harmonic"``) + the mask
encoder 0    conv 3x3 4→w                                       w x 128 x 128
encoder 1-4  conv 3x3 stride 2, conv 3x3 (w, 2w, 4w, 8w, 8w)    8w x 8 x 8
middle       three 3x3 convs dilated 2, 4, 8 (residual)         8w x 8 x 8
decoder 4-1  upsample x2, concatenate the encoder's map of the  w x 128 x 128
             same scale, conv 3x3, conv 3x3
output       conv 1x1 w→3; sigmoid (or the classical fill plus  3 x 128 x 128
             a residual that starts at zero)
===========  =================================================  ====================

Every activation is a leaky ReLU; there is no batch normalization, so a model behaves the same in
training and evaluation mode and with a batch of one. ``gated=True`` replaces every convolution by
a gated convolution (DeepFill v2): ``leaky_relu(conv_f(x)) * sigmoid(conv_g(x))``, which learns
per pixel how much of each feature to let through, e.g. to ignore the erased hole.

The total stride is 16: the model works on any square image whose side is a multiple of 16
(128 and 224 included) and says so otherwise.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from inpaintlib.models.base import InpaintingModel, imagenet_normalize, start_fill_image

__all__ = ["GatedConv2d", "UNetInpainter", "BASE_FILLS", "STRIDE"]

#: The total stride of the encoder: image sides must be a multiple of it.
STRIDE = 16
#: Valid ``base_fill`` values: what the network sees in the hole.
BASE_FILLS = ("erase", "telea", "harmonic")


class GatedConv2d(nn.Module):
    """A gated convolution (Yu et al., DeepFill v2): ``act(conv_f(x)) * sigmoid(conv_g(x))``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation
        As for :class:`torch.nn.Conv2d`; one convolution with ``2 * out_channels`` outputs
        computes both the features and their gates.
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=1, dilation=1) -> None:
        super().__init__()
        self.out_channels = int(out_channels)
        self.conv = nn.Conv2d(in_channels, 2 * out_channels, kernel_size, stride, padding, dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features, gates = self.conv(x).split(self.out_channels, dim=1)
        return F.leaky_relu(features, 0.2) * torch.sigmoid(gates)


class _Conv(nn.Sequential):
    """A plain 3x3 convolution followed by a leaky ReLU."""

    def __init__(self, in_channels, out_channels, stride=1, dilation=1) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, stride, dilation, dilation), nn.LeakyReLU(0.2, inplace=True)
        )


def _conv(in_channels: int, out_channels: int, gated: bool, stride: int = 1, dilation: int = 1) -> nn.Module:
    if gated:
        return GatedConv2d(in_channels, out_channels, 3, stride, dilation, dilation)
    return _Conv(in_channels, out_channels, stride, dilation)


class UNetInpainter(InpaintingModel):
    """Model 4: a mask-aware U-Net with skip connections at every scale and a dilated middle.

    Parameters
    ----------
    image_size : int
        Side of the square images (a multiple of 16; default 128).
    width : int
        Channels of the first level; the levels below have 2, 4, 8 and 8 times as many.
    gated : bool
        Gated convolutions (DeepFill v2) instead of plain ones.
    skips : bool
        ``False`` removes the skip connections: the same encoder and decoder, joined only through
        the 8x8 middle, as the context encoders are (notebook 07 compares both).
    base_fill : {"erase", "telea", "harmonic"}
        What the network sees in the hole: ``"erase"`` sets it to the ImageNet mean color, as the
        other models do; ``"telea"`` gives it OpenCV's Telea fill and ``"harmonic"`` the harmonic
        fill (:func:`~inpaintlib.models.base.harmonic_fill`), and the network predicts a
        correction to that fill whose last layer starts at zero, so an untrained model returns
        exactly the classical fill. The sum is clamped to ``[0, 1]`` with the gradient passed
        straight through, so a correction that overshoots can still be pulled back.
    """

    model_name = "unet"
    image_size = 128

    def __init__(
        self, image_size: int = 128, width: int = 32, gated: bool = False, skips: bool = True, base_fill: str = "erase"
    ) -> None:
        super().__init__()
        image_size, width = int(image_size), int(width)
        if image_size < STRIDE or image_size % STRIDE:
            raise ValueError(
                f"UNetInpainter needs an image side that is a multiple of {STRIDE} (e.g. 128 or 224), got {image_size}"
            )
        if not 1 <= width <= 256:
            raise ValueError(f"width must be between 1 and 256 channels, got {width}")
        if base_fill not in BASE_FILLS:
            raise ValueError(f"base_fill must be one of {', '.join(BASE_FILLS)}, got {base_fill!r}")
        self.image_size = image_size
        self.width, self.gated, self.skips, self.base_fill = width, bool(gated), bool(skips), base_fill
        channels = [width, 2 * width, 4 * width, 8 * width, 8 * width]
        self.stem = _conv(4, channels[0], gated)
        self.down = nn.ModuleList(
            nn.Sequential(_conv(channels[i], channels[i + 1], gated, stride=2), _conv(channels[i + 1], channels[i + 1], gated))
            for i in range(4)
        )
        self.middle = nn.ModuleList(_conv(channels[4], channels[4], gated, dilation=d) for d in (2, 4, 8))
        self.up = nn.ModuleList(
            nn.Sequential(
                _conv(channels[i + 1] + (channels[i] if skips else 0), channels[i], gated), _conv(channels[i], channels[i], gated)
            )
            for i in reversed(range(4))
        )
        self.head = nn.Conv2d(channels[0], 3, 1)
        if base_fill != "erase":
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def generate(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.base_fill != "erase":
            base = start_fill_image(self.base_fill, image, mask)
            inputs = torch.cat([imagenet_normalize(base), mask], dim=1)
        else:
            base = None
            inputs = torch.cat([self.erase(image, mask), mask], dim=1)
        x = self.stem(inputs)
        levels = [x]
        for block in self.down:
            x = block(x)
            levels.append(x)
        for block in self.middle:
            x = x + block(x)
        for block, skip in zip(self.up, reversed(levels[:-1])):
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            if self.skips:
                x = torch.cat([x, skip], dim=1)
            x = block(x)
        out = self.head(x)
        if base is None:
            return torch.sigmoid(out)
        # Clamp to [0, 1] on the way forward, but let the gradient through as if unclamped: a hard
        # clamp has zero gradient outside the range, and a correction that overshoots would stay stuck.
        filled = base + out
        return filled + (filled.clamp(0.0, 1.0) - filled).detach()

    def constructor_options(self) -> dict:
        """Return ``image_size``, ``width``, ``gated``, ``skips`` and ``base_fill``: what rebuilds this model."""
        return {
            "image_size": self.image_size, "width": self.width, "gated": self.gated, "skips": self.skips,
            "base_fill": self.base_fill,
        }

    def extra_repr(self) -> str:
        return (
            f"image_size={self.image_size}, width={self.width}, gated={self.gated}, skips={self.skips}, "
            f"base_fill={self.base_fill!r}"
        )

