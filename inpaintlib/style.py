"""Measuring style: Gram-matrix distances between images, inside holes, and their figures.

Taught in notebook 06 (``06_monet_style.ipynb``).

The style loss of :mod:`inpaintlib.losses` trains a generator; this module *measures* with the
same statistic, one number per image:

* :func:`style_extractor` — a frozen :class:`~inpaintlib.losses.StyleFeatures` whose random
  fallback weights (used when AlexNet's ImageNet weights are not cached) come from a seed, so
  a measurement is repeatable and can use another network than the one a model was trained
  against.
* :func:`gram_matrices`, :func:`style_distances`, :func:`pairwise_style_distances` — Gram
  matrices per layer and the weighted Gram distance of :func:`inpaintlib.losses.style_loss`,
  per image pair or for every pair of two sets (e.g. painting↔painting against painting↔photo).
* :func:`hole_boxes`, :func:`hole_style_distance` — the distance between the filled hole
  (its bounding box, optionally with a margin of context) and the same region of the
  original: does the fill have the painting's texture, whatever its exact pixels?
* :func:`hole_scores` — PSNR inside the hole and the hole's style distance for several
  inpainting methods on the same images and masks.
* :func:`plot_gram_matrices` — heatmaps of Gram matrices, one row per image, one column per layer
  (drawn by :mod:`inpaintlib.plots.style`, re-exported here).

All distances are measurements: they are computed without gradients.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch

from inpaintlib.losses import DEFAULT_STYLE_WEIGHTS, StyleFeatures, gram_matrix
from inpaintlib.plots.style import plot_gram_matrices

__all__ = [
    "gram_matrices",
    "hole_boxes",
    "hole_scores",
    "hole_style_distance",
    "pairwise_style_distances",
    "plot_gram_matrices",
    "style_distances",
    "style_extractor",
]

#: Where :func:`hole_style_distance` takes its reference texture from.
REFERENCES = ("crop", "image")
#: The smallest square AlexNet's five conv layers accept (its second max-pool needs 3x3 input).
MIN_CROP = 32


def style_extractor(
    weights="DEFAULT",
    seed: int = 0,
    layers: Sequence[str] = ("conv1", "conv2", "conv3", "conv4", "conv5"),
    layer_weights: Mapping[str, float] | None = None,
) -> StyleFeatures:
    """Return a frozen AlexNet style extractor whose random fallback weights come from ``seed``.

    Parameters
    ----------
    weights : {"DEFAULT", "IMAGENET1K_V1"}, str, Path or None
        As for :class:`~inpaintlib.losses.StyleFeatures`: ImageNet weights when cached, else random
        weights with a warning; ``None`` asks for random weights. ``extractor.weights_used`` says which.
    seed : int
        Seeds the random initialization (drawn without touching the caller's random state).
    layers : sequence of str
        The layers to compare (``conv1``..``conv5`` by default).
    layer_weights : dict, optional
        Per-layer weights; the course report's 0.8, 0.1, 0.4, 0.2, 0.2 by default.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return StyleFeatures(layers=layers, weights=weights, layer_weights=layer_weights)


def _batch(images: torch.Tensor, name: str) -> torch.Tensor:
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(images).__name__}")
    if images.dim() == 3:
        images = images.unsqueeze(0)
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"{name} must be shaped (N, 3, H, W) or (3, H, W), got {tuple(images.shape)}")
    return images


def _layer_weights(features: StyleFeatures, layer_weights: Mapping[str, float] | None) -> dict[str, float]:
    if layer_weights is None:
        layer_weights = getattr(features, "layer_weights", None) or DEFAULT_STYLE_WEIGHTS
    return {name: float(layer_weights.get(name, 0.0)) for name in features.layers}


@torch.no_grad()
def gram_matrices(images: torch.Tensor, features: StyleFeatures) -> dict[str, torch.Tensor]:
    """Return ``{layer: (N, C, C) Gram matrix}`` of ``images`` (``(N, 3, H, W)`` in ``[0, 1]``).

    The Gram matrices are those of :func:`inpaintlib.losses.gram_matrix` (divided by ``C * H * W``),
    so images of different sizes can be compared.
    """
    images = _batch(images, "images")
    device = next(features.parameters()).device
    return {name: gram_matrix(value) for name, value in features(images.to(device)).items()}


def _distance_from_grams(
    grams_a: Mapping[str, torch.Tensor],
    grams_b: Mapping[str, torch.Tensor],
    weights: Mapping[str, float],
    pairwise: bool,
    per_layer: bool,
):
    parts = {}
    for name, weight in weights.items():
        a, b = grams_a[name].flatten(1).double(), grams_b[name].flatten(1).double()
        if pairwise:
            squared = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist").pow(2)
        else:
            squared = (a - b).pow(2).sum(1)
        parts[name] = weight * 0.25 * squared
    if per_layer:
        return parts
    return sum(parts.values())


def style_distances(
    images_a: torch.Tensor,
    images_b: torch.Tensor,
    features: StyleFeatures,
    layer_weights: Mapping[str, float] | None = None,
    per_layer: bool = False,
):
    """Return the style distance between ``images_a[i]`` and ``images_b[i]`` for every ``i``.

    The distance is :func:`inpaintlib.losses.style_loss` for one pair: per layer
    ``weight / 4 * sum((G_a - G_b) ** 2)`` over the Gram matrices, summed over the layers; the
    mean over a batch equals ``style_loss`` of the batch. It is 0 for identical images and does
    not depend on where things are in the images, only on which features occur together.

    Parameters
    ----------
    images_a, images_b : torch.Tensor
        ``(N, 3, H, W)`` images in ``[0, 1]`` (the two sets may differ in height and width).
    features : StyleFeatures
        The extractor (e.g. from :func:`style_extractor`).
    layer_weights : dict, optional
        Per-layer weights; ``features.layer_weights`` by default.
    per_layer : bool
        Return ``{layer: (N,) distances}`` (weighted) instead of their sum.

    Returns
    -------
    torch.Tensor or dict
        float64 ``(N,)`` distances (or one such tensor per layer).
    """
    images_a, images_b = _batch(images_a, "images_a"), _batch(images_b, "images_b")
    if images_a.shape[0] != images_b.shape[0]:
        raise ValueError(f"images_a has {images_a.shape[0]} images but images_b has {images_b.shape[0]}")
    weights = _layer_weights(features, layer_weights)
    return _distance_from_grams(
        gram_matrices(images_a, features), gram_matrices(images_b, features), weights, False, per_layer
    )


def pairwise_style_distances(
    images_a: torch.Tensor,
    images_b: torch.Tensor,
    features: StyleFeatures,
    layer_weights: Mapping[str, float] | None = None,
) -> torch.Tensor:
    """Return the ``(A, B)`` matrix of style distances between every image of ``images_a`` and of ``images_b``.

    Entry ``(i, j)`` equals ``style_distances(images_a[i:i+1], images_b[j:j+1], features)``. Pass the
    same set twice for within-set distances (the diagonal is then 0).
    """
    images_a, images_b = _batch(images_a, "images_a"), _batch(images_b, "images_b")
    weights = _layer_weights(features, layer_weights)
    return _distance_from_grams(
        gram_matrices(images_a, features), gram_matrices(images_b, features), weights, True, False
    )


def _mask_batch(mask: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    mask = torch.as_tensor(mask)
    if mask.dim() == 2:
        mask = mask[None, None]
    elif mask.dim() == 3:
        mask = mask.unsqueeze(1)
    n, _, h, w = images.shape
    if mask.dim() != 4 or mask.shape[1] != 1 or tuple(mask.shape[-2:]) != (h, w) or mask.shape[0] not in (1, n):
        raise ValueError(f"mask must be shaped ({n}, 1, {h}, {w}) or ({h}, {w}), got {tuple(mask.shape)}")
    return (mask > 0.5).expand(n, 1, h, w)


def _grow(start: int, stop: int, wanted: int, limit: int) -> tuple[int, int]:
    """Grow ``[start, stop)`` around its center to at least ``wanted`` pixels inside ``[0, limit)``."""
    size = min(wanted, limit)
    if stop - start >= size:
        return start, stop
    start = min(max(start - (size - (stop - start)) // 2, 0), limit - size)
    return start, start + size


def hole_boxes(mask: torch.Tensor, margin: int = 0, min_size: int = 0) -> list[tuple[int, int, int, int] | None]:
    """Return the bounding box ``(top, bottom, left, right)`` of each mask's hole, grown by ``margin``.

    Parameters
    ----------
    mask : torch.Tensor
        ``(N, 1, H, W)``, ``(N, H, W)`` or ``(H, W)``; 1 = missing pixel.
    margin : int
        Pixels of context added on every side (clipped to the image).
    min_size : int
        Boxes narrower or shorter than this are grown around their center to this size (as far
        as the image allows).

    Returns
    -------
    list
        One ``(top, bottom, left, right)`` per mask, as slice bounds (``bottom`` and ``right``
        excluded), or ``None`` for a mask without any missing pixel.
    """
    if isinstance(margin, bool) or not isinstance(margin, int) or margin < 0:
        raise ValueError(f"margin must be an int >= 0 pixels, got {margin!r}")
    if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 0:
        raise ValueError(f"min_size must be an int >= 0 pixels, got {min_size!r}")
    mask = torch.as_tensor(mask)
    if mask.dim() == 2:
        mask = mask[None]
    elif mask.dim() == 4 and mask.shape[1] == 1:
        mask = mask[:, 0]
    if mask.dim() != 3:
        raise ValueError(f"mask must be shaped (N, 1, H, W), (N, H, W) or (H, W), got {tuple(mask.shape)}")
    height, width = mask.shape[-2:]
    boxes = []
    for hole in mask > 0.5:
        rows = torch.nonzero(hole.any(1)).flatten()
        cols = torch.nonzero(hole.any(0)).flatten()
        if rows.numel() == 0:
            boxes.append(None)
            continue
        top, bottom = _grow(max(int(rows[0]) - margin, 0), min(int(rows[-1]) + 1 + margin, height), min_size, height)
        left, right = _grow(max(int(cols[0]) - margin, 0), min(int(cols[-1]) + 1 + margin, width), min_size, width)
        boxes.append((top, bottom, left, right))
    return boxes


def hole_style_distance(
    inpainted: torch.Tensor,
    original: torch.Tensor,
    mask: torch.Tensor,
    features: StyleFeatures,
    margin: int = 0,
    reference: str = "crop",
    layer_weights: Mapping[str, float] | None = None,
) -> torch.Tensor:
    """Return, per image, the style distance between the filled hole and the original's texture.

    The hole's bounding box (grown by ``margin`` pixels of context, and to at least
    :data:`MIN_CROP` pixels a side, the smallest input AlexNet accepts) is cut out of ``inpainted``
    and compared, through Gram matrices, with the same box of ``original`` (``reference="crop"``:
    the texture the painter put there) or with the whole original (``reference="image"``: the
    painting's overall texture). Pixel metrics such as PSNR reward the exact colors; this
    rewards the right *kind* of brushwork, wherever it sits.

    Parameters
    ----------
    inpainted : torch.Tensor
        ``(N, 3, H, W)`` composed results (known pixels plus the fill) in ``[0, 1]``.
    original : torch.Tensor
        The ``(N, 3, H, W)`` images before the hole was cut.
    mask : torch.Tensor
        ``(N, 1, H, W)`` or ``(H, W)``; 1 = missing pixel.
    features : StyleFeatures
        The extractor (e.g. :func:`style_extractor`).
    margin : int
        Pixels of context around the hole's box to include.
    reference : {"crop", "image"}
        What the hole is compared with.
    layer_weights : dict, optional
        Per-layer weights; ``features.layer_weights`` by default.

    Returns
    -------
    torch.Tensor
        float64 ``(N,)``; ``nan`` for an image whose mask has no hole.
    """
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}")
    inpainted, original = _batch(inpainted, "inpainted"), _batch(original, "original")
    if inpainted.shape != original.shape:
        raise ValueError(
            f"inpainted {tuple(inpainted.shape)} and original {tuple(original.shape)} must have the same shape"
        )
    boxes = hole_boxes(_mask_batch(mask, original), margin, min_size=MIN_CROP)
    weights = _layer_weights(features, layer_weights)
    distances = torch.full((len(boxes),), math.nan, dtype=torch.float64)
    # Crops of the same size go through the extractor together (all of them, for a fixed hole).
    groups: dict[tuple[int, int], list[int]] = {}
    for index, box in enumerate(boxes):
        if box is not None:
            groups.setdefault((box[1] - box[0], box[3] - box[2]), []).append(index)
    for indices in groups.values():
        crops, targets = [], []
        for index in indices:
            top, bottom, left, right = boxes[index]
            crops.append(inpainted[index, :, top:bottom, left:right])
            targets.append(original[index, :, top:bottom, left:right] if reference == "crop" else original[index])
        grams_crop = gram_matrices(torch.stack(crops), features)
        grams_target = gram_matrices(torch.stack(targets), features)
        values = _distance_from_grams(grams_crop, grams_target, weights, False, False)
        distances[indices] = values.cpu()
    return distances


def hole_scores(
    methods: Mapping[str, object],
    images: torch.Tensor,
    masks: torch.Tensor,
    features: StyleFeatures,
    margin: int = 0,
    reference: str = "crop",
) -> dict[str, dict[str, float]]:
    """Inpaint ``images`` with every method and return its mean PSNR in the hole and hole style distance.

    Parameters
    ----------
    methods : dict of str to Inpainter or model
        Named methods: :class:`~inpaintlib.baselines.Inpainter` objects or generators
        ``model(image, mask) -> prediction`` (wrapped with :func:`inpaintlib.baselines.as_inpainter`).
    images : torch.Tensor
        ``(N, 3, H, W)`` originals in ``[0, 1]``.
    masks : torch.Tensor
        ``(N, 1, H, W)`` masks, 1 = missing pixel (the same for every method).
    features : StyleFeatures
        The extractor for :func:`hole_style_distance`.
    margin, reference
        Passed to :func:`hole_style_distance`.

    Returns
    -------
    dict
        ``{name: {"psnr_hole": dB, "style_hole": distance}}``, means over the images, in the
        order of ``methods``; lower ``style_hole`` means the fill is closer to the painting's texture.
    """
    from inpaintlib.baselines import as_inpainter
    from inpaintlib.metrics import psnr

    if not methods:
        raise ValueError("methods must name at least one method")
    images = _batch(images, "images")
    masks = _mask_batch(masks, images).float()
    scores = {}
    for name, method in methods.items():
        composed = as_inpainter(method, name=name)(images, masks).cpu()
        scores[name] = {
            "psnr_hole": float(torch.nanmean(psnr(composed, images.cpu(), masks.cpu()))),
            "style_hole": float(
                torch.nanmean(hole_style_distance(composed, images.cpu(), masks.cpu(), features, margin, reference))
            ),
        }
    return scores
