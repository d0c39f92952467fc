"""Building blocks of the context encoders: the channel-wise fully connected layer.

Taught in notebook 04 (``04_random_blocks_and_regions.ipynb``).

Pathak et al. connect the encoder to the decoder through a *channel-wise* fully
connected layer: every output position of a feature map sees every input position of
the **same** map, and maps never mix. With ``m`` maps of ``n x n`` it holds ``m * n**4``
weights (plus ``m * n**2`` biases) instead of ``m**2 * n**4`` for a full dense layer:
331,776 against 84,934,656 for AlexNet's 256 x 6 x 6 features.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ChannelWiseFC"]


class ChannelWiseFC(nn.Module):
    """A dense map over the ``size x size`` positions of each channel, with no links between channels.

    Parameters
    ----------
    channels : int
        Number of feature maps ``m``.
    size : int
        Side ``n`` of each (square) feature map.
    dropout : float
        Dropout probability applied to the input features (0 turns it off).
    bias : bool
        Whether to add a learned bias per output position (``m * n**2`` values).

    Shape
    -----
    ``(N, m, n, n) -> (N, m, n, n)``, for any batch size (no batch statistics involved).

    Notes
    -----
    The weight is stored as ``(m, n**2, n**2)`` and applied as one batched matrix product
    (``torch.bmm`` over the channels). Each channel's matrix is initialized like
    :class:`torch.nn.Linear` (uniform in ``±1/sqrt(n**2)``), which keeps the output variance
    close to the input's.
    """

    def __init__(self, channels: int, size: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        if int(channels) < 1:
            raise ValueError(f"channels must be a positive integer, got {channels!r}")
        if int(size) < 1:
            raise ValueError(f"size must be a positive integer, got {size!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.channels = int(channels)
        self.size = int(size)
        positions = self.size * self.size
        self.weight = nn.Parameter(torch.empty(self.channels, positions, positions))
        self.bias = nn.Parameter(torch.empty(self.channels, positions)) if bias else None
        self.dropout = float(dropout)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias uniformly in ``±1/sqrt(size**2)`` (as :class:`torch.nn.Linear`)."""
        bound = 1.0 / math.sqrt(self.size * self.size)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.size, self.size)
        if features.dim() != 4 or tuple(features.shape[1:]) != expected:
            raise ValueError(
                f"ChannelWiseFC expects features shaped (N, {self.channels}, {self.size}, {self.size}), "
                f"got {tuple(features.shape)}"
            )
        batch = features.shape[0]
        if self.dropout > 0:
            features = F.dropout(features, self.dropout, self.training)
        flat = features.reshape(batch, self.channels, -1)
        # (m, N, n²) @ (m, n², n²) -> (m, N, n²): one matrix per channel.
        out = torch.bmm(flat.transpose(0, 1), self.weight).transpose(0, 1)
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(batch, *expected)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, size={self.size}, dropout={self.dropout}, bias={self.bias is not None}"
