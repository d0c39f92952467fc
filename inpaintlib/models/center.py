"""Model 1: the center context encoder (a 64x64 hole in the middle of a 128x128 image).

Taught in notebook 03 (``03_center_block.ipynb``).

Architecture (the course report's first model, with its decoder fixed):

=========  =======================================  ==================
Part       Layer                                    Output (128 input)
=========  =======================================  ==================
encoder    conv 3→64, 11x11, stride 4; BN, ReLU     64 x 30 x 30
encoder    conv 64→128, 5x5, pad 2; BN, ReLU;       128 x 10 x 10
           max-pool 3, stride 3
encoder    conv 128→256, 3x3, pad 1; BN, ReLU;      256 x 4 x 4
           max-pool 3, stride 2
encoder    conv 256→512, 3x3, pad 1; BN, ReLU;      512 x 1 x 1
           max-pool 3, stride 2
decoder    deconv 512→256, 3x3, stride 2; BN, ReLU  256 x 3 x 3
decoder    deconv 256→128, 4x4, stride 1; BN, ReLU  128 x 6 x 6
decoder    deconv 128→64, 5x5, stride 2; BN, ReLU   64 x 15 x 15
decoder    deconv 64→32, 4x4, stride 2; BN, ReLU    32 x 32 x 32
decoder    deconv 32→3, 4x4, stride 2, pad 1;       3 x 64 x 64
           sigmoid
=========  =======================================  ==================

The report's decoder ends with a 1x1, stride 1 transposed conv, which leaves it at 32x32
(``8h + 24`` pixels from an ``h x h`` bottleneck), half the 64x64 hole; here the last layer
is a 4x4, stride 2, pad 1 transposed conv that doubles it to exactly 64x64. The report does
not list BN/ReLU after the fourth encoder conv; they are added so every layer is followed
by a nonlinearity. The 1x1 bottleneck still sees the whole image (rows and columns 0-126;
the 11x11, stride 4 first conv never reaches the last one).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from inpaintlib.models.base import InpaintingModel, imagenet_denormalize

__all__ = ["CenterContextEncoder"]


def _conv_block(in_channels, out_channels, kernel_size, stride=1, padding=0, pool=None):
    layers = [
        ("conv", nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)),
        ("bn", nn.BatchNorm2d(out_channels)),
        ("relu", nn.ReLU(inplace=True)),
    ]
    if pool is not None:
        layers.append(("pool", pool))
    return nn.Sequential(OrderedDict(layers))


def _deconv_block(in_channels, out_channels, kernel_size, stride=1, padding=0):
    return nn.Sequential(
        OrderedDict(
            [
                ("deconv", nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)),
                ("bn", nn.BatchNorm2d(out_channels)),
                ("relu", nn.ReLU(inplace=True)),
            ]
        )
    )


class CenterContextEncoder(InpaintingModel):
    """Model 1: predicts the 64x64 center of a 128x128 image from its surroundings.

    Parameters
    ----------
    image_size : int
        Must be 128 (the architecture's sizes are fixed); the argument exists so that
        ``build_model("center", image_size=...)`` fails with a clear message.
    base_fill : {"erase", "mean", "telea"}
        ``"erase"``: the report's model as written; ``"mean"`` or ``"telea"``: start from the known
        pixels' mean color or from Telea's fill and predict a correction (see
        :meth:`InpaintingModel.start_fill`; the registered recipe uses ``"telea"``).

    Notes
    -----
    ``model(image, mask)`` erases the hole (the center square, or ``mask`` if given — it must
    lie inside the center square), fills it with the ImageNet mean color, and returns the
    full 128x128 image: the erased input with the 64x64 prediction pasted into its center.
    ``mask`` may be ``None``, meaning the whole 64x64 center. :meth:`predict_hole` returns
    the 64x64 prediction alone. The output layer is a sigmoid, so predictions lie in (0, 1).
    """

    image_size = 128
    hole_size = 64
    mask_optional = True

    def __init__(self, image_size: int = 128, base_fill: str = "erase") -> None:
        super().__init__()
        if image_size != 128:
            raise ValueError(f"CenterContextEncoder works on 128x128 images only, got image_size={image_size}")
        self.encoder = nn.Sequential(
            OrderedDict(
                [
                    ("block1", _conv_block(3, 64, 11, stride=4)),
                    ("block2", _conv_block(64, 128, 5, padding=2, pool=nn.MaxPool2d(3, 3))),
                    ("block3", _conv_block(128, 256, 3, padding=1, pool=nn.MaxPool2d(3, 2))),
                    ("block4", _conv_block(256, 512, 3, padding=1, pool=nn.MaxPool2d(3, 2))),
                ]
            )
        )
        self.decoder = nn.Sequential(
            OrderedDict(
                [
                    ("block1", _deconv_block(512, 256, 3, stride=2)),
                    ("block2", _deconv_block(256, 128, 4, stride=1)),
                    ("block3", _deconv_block(128, 64, 5, stride=2)),
                    ("block4", _deconv_block(64, 32, 4, stride=2)),
                    ("deconv5", nn.ConvTranspose2d(32, 3, 4, stride=2, padding=1)),
                    ("sigmoid", nn.Sigmoid()),
                ]
            )
        )
        self.start_fill(base_fill, self.decoder.deconv5)

    @property
    def hole_slice(self) -> slice:
        """The rows (and columns) of the center hole: ``slice(32, 96)``."""
        start = (self.image_size - self.hole_size) // 2
        return slice(start, start + self.hole_size)

    def check_inputs(self, image: torch.Tensor, mask: torch.Tensor) -> None:
        super().check_inputs(image, mask)
        outside = mask.clone()
        outside[..., self.hole_slice, self.hole_slice] = 0
        if outside.any():
            raise ValueError(
                "CenterContextEncoder only fills the central 64x64 square (rows and columns 32-95), "
                "but the mask marks missing pixels outside it; use mask kind 'center' or model 'masked'"
            )

    def predict_hole(self, image: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Return the ``(N, 3, 64, 64)`` prediction of the center square.

        Parameters
        ----------
        image : torch.Tensor
            ``(N, 3, 128, 128)`` in ``[0, 1]``; the center (or ``mask``) is erased first.
        mask : torch.Tensor, optional
            A mask inside the center square; ``None`` erases the whole center.
        """
        full = self(image, mask)
        return full[..., self.hole_slice, self.hole_slice]

    def generate(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        erased, base = self.network_input(image, mask)
        if base is not None:
            base = base[..., self.hole_slice, self.hole_slice]
        patch = self.decode(self.decoder, self.encoder(erased), base)
        # Back in [0, 1] the hole shows the color the encoder saw; the center gets the patch.
        background = imagenet_denormalize(erased)
        rows, cols = self.hole_slice, self.hole_slice
        middle = torch.cat([background[..., rows, : cols.start], patch, background[..., rows, cols.stop :]], dim=-1)
        return torch.cat([background[..., : rows.start, :], middle, background[..., rows.stop :, :]], dim=-2)

    def discriminator_view(self, images: torch.Tensor) -> torch.Tensor:
        """Return the 64x64 center of ``images``: what :class:`GlobalDiscriminator` judges."""
        return images[..., self.hole_slice, self.hole_slice]
