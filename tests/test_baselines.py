"""Tests for inpaintlib.baselines: one interface for classical methods and learned generators."""

import pytest
import torch
from torch import nn

from inpaintlib import baselines, metrics
from inpaintlib.baselines import (
    BiharmonicInpainter,
    HarmonicInpainter,
    Inpainter,
    MeanColorInpainter,
    ModelInpainter,
    NavierStokesInpainter,
    TeleaInpainter,
    as_inpainter,
    classical_baselines,
)


ALL_BASELINES = [
    TeleaInpainter(), NavierStokesInpainter(radius=5), BiharmonicInpainter(), HarmonicInpainter(), MeanColorInpainter()
]


def _photo_like(n=2, size=32, seed=0):
    """Smooth random images with values spread over [0, 1] (not multiples of 1/255)."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=generator)
    smooth = nn.functional.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    return (smooth + 0.02 * torch.rand(n, 3, size, size, generator=generator)).clamp(0, 1)


def _masks(n=2, size=32):
    masks = torch.zeros(n, 1, size, size)
    masks[:, :, 8:20, 10:24] = 1
    masks[-1, :, 0:3, :] = 1  # a hole touching the border
    return masks


class ConstantGenerator(nn.Module):
    """A stand-in generator following the model contract: predicts a constant color."""

    image_size = 48

    def __init__(self, value=0.5):
        super().__init__()
        self.value = value
        self.seen_sizes = []

    def forward(self, image, mask):
        assert mask.shape[-2:] == image.shape[-2:] and set(mask.unique().tolist()) <= {0.0, 1.0}
        self.seen_sizes.append(tuple(image.shape[-2:]))
        return torch.full_like(image, self.value)


@pytest.mark.parametrize("inpainter", ALL_BASELINES, ids=lambda m: m.name)
def test_known_pixels_are_untouched_bit_for_bit(inpainter):
    images = _photo_like()
    masks = _masks()
    composed = inpainter(images, masks)
    known = masks.expand_as(images) == 0
    assert composed.shape == images.shape and composed.dtype == images.dtype
    assert torch.equal(composed[known], images[known])


@pytest.mark.parametrize("inpainter", ALL_BASELINES, ids=lambda m: m.name)
def test_fill_is_finite_in_unit_range_and_changes_the_hole(inpainter):
    images = _photo_like()
    masks = _masks()
    composed = inpainter(images, masks)
    assert torch.isfinite(composed).all()
    assert composed.min() >= 0 and composed.max() <= 1
    hole = masks.expand_as(images) == 1
    corrupted = images.clone()
    corrupted[hole] = 1.0  # whatever the hole held must not leak into the fill
    assert torch.allclose(inpainter(corrupted, masks)[hole], composed[hole], atol=1e-6)


def test_single_image_and_hw_mask_round_trip():
    image = _photo_like(n=1)[0]
    mask = _masks(n=1)[0, 0]
    composed = TeleaInpainter()(image, mask.bool())
    assert composed.shape == image.shape


def test_empty_mask_returns_the_input():
    images = _photo_like()
    for inpainter in ALL_BASELINES:
        assert torch.equal(inpainter(images, torch.zeros(2, 1, 32, 32)), images)


def test_biharmonic_beats_mean_color_on_a_smooth_gradient():
    ramp = torch.linspace(0.1, 0.9, 48)
    image = torch.stack([ramp[None].expand(48, 48), ramp[:, None].expand(48, 48), 1 - ramp[None].expand(48, 48)])
    images = image[None]
    masks = torch.zeros(1, 1, 48, 48)
    masks[:, :, 12:36, 12:36] = 1
    biharmonic = metrics.psnr(BiharmonicInpainter()(images, masks), images, masks).item()
    mean_color = metrics.psnr(MeanColorInpainter()(images, masks), images, masks).item()
    telea = metrics.psnr(TeleaInpainter()(images, masks), images, masks).item()
    assert biharmonic > mean_color + 10
    assert telea > mean_color


def test_harmonic_fill_reproduces_a_linear_ramp_and_stays_within_its_border():
    ramp = torch.linspace(0.1, 0.9, 64)
    images = torch.stack([ramp[None].expand(64, 64), ramp[:, None].expand(64, 64), (ramp[None] + ramp[:, None]) / 2])[None]
    masks = torch.zeros(1, 1, 64, 64)
    masks[:, :, 16:48, 20:44] = 1
    filled = HarmonicInpainter()(images, masks)
    assert (filled - images).abs().max() < 0.01  # a linear function is harmonic: the fill finds it again
    noisy = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    filled = HarmonicInpainter()(noisy, masks)
    hole = masks.expand_as(noisy).bool()
    assert filled[hole].min() >= noisy[~hole].min() and filled[hole].max() <= noisy[~hole].max()


def test_harmonic_fill_of_a_fully_missing_image_is_gray_and_sweeps_must_be_positive():
    filled = HarmonicInpainter()(torch.rand(1, 3, 16, 16), torch.ones(1, 1, 16, 16))
    assert torch.allclose(filled, torch.full_like(filled, 0.5))
    with pytest.raises(ValueError, match="sweeps"):
        HarmonicInpainter(sweeps=0)


def test_mean_color_fills_with_the_context_mean():
    images = torch.zeros(1, 3, 8, 8)
    images[:, 0] = 0.2
    images[:, 1, :, :4] = 1.0
    masks = torch.zeros(1, 1, 8, 8)
    masks[:, :, :, 4:] = 1  # known pixels: the left half
    composed = MeanColorInpainter()(images, masks)
    assert torch.allclose(composed[0, :, 0, 7], torch.tensor([0.2, 1.0, 0.0]))


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="radius"):
        TeleaInpainter(radius=0)
    with pytest.raises(ValueError, match="masks"):
        TeleaInpainter()(torch.rand(2, 3, 8, 8), torch.zeros(2, 1, 9, 9))
    with pytest.raises(ValueError, match="images"):
        TeleaInpainter()(torch.rand(2, 1, 8, 8), torch.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match="float"):
        TeleaInpainter()(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), torch.zeros(1, 1, 8, 8))


def test_classical_baselines_are_three_named_inpainters():
    methods = classical_baselines(radius=4)
    assert [m.name for m in methods] == ["telea", "navier_stokes", "biharmonic"]
    assert all(isinstance(m, Inpainter) for m in methods)
    assert methods[0].radius == 4


def test_model_inpainter_resizes_to_the_model_size_and_composes():
    model = ConstantGenerator(0.5)
    inpainter = ModelInpainter(model, device="cpu", batch_size=1)
    images = _photo_like(n=3, size=32)
    masks = _masks(n=3, size=32)
    composed = inpainter(images, masks)
    assert model.seen_sizes == [(48, 48)] * 3  # resized, one image per batch
    hole = masks.expand_as(images) == 1
    assert torch.equal(composed[~hole], images[~hole])
    assert torch.allclose(composed[hole], torch.full_like(composed[hole], 0.5))
    assert inpainter.name == "ConstantGenerator"
    assert not model.training


def test_as_inpainter_wraps_models_and_renames_without_mutating():
    telea = TeleaInpainter()
    renamed = as_inpainter(telea, name="telea_r3")
    assert renamed.name == "telea_r3" and telea.name == "telea"
    wrapped = as_inpainter(ConstantGenerator(), name="const")
    assert isinstance(wrapped, ModelInpainter) and wrapped.name == "const"
    with pytest.raises(ValueError, match="method"):
        as_inpainter(42)


def test_model_inpainter_with_the_center_context_encoder():
    models = pytest.importorskip("inpaintlib.models")
    torch.manual_seed(0)
    model = models.build_model("center")
    images = _photo_like(n=1, size=64)
    masks = torch.zeros(1, 1, 64, 64)
    masks[:, :, 16:48, 16:48] = 1
    composed = ModelInpainter(model, name="center", device="cpu")(images, masks)
    assert composed.shape == images.shape and torch.isfinite(composed).all()
    assert torch.equal(composed[masks.expand_as(images) == 0], images[masks.expand_as(images) == 0])


def test_module_exports():
    assert set(baselines.__all__) >= {"Inpainter", "ModelInpainter", "classical_baselines"}
