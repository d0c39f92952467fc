"""Tests for inpaintlib.losses: reconstruction regions, adversarial, Gram style, joint loss."""

from __future__ import annotations

import math
import warnings

import pytest
import torch

from inpaintlib.losses import (
    DEFAULT_STYLE_WEIGHTS,
    JointLoss,
    LossTerms,
    StyleFeatures,
    adversarial_loss,
    discriminator_loss,
    generator_adversarial_loss,
    gram_matrix,
    hole_border,
    reconstruction_loss,
    reconstruction_weights,
    style_loss,
)
from inpaintlib.models import PretrainedWeightsWarning, center_hole_mask


@pytest.fixture(scope="module")
def style_features():
    return StyleFeatures(weights=None)


def images(batch=2, size=16, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, size, size, generator=generator)


# --------------------------------------------------------------------------- reconstruction


@pytest.mark.parametrize("region", ["hole", "overlap", "image"])
def test_reconstruction_loss_is_zero_for_identical_images(region):
    target = images()
    assert reconstruction_loss(target.clone(), target, center_hole_mask(16, batch=2), region=region) == 0


def test_hole_loss_ignores_context_pixels_and_is_the_mse_inside_the_hole():
    target = images()
    prediction = images(seed=1)
    mask = center_hole_mask(16, batch=2)
    loss = reconstruction_loss(prediction, target, mask)
    changed = prediction.clone()
    changed[..., 0, 0] = 0.0  # a context pixel
    assert reconstruction_loss(changed, target, mask) == loss
    inside = mask.bool().expand_as(target)
    torch.testing.assert_close(loss, ((prediction - target)[inside] ** 2).mean())
    changed[..., 8, 8] += 0.5  # a hole pixel
    assert reconstruction_loss(changed, target, mask) != loss


def test_per_image_loss_weighs_each_hole_alike():
    target = images()
    prediction = target.clone()
    mask = torch.zeros(2, 1, 16, 16)
    mask[0, :, 2:14, 2:14] = 1  # a large square: 144 pixels
    mask[1, :, 8, 2:14] = 1  # a thin stroke: 12 pixels
    prediction[0] += 0.1 * mask[0]
    prediction[1] += 0.3 * mask[1]
    per_image = reconstruction_loss(prediction, target, mask, per_image=True)
    torch.testing.assert_close(per_image, torch.tensor((0.1**2 + 0.3**2) / 2))
    pooled = reconstruction_loss(prediction, target, mask)
    torch.testing.assert_close(pooled, torch.tensor((144 * 0.1**2 + 12 * 0.3**2) / 156))
    same_holes = center_hole_mask(16, batch=2)  # equal holes: both averages agree
    torch.testing.assert_close(reconstruction_loss(images(seed=1), target, same_holes, per_image=True),
                               reconstruction_loss(images(seed=1), target, same_holes))
    joint = JointLoss(rec_weight=1.0, adv_weight=0.0, per_image=True)
    torch.testing.assert_close(joint(prediction, target, mask).rec, per_image)


def test_image_loss_is_plain_mse_and_needs_no_mask():
    target, prediction = images(), images(seed=1)
    expected = ((prediction - target) ** 2).mean()
    torch.testing.assert_close(reconstruction_loss(prediction, target, region="image"), expected)


def test_overlap_weights_the_inner_border_of_the_hole():
    mask = center_hole_mask(16, hole=8)  # rows/cols 4..11
    border = hole_border(mask, 2)
    assert border.sum() == 8 * 8 - 4 * 4
    assert border[0, 0, 4, 4] == 1 and border[0, 0, 7, 7] == 0 and border[0, 0, 0, 0] == 0
    weights = reconstruction_weights(mask, "overlap", overlap=2, overlap_weight=10.0)
    assert weights[0, 0, 4, 4] == 10 and weights[0, 0, 7, 7] == 1 and weights[0, 0, 0, 0] == 0
    target = torch.zeros(1, 3, 16, 16)
    prediction = torch.ones(1, 3, 16, 16)
    expected = (48 * 10 + 16) / 64
    assert reconstruction_loss(prediction, target, mask, "overlap", overlap=2) == pytest.approx(expected)


def test_hole_border_does_not_count_the_image_edge():
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., :, :4] = 1  # the left half is missing: its only hole edge is at column 3
    border = hole_border(mask, 1)
    assert border.sum() == 8
    assert torch.all(border[0, 0, :, 3] == 1)


def test_reconstruction_loss_bad_arguments():
    target = images()
    with pytest.raises(ValueError, match="region"):
        reconstruction_loss(target, target, center_hole_mask(16, batch=2), region="border")
    with pytest.raises(ValueError, match="needs the mask"):
        reconstruction_loss(target, target, None)
    with pytest.raises(ValueError, match="binary"):
        reconstruction_loss(target, target, center_hole_mask(16) * 0.3)
    with pytest.raises(ValueError, match="does not match"):
        reconstruction_loss(target, target[..., :8, :8], center_hole_mask(16))


def test_reconstruction_loss_without_any_hole_is_zero():
    target, prediction = images(), images(seed=1)
    assert reconstruction_loss(prediction, target, torch.zeros(16, 16)) == 0


# --------------------------------------------------------------------------- adversarial


def test_adversarial_losses_on_scores_and_patch_maps():
    zeros = torch.zeros(2, 1, 28, 28)
    assert adversarial_loss(zeros, real=True) == pytest.approx(math.log(2))
    confident = torch.full((2, 1), 20.0)
    assert adversarial_loss(confident, real=True) < 1e-6
    assert adversarial_loss(confident, real=False) > 10
    assert generator_adversarial_loss(confident) == adversarial_loss(confident, True)
    assert discriminator_loss(zeros, zeros) == pytest.approx(2 * math.log(2))
    assert discriminator_loss(torch.full((1, 1), 20.0), torch.full((1, 1), -20.0)) < 1e-6


# --------------------------------------------------------------------------- style


def test_gram_matrix_shape_symmetry_and_normalization():
    features = torch.randn(2, 5, 4, 3)
    gram = gram_matrix(features)
    assert gram.shape == (2, 5, 5)
    torch.testing.assert_close(gram, gram.transpose(1, 2))
    assert torch.allclose(gram_matrix(torch.ones(1, 4, 3, 3)), torch.full((1, 4, 4), 1 / 4))


def test_style_loss_zero_for_identical_invariant_to_permutation_positive_otherwise():
    generator = torch.Generator().manual_seed(0)
    features = {"a": torch.randn(2, 8, 6, 6, generator=generator), "b": torch.randn(2, 4, 3, 3, generator=generator)}
    weights = {"a": 0.8, "b": 0.1}
    assert style_loss(features, features, weights) == 0
    permuted = {}
    for name, value in features.items():
        order = torch.randperm(value.shape[-2] * value.shape[-1], generator=generator)
        permuted[name] = value.flatten(2)[..., order].reshape(value.shape)
    assert not torch.equal(permuted["a"], features["a"])
    assert style_loss(features, permuted, weights) == pytest.approx(0.0, abs=1e-6)
    other = {name: value + 0.5 * torch.randn_like(value) for name, value in features.items()}
    assert style_loss(features, other, weights) > 0
    only_b = style_loss(features, other, {"a": 0.0, "b": 1.0})
    assert only_b == pytest.approx(style_loss([features["b"]], [other["b"]]).item())


def test_style_loss_rejects_mismatched_layers():
    with pytest.raises(ValueError, match="layers"):
        style_loss({"a": torch.ones(1, 2, 2, 2)}, {"b": torch.ones(1, 2, 2, 2)})


def test_style_features_are_frozen_named_and_pass_gradients(style_features):
    assert style_features.weights_used == "random"
    assert style_features.layer_weights == DEFAULT_STYLE_WEIGHTS == {
        "conv1": 0.8, "conv2": 0.1, "conv3": 0.4, "conv4": 0.2, "conv5": 0.2,
    }  # fmt: skip
    style_features.train()
    assert not style_features.training
    assert not any(p.requires_grad for p in style_features.parameters())
    x = images(1, 64).requires_grad_(True)
    features = style_features(x)
    assert list(features) == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    assert features["conv1"].shape == (1, 64, 15, 15) and features["conv5"].shape[1] == 256
    style_features.loss(x, images(1, 64, seed=3)).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_style_features_warn_once_without_cached_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        extractor = StyleFeatures(layers=("conv1",))
    assert len([w for w in caught if issubclass(w.category, PretrainedWeightsWarning)]) == 1
    assert extractor.weights_used == "random"
    with pytest.raises(ValueError, match="unknown AlexNet layer"):
        StyleFeatures(layers=("conv9",), weights=None)


# --------------------------------------------------------------------------- joint loss


def test_joint_loss_returns_each_term_and_their_weighted_sum(style_features):
    target = images(2, 64)
    prediction = images(2, 64, seed=1).requires_grad_(True)
    mask = center_hole_mask(64, batch=2)
    logits = torch.zeros(2, 1, 8, 8)
    loss = JointLoss(rec_weight=0.999, adv_weight=0.001, style_weight=0.01, style_features=style_features)
    terms = loss(prediction, target, mask, logits)
    assert isinstance(terms, LossTerms)
    assert terms.rec > 0 and terms.style > 0
    assert terms.adv == pytest.approx(math.log(2))
    torch.testing.assert_close(terms.total, 0.999 * terms.rec + 0.001 * terms.adv + 0.01 * terms.style)
    assert set(terms.as_floats()) == {"total", "rec", "adv", "style"}
    terms.total.backward()
    assert prediction.grad is not None


def test_joint_loss_defaults_and_errors():
    target = images()
    mask = center_hole_mask(16, batch=2)
    loss = JointLoss()
    assert loss.style_features is None and loss.region == "hole"
    with pytest.raises(ValueError, match="fake_logits is required"):
        loss(target, target, mask)
    terms = JointLoss(adv_weight=0.0)(target.clone(), target, mask)
    assert terms.total == 0 and terms.adv == 0 and terms.style == 0
    with pytest.raises(ValueError, match="adv_weight"):
        JointLoss(adv_weight=-1)
