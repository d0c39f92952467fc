"""Tests for inpaintlib.style: Gram-matrix style distances, hole crops, scores and figures."""

from __future__ import annotations

import math
import warnings

import matplotlib

matplotlib.use("Agg")

import pytest
import torch

from inpaintlib.baselines import MeanColorInpainter
from inpaintlib.losses import gram_matrix, style_loss
from inpaintlib.masks import center_block
from inpaintlib.metrics import PSNR_CAP_DB, psnr
from inpaintlib.style import (
    MIN_CROP,
    hole_boxes,
    hole_scores,
    hole_style_distance,
    pairwise_style_distances,
    plot_gram_matrices,
    style_distances,
    style_extractor,
)

SIZE = 64


@pytest.fixture(scope="module")
def features():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return style_extractor(weights=None, seed=0)


def images(n: int, seed: int) -> torch.Tensor:
    return torch.rand(n, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


def stripes(period: int = 16, shift: int = 0) -> torch.Tensor:
    """A (3, SIZE, SIZE) image of soft vertical stripes (a texture), shifted by ``shift`` pixels."""
    phase = 2 * math.pi * (torch.arange(SIZE).float() + shift) / period
    gray = (0.5 + 0.5 * torch.sin(phase)).expand(SIZE, SIZE)
    return torch.stack([0.2 + 0.6 * gray, 0.3 + 0.4 * gray, 0.5 * torch.ones_like(gray)])


def test_style_loss_is_zero_for_identical_features_and_positive_otherwise():
    generator = torch.Generator().manual_seed(0)
    a = {"conv1": torch.rand(2, 4, 5, 5, generator=generator), "conv2": torch.rand(2, 6, 3, 3, generator=generator)}
    b = {name: value + 0.5 * torch.rand(value.shape, generator=generator) for name, value in a.items()}
    assert style_loss(a, a).item() == 0.0
    assert style_loss(a, b).item() > 0.0


def test_extractor_is_reproducible_by_seed_and_leaves_global_rng_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = style_extractor(weights=None, seed=3)
        assert torch.equal(torch.rand(3), expected)
        second = style_extractor(weights=None, seed=3)
        other = style_extractor(weights=None, seed=4)
    assert first.weights_used == "random"
    weights = [p for p in first.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(weights, second.parameters()))
    assert not torch.equal(weights[0], next(other.parameters()))
    assert first.layer_weights == {"conv1": 0.8, "conv2": 0.1, "conv3": 0.4, "conv4": 0.2, "conv5": 0.2}
    with pytest.raises(ValueError, match="seed"):
        style_extractor(seed="0")


def test_style_distances_match_style_loss_and_are_zero_only_for_identical(features):
    a, b = images(3, 0), images(3, 1)
    distances = style_distances(a, b, features)
    assert distances.shape == (3,) and distances.dtype == torch.float64
    assert (distances > 0).all()
    assert torch.equal(style_distances(a, a, features), torch.zeros(3, dtype=torch.float64))
    expected = style_loss(features(a), features(b), features.layer_weights)
    assert math.isclose(distances.mean().item(), expected.item(), rel_tol=1e-4)
    per_layer = style_distances(a, b, features, per_layer=True)
    assert list(per_layer) == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    assert torch.allclose(sum(per_layer.values()), distances)
    only_conv1 = style_distances(a, b, features, layer_weights={"conv1": 1.0})
    assert torch.allclose(only_conv1, per_layer["conv1"] / 0.8)
    with pytest.raises(ValueError, match="images_b"):
        style_distances(a, b[:2], features)


def test_style_distance_ignores_where_things_are(features):
    texture = stripes()[None]
    moved = stripes(shift=5)[None]  # different pixels, same texture
    flat = texture.mean(dim=(2, 3), keepdim=True).expand_as(texture)
    assert (moved - texture).abs().max() > 0.4
    assert style_distances(texture, moved, features).item() < 0.2 * style_distances(texture, flat, features).item()


def test_pairwise_distances_agree_with_pairs_and_have_a_zero_diagonal(features):
    a, b = images(3, 0), images(2, 1)
    matrix = pairwise_style_distances(a, b, features)
    assert matrix.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            pair = style_distances(a[i : i + 1], b[j : j + 1], features)[0]
            assert math.isclose(matrix[i, j].item(), pair.item(), rel_tol=1e-6)
    within = pairwise_style_distances(a, a, features)
    assert torch.all(within.diagonal() == 0)
    assert torch.allclose(within, within.T)


def test_gram_matrix_is_position_free():
    features = torch.rand(1, 4, 6, 6, generator=torch.Generator().manual_seed(0))
    order = torch.randperm(36, generator=torch.Generator().manual_seed(1))
    shuffled = features.flatten(2)[..., order].reshape(1, 4, 6, 6)
    assert torch.allclose(gram_matrix(features), gram_matrix(shuffled), atol=1e-6)


def test_hole_boxes_margin_minimum_size_and_empty_masks():
    center = center_block(SIZE, hole=16)  # rows/cols 24..39
    assert hole_boxes(center) == [(24, 40, 24, 40)]
    assert hole_boxes(center, margin=4) == [(20, 44, 20, 44)]
    assert hole_boxes(center, margin=40) == [(0, SIZE, 0, SIZE)]
    assert hole_boxes(center, min_size=32) == [(16, 48, 16, 48)]
    corner = torch.zeros(SIZE, SIZE)
    corner[:4, -4:] = 1
    assert hole_boxes(corner, min_size=32) == [(0, 32, 32, 64)]  # grown inside the image
    batch = torch.stack([center, torch.zeros(SIZE, SIZE)])[:, None]
    assert hole_boxes(batch)[1] is None
    with pytest.raises(ValueError, match="margin"):
        hole_boxes(center, margin=-1)


def test_hole_style_distance_prefers_the_right_texture_over_the_right_mean(features):
    original = stripes()[None]
    mask = center_block(SIZE, hole=32)[None, None].float()
    shifted = original * (1 - mask) + stripes(shift=5)[None] * mask  # same texture, wrong phase
    flat = original * (1 - mask) + original.mean(dim=(2, 3), keepdim=True) * mask  # MSE-friendly blur
    assert psnr(shifted, original, mask).item() < psnr(flat, original, mask).item()  # pixels prefer the blur
    assert hole_style_distance(original, original, mask, features).item() == 0.0
    textured = hole_style_distance(shifted, original, mask, features).item()
    blurred = hole_style_distance(flat, original, mask, features).item()
    assert 0 < textured < 0.5 * blurred  # style prefers the texture
    whole = hole_style_distance(flat, original, mask, features, reference="image").item()
    assert whole > 0 and whole != blurred
    empty = hole_style_distance(original, original, torch.zeros(SIZE, SIZE), features)
    assert torch.isnan(empty).all()
    with pytest.raises(ValueError, match="reference"):
        hole_style_distance(flat, original, mask, features, reference="painting")


def test_tiny_holes_are_measured_on_a_crop_alexnet_accepts(features):
    original = images(1, 0)
    mask = center_block(SIZE, hole=4)[None, None].float()
    filled = original * (1 - mask) + 0.5 * mask
    assert MIN_CROP == 32
    assert hole_style_distance(filled, original, mask, features).item() > 0


def test_holes_of_different_sizes_in_one_batch_match_one_at_a_time(features):
    originals = images(3, 0)
    masks = torch.stack([center_block(SIZE, hole=h) for h in (40, 16, 40)])[:, None].float()
    filled = originals * (1 - masks) + 0.5 * masks
    together = hole_style_distance(filled, originals, masks, features)
    for i in range(3):
        alone = hole_style_distance(filled[i : i + 1], originals[i : i + 1], masks[i : i + 1], features)
        assert math.isclose(together[i].item(), alone.item(), rel_tol=1e-6)


def test_hole_scores_rank_a_perfect_fill_above_the_mean_color(features):
    originals = images(2, 0)
    mask = center_block(SIZE, hole=32)[None, None].float().expand(2, 1, SIZE, SIZE)
    scores = hole_scores(
        {"oracle": lambda image, hole: originals, "mean color": MeanColorInpainter()}, originals, mask, features
    )
    assert list(scores) == ["oracle", "mean color"]
    assert scores["oracle"] == {"psnr_hole": PSNR_CAP_DB, "style_hole": 0.0}
    assert scores["mean color"]["psnr_hole"] < PSNR_CAP_DB
    assert scores["mean color"]["style_hole"] > 0
    with pytest.raises(ValueError, match="methods"):
        hole_scores({}, originals, mask, features)


def test_plot_gram_matrices_draws_one_row_per_image_and_one_column_per_layer(features):
    axes = plot_gram_matrices(images(2, 0), features, titles=["painting", "photo"], channels=16)
    assert axes.shape == (2, 5)
    assert axes[0, 0].get_title() == "conv1 (16 of 64 ch.)"
    assert axes[1, 0].get_ylabel() == "photo"
    assert axes[0, 4].images[0].get_array().shape == (16, 16)
    with pytest.raises(ValueError, match="titles"):
        plot_gram_matrices(images(2, 0), features, titles=["one"])
    matplotlib.pyplot.close("all")
