"""The style term of the loss: Gram matrices of AlexNet's conv features, compared layer by layer.

Taught in notebook 06 (``06_monet_style.ipynb``).

* :func:`gram_matrix` — channel correlations over all positions: texture, not layout.
* :func:`style_loss` — the weighted squared distance between two sets of Gram matrices.
* :class:`StyleFeatures` — AlexNet's five conv layers, frozen, returning each layer's features.

:mod:`inpaintlib.losses` adds the style term to the joint loss; :mod:`inpaintlib.style` measures
with the same statistic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from inpaintlib.models.alexnet import load_alexnet_features
from inpaintlib.models.base import check_image, imagenet_normalize

__all__ = ["DEFAULT_STYLE_WEIGHTS", "StyleFeatures", "gram_matrix", "style_loss"]

#: The course report's per-layer style weights for AlexNet's conv1..conv5.
DEFAULT_STYLE_WEIGHTS = {"conv1": 0.8, "conv2": 0.1, "conv3": 0.4, "conv4": 0.2, "conv5": 0.2}


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """Return the Gram matrices ``(N, C, C)`` of ``(N, C, H, W)`` features, divided by ``C * H * W``.

    Entry ``(i, j)`` is the correlation of channels ``i`` and ``j`` over all positions, so it
    describes texture and ignores where things are.
    """
    if features.dim() != 4:
        raise ValueError(f"features must be shaped (N, C, H, W), got {tuple(features.shape)}")
    batch, channels, height, width = features.shape
    flat = features.reshape(batch, channels, height * width)
    return torch.bmm(flat, flat.transpose(1, 2)) / (channels * height * width)


def style_loss(
    features_a: Mapping[str, torch.Tensor] | Sequence[torch.Tensor],
    features_b: Mapping[str, torch.Tensor] | Sequence[torch.Tensor],
    weights: Mapping[str, float] | Sequence[float] | None = None,
) -> torch.Tensor:
    """Weighted sum over layers of the squared distance between Gram matrices (Gatys et al.).

    Each layer contributes ``weight / 4 * sum((G_a - G_b) ** 2)``, averaged over the batch, with
    the Gram matrices of :func:`gram_matrix` (divided by ``C * H * W``): exactly Gatys et al.'s
    ``E_l = 1 / (4 N_l**2 M_l**2) * sum((G - A) ** 2)`` with unnormalized Gram matrices.

    Parameters
    ----------
    features_a, features_b : dict of str to Tensor, or sequence of Tensor
        Feature maps of the same layers (e.g. from :class:`StyleFeatures`), ``(N, C, H, W)`` each.
    weights : dict of str to float, or sequence of float, optional
        Per-layer weights (missing layers weigh 0 when a dict is given); all 1 by default.

    Returns
    -------
    torch.Tensor
        A scalar: 0 for identical features, unchanged by any spatial permutation of them.
    """
    if isinstance(features_a, Mapping) != isinstance(features_b, Mapping):
        raise ValueError("features_a and features_b must both be dicts or both be sequences")
    if isinstance(features_a, Mapping):
        if set(features_a) != set(features_b):
            raise ValueError(f"features_a has layers {sorted(features_a)}, features_b has {sorted(features_b)}")
        names = list(features_a)
        pairs = [(features_a[name], features_b[name]) for name in names]
        if weights is None:
            layer_weights = [1.0] * len(names)
        elif isinstance(weights, Mapping):
            layer_weights = [float(weights.get(name, 0.0)) for name in names]
        else:
            raise ValueError("weights must be a dict of layer names when the features are dicts")
    else:
        pairs = list(zip(features_a, features_b, strict=True))
        layer_weights = [1.0] * len(pairs) if weights is None else [float(w) for w in weights]
        if len(layer_weights) != len(pairs):
            raise ValueError(f"got {len(layer_weights)} weights for {len(pairs)} layers")
    if not pairs:
        raise ValueError("style_loss needs at least one layer of features")
    total = None
    for (a, b), weight in zip(pairs, layer_weights):
        if a.shape != b.shape:
            raise ValueError(f"feature shapes differ: {tuple(a.shape)} and {tuple(b.shape)}")
        if weight == 0:
            continue
        difference = gram_matrix(a) - gram_matrix(b)
        term = weight * 0.25 * difference.pow(2).sum(dim=(1, 2)).mean()
        total = term if total is None else total + term
    return total if total is not None else pairs[0][0].new_zeros(())


class StyleFeatures(nn.Module):
    """Frozen AlexNet feature extractor for the style loss: images in ``[0, 1]`` → named feature maps.

    Parameters
    ----------
    layers : sequence of str
        Which layers to return, from ``conv1``..``conv5`` (the activations after each conv's ReLU)
        and the other names of :data:`inpaintlib.models.alexnet.ALEXNET_LAYER_NAMES`.
    weights : {"DEFAULT", "IMAGENET1K_V1"}, str or Path, or None
        AlexNet weights, loaded as for Model 3 (:func:`inpaintlib.models.load_alexnet_features`):
        ImageNet from torchvision's cache, else random with one warning. :attr:`weights_used` says
        which. Random weights still give a (weaker) texture statistic.
    download : bool
        Allow downloading the ImageNet weights when they are not cached.
    layer_weights : dict of str to float, optional
        Per-layer weights for :meth:`loss`; the course report's 0.8, 0.1, 0.4, 0.2, 0.2 by default.

    Notes
    -----
    The module normalizes its input itself, is always in eval mode and its parameters never
    need gradients; gradients still flow back to the images.
    """

    _ACTIVATION_OF = {f"conv{index}": f"relu{index}" for index in range(1, 6)}

    def __init__(
        self,
        layers: Sequence[str] = ("conv1", "conv2", "conv3", "conv4", "conv5"),
        weights="DEFAULT",
        download: bool = False,
        layer_weights: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__()
        features, self.weights_used = load_alexnet_features(weights, download=download)
        available = list(features._modules)
        self.layers = tuple(layers)
        if not self.layers:
            raise ValueError("layers must name at least one AlexNet layer")
        self._taps = {}
        for name in self.layers:
            tap = self._ACTIVATION_OF.get(name, name)
            if tap not in available:
                raise ValueError(f"unknown AlexNet layer {name!r}; choose from conv1..conv5 or {available}")
            self._taps[tap] = name
        last = max(available.index(tap) for tap in self._taps)
        self.features = nn.Sequential(*[features._modules[name] for name in available[: last + 1]])
        self._names = available[: last + 1]
        if layer_weights is None:
            layer_weights = {name: DEFAULT_STYLE_WEIGHTS.get(name, 1.0) for name in self.layers}
        self.layer_weights = dict(layer_weights)
        for parameter in self.parameters():
            parameter.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> StyleFeatures:
        """Stay in eval mode: the extractor is frozen."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Return ``{layer name: (N, C, h, w) features}`` for ``(N, 3, H, W)`` images in ``[0, 1]``."""
        images, _ = check_image(images, "images")
        x = imagenet_normalize(images)
        out = {}
        for name, layer in zip(self._names, self.features):
            x = layer(x)
            if name in self._taps:
                # Safe without a copy: no tapped output is followed by an in-place layer.
                out[self._taps[name]] = x
        return {name: out[name] for name in self.layers}

    def loss(self, images_a: torch.Tensor, images_b: torch.Tensor) -> torch.Tensor:
        """Return :func:`style_loss` between two image batches with :attr:`layer_weights`."""
        return style_loss(self(images_a), self(images_b), self.layer_weights)
