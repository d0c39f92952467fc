"""The two discriminators: one score for Model 1's 64x64 patch, a patch map for Models 2 and 3.

Taught in notebook 03 (``03_center_block.ipynb``, the global one) and notebook 04 (``04_random_blocks_and_regions.ipynb``, the patch one).

Both return logits (no sigmoid); the adversarial loss is BCE-with-logits
(:func:`inpaintlib.losses.adversarial_loss`).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.fx
from torch import nn

from inpaintlib.models.base import check_image
from inpaintlib.models.summary import ModelSummary, summary

__all__ = ["GlobalDiscriminator", "PatchDiscriminator"]


def _activation(name: str) -> nn.Module:
    if name == "leaky_relu":
        return nn.LeakyReLU(0.2, inplace=True)
    if name == "relu":
        return nn.ReLU(inplace=True)
    raise ValueError(f"activation must be 'leaky_relu' or 'relu', got {name!r}")


class _Discriminator(nn.Module):
    input_size: int

    def summary(self, input_size=None) -> ModelSummary:
        """Return a per-layer table of output shapes and parameter counts."""
        return summary(self, input_size)

    def _check(self, images: torch.Tensor) -> torch.Tensor:
        if isinstance(images, torch.fx.Proxy):  # symbolic tracing (receptive-field analysis)
            return images
        images, _ = check_image(images, "images")
        return images


class GlobalDiscriminator(_Discriminator):
    """Model 1's discriminator: is this 64x64 center patch real or inpainted? One logit per image.

    ==========  ======================================================  ================
    Block       Layers                                                  Output (64 in)
    ==========  ======================================================  ================
    block1      conv 3→64, 3x3, pad 1; BN, ReLU; max-pool 3/3           64 x 21 x 21
    block2      conv 64→128, 3x3, pad 1; BN, ReLU; max-pool 2/2         128 x 10 x 10
    block3      conv 128→256, 3x3, pad 1; BN, ReLU; max-pool 2/2        256 x 5 x 5
    block4      conv 256→512, 3x3, pad 1; BN, ReLU                      512 x 5 x 5
    head        flatten; FC 12800→64; LayerNorm; ReLU; FC 64→1          1
    ==========  ======================================================  ================

    The report sizes the first FC for 8,192 features, but a 64x64 patch gives 512·5·5 = 12,800;
    the size is computed here by a dry run at construction. The report's normalization after
    that FC is a ``BatchNorm1d``, which cannot train on a batch of one; ``LayerNorm`` does the
    same job per sample.

    Parameters
    ----------
    input_size : int
        Side of the square patches it judges (64 for Model 1).
    activation : {"relu", "leaky_relu"}
        Activation after each convolution (the report uses ReLU).
    """

    def __init__(self, input_size: int = 64, activation: str = "relu") -> None:
        super().__init__()
        self.input_size = int(input_size)

        def block(in_channels, out_channels, pool):
            layers = [
                ("conv", nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)),
                ("bn", nn.BatchNorm2d(out_channels)),
                ("act", _activation(activation)),
            ]
            if pool is not None:
                layers.append(("pool", pool))
            return nn.Sequential(OrderedDict(layers))

        self.features = nn.Sequential(
            OrderedDict(
                [
                    ("block1", block(3, 64, nn.MaxPool2d(3, 3))),
                    ("block2", block(64, 128, nn.MaxPool2d(2, 2))),
                    ("block3", block(128, 256, nn.MaxPool2d(2, 2))),
                    ("block4", block(256, 512, None)),
                ]
            )
        )
        with torch.no_grad():
            probe = self.features.eval()(torch.zeros(1, 3, self.input_size, self.input_size))
        self.features.train()
        self.flat_features = probe.numel()
        self.head = nn.Sequential(
            OrderedDict(
                [
                    ("flatten", nn.Flatten()),
                    ("fc1", nn.Linear(self.flat_features, 64)),
                    ("norm", nn.LayerNorm(64)),
                    ("act", _activation(activation)),
                    ("fc2", nn.Linear(64, 1)),
                ]
            )
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return ``(N, 1)`` logits (high = judged real) for ``(N, 3, 64, 64)`` patches in ``[0, 1]``."""
        images = self._check(images)
        if not isinstance(images, torch.fx.Proxy) and tuple(images.shape[-2:]) != (self.input_size, self.input_size):
            raise ValueError(
                f"GlobalDiscriminator was built for {self.input_size}x{self.input_size} patches, "
                f"got {tuple(images.shape[-2:])}; pass model.discriminator_view(images)"
            )
        return self.head(self.features(images))

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, flat_features={self.flat_features}"


class PatchDiscriminator(_Discriminator):
    """Models 2 and 3's discriminator: one real/fake logit per image patch (a PatchGAN).

    ========  =================================================  ==================
    Layer     Layers                                             Output (224 in)
    ========  =================================================  ==================
    block1    conv 3→64, 3x3, stride 2, pad 1; BN, activation    64 x 112 x 112
    block2    conv 64→128, 3x3, stride 2, pad 1; BN, activation  128 x 56 x 56
    block3    conv 128→256, 3x3, stride 1, pad 1; BN, act.       256 x 56 x 56
    conv4     conv 256→1, 3x3, stride 2, pad 1                   1 x 28 x 28
    ========  =================================================  ==================

    Each logit sees a 23x23 window of the input (effective stride 8), not the 47x47 the
    report computes: ``1 → 3 → 5 → 11 → 23`` through the four layers.

    Parameters
    ----------
    input_size : int
        The image side it is meant for (224); any size works, this only sets the summary's.
    activation : {"leaky_relu", "relu"}
        Activation after each hidden convolution (the report uses ReLU; LeakyReLU(0.2)
        keeps gradients flowing for negative inputs, the usual GAN choice).
    """

    receptive_field = 23

    def __init__(self, input_size: int = 224, activation: str = "leaky_relu") -> None:
        super().__init__()
        self.input_size = int(input_size)

        def block(in_channels, out_channels, stride):
            return nn.Sequential(
                OrderedDict(
                    [
                        ("conv", nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)),
                        ("bn", nn.BatchNorm2d(out_channels)),
                        ("act", _activation(activation)),
                    ]
                )
            )

        self.block1 = block(3, 64, 2)
        self.block2 = block(64, 128, 2)
        self.block3 = block(128, 256, 1)
        self.conv4 = nn.Conv2d(256, 1, 3, 2, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Return ``(N, 1, H/8, W/8)`` logits (28x28 at 224) for ``(N, 3, H, W)`` images in ``[0, 1]``."""
        images = self._check(images)
        return self.conv4(self.block3(self.block2(self.block1(images))))

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, receptive_field={self.receptive_field}"
