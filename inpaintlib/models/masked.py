"""Model 2: a context encoder that takes the mask as input, for holes of any shape.

Taught in notebook 04 (``04_random_blocks_and_regions.ipynb``).

Architecture (the course report's second model, with its channel mismatch fixed):

=============  ==============================================  ==================
Part           Layer                                           Output (224 input)
=============  ==============================================  ==================
input          normalized RGB with the hole set to 0 (the      4 x 224 x 224
               ImageNet mean color) + the mask as channel 4
encoder        conv 4→96, 11x11, stride 4; ReLU; max-pool 3/2  96 x 26 x 26
encoder        conv 96→256, 5x5, pad 2; ReLU; max-pool 3/2     256 x 12 x 12
encoder        conv 256→384, 3x3, pad 1; ReLU                  384 x 12 x 12
encoder        conv 384→384, 3x3, pad 1; ReLU                  384 x 12 x 12
encoder        conv 384→384, 3x3, pad 1; ReLU; max-pool 3/2    384 x 5 x 5
bottleneck     channel-wise FC on 384 x 5 x 5 (240,000         384 x 5 x 5
               weights); ReLU; 1x1 conv 384→384 (mixes the
               channels, as in Pathak et al.); ReLU
decoder        deconv 384→256, 4x4, stride 2; BN, ReLU         256 x 12 x 12
decoder        deconv 256→128, 4x4, stride 2; BN, ReLU         128 x 26 x 26
decoder        deconv 128→64, 4x4, stride 2; BN, ReLU          64 x 54 x 54
decoder        deconv 64→32, 5x5, stride 2; BN, ReLU           32 x 111 x 111
decoder        deconv 32→3, 4x4, stride 2; sigmoid             3 x 224 x 224
=============  ==============================================  ==================

The report's decoder starts at 512 channels while its encoder ends at 384, which stops the
forward pass with a ``RuntimeError``; here the decoder starts at 384. With that, the
report's own kernel sizes and strides land on 224 x 224 exactly: no resize is needed.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from inpaintlib.models.base import InpaintingModel
from inpaintlib.models.layers import ChannelWiseFC

__all__ = ["MaskedContextEncoder", "context_decoder", "channel_bottleneck"]


def channel_bottleneck(channels: int, size: int, dropout: float = 0.0, mix_channels: bool = True) -> nn.Sequential:
    """Return the channel-wise FC bottleneck: ``ChannelWiseFC`` + ReLU (+ a 1x1 conv + ReLU).

    No batch statistics are used, so the bottleneck works with a batch of one in training mode.
    """
    layers = [("channel_fc", ChannelWiseFC(channels, size, dropout=dropout)), ("relu", nn.ReLU(inplace=True))]
    if mix_channels:
        layers += [("mix", nn.Conv2d(channels, channels, 1)), ("mix_relu", nn.ReLU(inplace=True))]
    return nn.Sequential(OrderedDict(layers))


def context_decoder(channels: list[int], kernels: list[int], strides: list[int], paddings: list[int]) -> nn.Sequential:
    """Return a stack of transposed convs (BN + ReLU between them, a sigmoid at the end).

    ``channels`` has one more entry than the other lists: the input channels, then each
    layer's output channels (the last one is 3, RGB).
    """
    layers = []
    count = len(kernels)
    for index in range(count):
        last = index == count - 1
        deconv = nn.ConvTranspose2d(
            channels[index], channels[index + 1], kernels[index], strides[index], paddings[index], bias=last
        )
        if last:
            layers += [(f"deconv{index + 1}", deconv), ("sigmoid", nn.Sigmoid())]
        else:
            block = OrderedDict(
                [("deconv", deconv), ("bn", nn.BatchNorm2d(channels[index + 1])), ("relu", nn.ReLU(inplace=True))]
            )
            layers.append((f"block{index + 1}", nn.Sequential(block)))
    return nn.Sequential(OrderedDict(layers))


class MaskedContextEncoder(InpaintingModel):
    """Model 2: fills holes of any shape in 224x224 images; the mask is a fourth input channel.

    Parameters
    ----------
    image_size : int
        Must be 224: the channel-wise FC is sized for the encoder's 5x5 output at 224.
    dropout : float
        Dropout on the channel-wise FC's input (0 turns it off).
    mix_channels : bool
        Follow the channel-wise FC with a 1x1 convolution that mixes channels, as Pathak et al. do.
    base_fill : {"erase", "mean", "telea"}
        ``"erase"``: the report's model as written; ``"mean"`` or ``"telea"``: start from the known
        pixels' mean color or from Telea's fill and predict a correction (see
        :meth:`InpaintingModel.start_fill`; the registered recipe uses ``"telea"``).

    Notes
    -----
    The hole is set to 0 after ImageNet normalization (the mean color), and the mask itself
    is given as a fourth channel so the network can tell a gray pixel from a missing one.
    The output layer is a sigmoid, so the prediction lies in (0, 1) everywhere; the training
    loss decides which pixels count (the hole, by default).
    """

    image_size = 224
    bottleneck_size = 5

    def __init__(
        self, image_size: int = 224, dropout: float = 0.0, mix_channels: bool = True, base_fill: str = "erase"
    ) -> None:
        super().__init__()
        if image_size != 224:
            raise ValueError(f"MaskedContextEncoder works on 224x224 images only, got image_size={image_size}")

        def conv(in_channels, out_channels, kernel, stride=1, padding=0):
            return nn.Conv2d(in_channels, out_channels, kernel, stride, padding)

        self.encoder = nn.Sequential(
            OrderedDict(
                [
                    ("conv1", conv(4, 96, 11, stride=4)),
                    ("relu1", nn.ReLU(inplace=True)),
                    ("pool1", nn.MaxPool2d(3, 2)),
                    ("conv2", conv(96, 256, 5, padding=2)),
                    ("relu2", nn.ReLU(inplace=True)),
                    ("pool2", nn.MaxPool2d(3, 2)),
                    ("conv3", conv(256, 384, 3, padding=1)),
                    ("relu3", nn.ReLU(inplace=True)),
                    ("conv4", conv(384, 384, 3, padding=1)),
                    ("relu4", nn.ReLU(inplace=True)),
                    ("conv5", conv(384, 384, 3, padding=1)),
                    ("relu5", nn.ReLU(inplace=True)),
                    ("pool5", nn.MaxPool2d(3, 2)),
                ]
            )
        )
        self.bottleneck = channel_bottleneck(384, self.bottleneck_size, dropout=dropout, mix_channels=mix_channels)
        self.decoder = context_decoder(
            channels=[384, 256, 128, 64, 32, 3],
            kernels=[4, 4, 4, 5, 4],
            strides=[2, 2, 2, 2, 2],
            paddings=[0, 0, 0, 0, 0],
        )
        self.start_fill(base_fill, self.decoder[-2])

    def generate(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        seen, base = self.network_input(image, mask)
        inputs = torch.cat([seen, mask], dim=1)
        return self.decode(self.decoder, self.bottleneck(self.encoder(inputs)), base)
