"""Tests for inpaintlib.masks: geometry, coverage bounds, seeds, files and argument checks."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from inpaintlib import masks
from inpaintlib.masks import (
    KINDS,
    MaskSampler,
    center_block,
    coverage,
    default_block_size,
    free_form,
    load_mask,
    random_blocks,
)


def assert_binary(mask: torch.Tensor) -> None:
    assert mask.dtype == torch.float32
    assert set(mask.unique().tolist()) <= {0.0, 1.0}


# --------------------------------------------------------------------------- center


def test_center_block_default_is_64_in_128():
    mask = center_block(128)
    assert mask.shape == (128, 128)
    assert_binary(mask)
    assert mask.sum().item() == 64 * 64
    assert mask[32:96, 32:96].all()
    assert mask[:32].sum() == 0 and mask[96:].sum() == 0
    assert mask[:, :32].sum() == 0 and mask[:, 96:].sum() == 0
    assert coverage(mask).item() == pytest.approx(0.25)


def test_center_block_hole_offset_and_rectangles():
    mask = center_block(100, hole=20, offset=(-10, 5))
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert (rows.min().item(), rows.max().item()) == (40 - 10, 59 - 10)
    assert (cols.min().item(), cols.max().item()) == (40 + 5, 59 + 5)
    mask = center_block((64, 96), hole=(10, 30))
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert (rows.min().item(), rows.max().item()) == (27, 36)
    assert (cols.min().item(), cols.max().item()) == (33, 62)
    assert mask.shape == (64, 96)


def test_center_block_hole_may_touch_the_border():
    mask = center_block(128, hole=64, offset=(-32, 32))
    assert mask[0:64, 64:128].all()
    assert mask.sum().item() == 64 * 64
    assert center_block(16, hole=16).all()


def test_center_block_batch():
    batch = center_block(128, batch=3)
    assert batch.shape == (3, 1, 128, 128)
    assert_binary(batch)
    assert torch.equal(batch[2, 0], center_block(128))
    batch[0, 0, 0, 0] = 1.0  # masks of a batch are independent tensors
    assert batch[1, 0, 0, 0] == 0.0
    assert center_block(128, batch=0).shape == (0, 1, 128, 128)


# --------------------------------------------------------------------------- random blocks


def test_default_block_size_scales_the_reports_40_px_at_224():
    assert default_block_size(224) == 40
    assert default_block_size(128) == 23
    assert default_block_size(448) == 80


def test_random_blocks_shapes_and_dtype():
    one = random_blocks(128, seed=0)
    assert one.shape == (128, 128)
    assert_binary(one)
    batch = random_blocks((96, 64), batch=5, seed=0)
    assert batch.shape == (5, 1, 96, 64)
    assert_binary(batch)


def test_random_blocks_single_block_has_exact_size():
    batch = random_blocks(64, count=1, block_size=10, batch=50, seed=1)
    assert torch.all(batch.flatten(1).sum(1) == 100)
    for mask in batch[:, 0]:
        rows, cols = torch.nonzero(mask, as_tuple=True)
        assert rows.max() - rows.min() == 9 and cols.max() - cols.min() == 9


def test_random_blocks_report_setting_coverage_range():
    # 5 to 9 blocks of 40 px at 224: at least one block, at most nine without overlap.
    batch = random_blocks(224, count=(5, 9), block_size=40, batch=200, seed=2)
    fraction = coverage(batch)
    assert fraction.min() >= 1600 / 224**2
    assert fraction.max() <= 9 * 1600 / 224**2 + 1e-6
    assert fraction.std() > 0


def test_random_blocks_counts_and_sizes_vary_within_bounds():
    batch = random_blocks(128, count=(1, 1), block_size=(8, 12), batch=100, seed=3)
    areas = batch.flatten(1).sum(1)
    assert set(areas.tolist()) <= {float(s * s) for s in range(8, 13)}
    assert len(set(areas.tolist())) > 2


@pytest.mark.parametrize("bounds", [(0.15, 0.2), (0.0, 0.17), (0.24, 1.0)])
def test_random_blocks_coverage_bounds_hold(bounds):
    fraction = coverage(random_blocks(128, coverage=bounds, batch=300, seed=4))
    assert fraction.min() >= bounds[0]
    assert fraction.max() <= bounds[1]


def test_random_blocks_seed_determinism():
    first = random_blocks(128, batch=8, seed=7)
    assert torch.equal(first, random_blocks(128, batch=8, seed=7))
    assert not torch.equal(first, random_blocks(128, batch=8, seed=8))
    assert not torch.equal(first[0], first[1])


def test_random_blocks_generator_matches_int_seed():
    from_int = random_blocks(128, batch=4, seed=11)
    from_generator = random_blocks(128, batch=4, seed=torch.Generator().manual_seed(11))
    assert torch.equal(from_int, from_generator)
    generator = torch.Generator().manual_seed(11)
    first, second = random_blocks(128, batch=4, seed=generator), random_blocks(128, batch=4, seed=generator)
    assert not torch.equal(first, second)  # a shared generator moves on


# --------------------------------------------------------------------------- free form


def test_free_form_shapes_dtype_and_default_coverage():
    one = free_form(128, seed=0)
    assert one.shape == (128, 128)
    assert_binary(one)
    batch = free_form((80, 120), batch=100, seed=0)
    assert batch.shape == (100, 1, 80, 120)
    fraction = coverage(batch)
    assert fraction.min() >= 0.02 and fraction.max() <= 0.6
    assert len(set(fraction.tolist())) > 50


@pytest.mark.parametrize("bounds", [(0.1, 0.2), (0.3, 0.5), (0.0, 0.05)])
def test_free_form_coverage_bounds_hold(bounds):
    fraction = coverage(free_form(128, coverage=bounds, batch=150, seed=5))
    assert fraction.min() >= bounds[0]
    assert fraction.max() <= bounds[1]


def test_free_form_seed_determinism_and_generator():
    first = free_form(128, batch=6, seed=3)
    assert torch.equal(first, free_form(128, batch=6, seed=3))
    assert torch.equal(first, free_form(128, batch=6, seed=torch.Generator().manual_seed(3)))
    assert not torch.equal(first, free_form(128, batch=6, seed=4))


def test_free_form_straight_single_segment_stroke():
    # One stroke, one segment, no turning, 1 px brush: a thin straight line.
    mask = free_form(64, strokes=1, vertices=1, max_angle=0.0, length=20.0, width=1, coverage=(0, 1), seed=0)
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert 2 <= len(rows) <= 21
    extent = max(rows.max() - rows.min(), cols.max() - cols.min()).item()
    assert extent <= 20


def test_free_form_wider_brush_covers_more():
    thin = coverage(free_form(128, width=3, batch=100, coverage=(0, 1), seed=6)).mean()
    thick = coverage(free_form(128, width=15, batch=100, coverage=(0, 1), seed=6)).mean()
    assert thick > 2 * thin


# --------------------------------------------------------------------------- coverage


def test_coverage_shapes():
    batch = torch.zeros(3, 1, 4, 4)
    batch[1, 0, :2] = 1
    batch[2] = 1
    assert coverage(batch).tolist() == [0.0, 0.5, 1.0]
    assert coverage(batch[:, 0]).tolist() == [0.0, 0.5, 1.0]
    assert coverage(np.eye(4, dtype=bool)).item() == pytest.approx(0.25)
    with pytest.raises(ValueError, match="masks"):
        coverage(torch.zeros(2, 3, 4, 4))


# --------------------------------------------------------------------------- load_mask


def _expected_square(size=32):
    mask = np.zeros((size, size), dtype=bool)
    mask[8:24, 4:20] = True
    return mask


def test_load_mask_gray_and_one_bit(tmp_path):
    square = _expected_square()
    Image.fromarray(square.astype(np.uint8) * 200).save(tmp_path / "gray.png")
    Image.fromarray(square).save(tmp_path / "bits.png")
    for name in ("gray.png", "bits.png"):
        mask = load_mask(tmp_path / name)
        assert mask.shape == (32, 32)
        assert_binary(mask)
        assert torch.equal(mask.bool(), torch.from_numpy(square))


def test_load_mask_threshold_at_half_range(tmp_path):
    values = np.array([[0, 127, 128, 255]], dtype=np.uint8)
    Image.fromarray(values).save(tmp_path / "ramp.png")
    assert load_mask(tmp_path / "ramp.png").tolist() == [[0.0, 0.0, 1.0, 1.0]]
    assert load_mask(tmp_path / "ramp.png", invert=True).tolist() == [[1.0, 1.0, 0.0, 0.0]]


def test_load_mask_sixteen_bit(tmp_path):
    values = np.array([[0, 200, 32767, 32768, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    # 200 would pass an 8-bit threshold; at 16 bits it is dark.
    assert load_mask(tmp_path / "deep.png").tolist() == [[0.0, 0.0, 0.0, 1.0, 1.0]]


def test_load_mask_rgba_composites_alpha_over_black(tmp_path):
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[..., :3] = 255
    rgba[0, :, 3] = 255  # opaque white: missing
    rgba[1, :, 3] = 0  # transparent white: kept
    rgba[0, 2] = (0, 0, 0, 255)  # opaque black: kept
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "layer.png")
    assert load_mask(tmp_path / "layer.png").tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]


def test_load_mask_palette_and_rgb_resized(tmp_path):
    square = _expected_square()
    rgb = np.stack([square * 255] * 3, axis=-1).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(tmp_path / "palette.png")
    assert Image.open(tmp_path / "palette.png").mode == "P"
    for name in ("rgb.png", "palette.png"):
        mask = load_mask(tmp_path / name, size=64)
        assert mask.shape == (64, 64)
        assert_binary(mask)
        assert mask.sum().item() == 4 * square.sum()
        assert mask[16:48, 8:40].all()
    assert load_mask(tmp_path / "rgb.png", size=(16, 8)).shape == (16, 8)


def test_load_mask_missing_and_unreadable_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        load_mask(tmp_path / "nowhere.png", 32)
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(ValueError, match="path"):
        load_mask(tmp_path / "notes.png", 32)
    with pytest.raises(ValueError, match="path"):
        load_mask(tmp_path, 32)
    Image.fromarray(_expected_square()).save(tmp_path / "ok.png")
    with pytest.raises(ValueError, match="size"):
        load_mask(tmp_path / "ok.png", size=-4)


# --------------------------------------------------------------------------- sampler


def test_sampler_single_kind_and_shapes():
    sampler = MaskSampler(128, kinds="center")
    batch = sampler.sample(4)
    assert batch.shape == (4, 1, 128, 128) and batch.dtype == torch.float32
    assert torch.equal(batch[0, 0], center_block(128))
    assert sampler.kinds == ["center"]


def test_sampler_options_per_kind():
    sampler = MaskSampler(64, kinds=["center", "blocks"], seed=0, center={"hole": 10}, blocks={"count": 1, "block_size": 5})
    assert torch.equal(sampler.sample_kind("center", 2)[0, 0], center_block(64, hole=10))
    assert torch.all(sampler.sample_kind("blocks", 10).flatten(1).sum(1) == 25)
    assert sampler.last_kinds == ["blocks"] * 10


def test_sampler_mix_follows_weights_and_reports_kinds():
    sampler = MaskSampler(32, kinds={"center": 1, "blocks": 3}, seed=0, blocks={"block_size": 4})
    batch, kinds = sampler.sample(400, return_kinds=True)
    assert len(kinds) == 400 and set(kinds) == {"center", "blocks"}
    assert 0.65 < kinds.count("blocks") / 400 < 0.85
    assert sampler.last_kinds == kinds
    is_center = torch.tensor([kind == "center" for kind in kinds])
    assert torch.all(batch[is_center] == center_block(32))
    assert not torch.all(batch[~is_center] == center_block(32))


def test_sampler_reproducible_from_seed_and_generator():
    def draw(**kwargs):
        return MaskSampler(64, kinds=list(KINDS), seed=5).sample(12, **kwargs)

    assert torch.equal(draw(), draw())
    assert torch.equal(draw(generator=9), draw(generator=torch.Generator().manual_seed(9)))
    assert not torch.equal(draw(), draw(generator=9))
    sampler = MaskSampler(64, kinds=list(KINDS), seed=5)
    assert not torch.equal(sampler.sample(12), sampler.sample(12))  # the sampler's generator moves on
    assert not torch.equal(MaskSampler(64, kinds="free_form", seed=1).sample(3), MaskSampler(64, kinds="free_form", seed=2).sample(3))


def test_sampler_kind_list_dedups_and_zero_weights():
    sampler = MaskSampler(32, kinds={"center": 0.0, "free_form": 2.0})
    assert sampler.kinds == ["free_form"]
    assert sampler.weights == {"free_form": 1.0}
    assert MaskSampler(32, kinds=["blocks", "blocks", "center"]).weights == pytest.approx({"center": 1 / 3, "blocks": 2 / 3})


def test_sampler_pickles_with_its_generator_state():
    sampler = MaskSampler(32, kinds=["blocks", "free_form"], seed=3)
    sampler.sample(2)
    copy = pickle.loads(pickle.dumps(sampler))
    assert torch.equal(copy.sample(5), sampler.sample(5))


def test_sampler_zero_masks():
    assert MaskSampler(32, kinds=list(KINDS)).sample(0).shape == (0, 1, 32, 32)


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: center_block(-128), "size"),
        (lambda: center_block(0), "size"),
        (lambda: center_block("128"), "size"),
        (lambda: center_block(128, hole=129), "hole"),
        (lambda: center_block(128, hole=(64, 200)), "hole"),
        (lambda: center_block(128, hole=-3), "hole"),
        (lambda: center_block(128, offset=(33, 0)), "offset"),
        (lambda: center_block(128, offset=(0, -33)), "offset"),
        (lambda: center_block(128, offset=3), "offset"),
        (lambda: center_block(128, batch=-1), "batch"),
        (lambda: random_blocks(-5), "size"),
        (lambda: random_blocks(128, count=0), "count"),
        (lambda: random_blocks(128, count=(9, 5)), "count"),
        (lambda: random_blocks(128, count=(1, 2, 3)), "count"),
        (lambda: random_blocks(128, block_size=-4), "block_size"),
        (lambda: random_blocks(128, block_size=200), "block_size"),
        (lambda: random_blocks(128, coverage=(0.6, 0.9)), "coverage"),
        (lambda: random_blocks(128, block_size=64, coverage=(0.0, 0.1)), "coverage"),
        (lambda: random_blocks(128, coverage=(0.5, 0.2)), "coverage"),
        (lambda: random_blocks(128, coverage=(-0.1, 0.5)), "coverage"),
        (lambda: random_blocks(128, coverage=(0.1, 1.5)), "coverage"),
        (lambda: random_blocks(128, batch=2.5), "batch"),
        (lambda: random_blocks(128, seed="zero"), "seed"),
        (lambda: free_form(-1), "size"),
        (lambda: free_form(128, strokes=0), "strokes"),
        (lambda: free_form(128, vertices=(5, 2)), "vertices"),
        (lambda: free_form(128, max_angle=-1.0), "max_angle"),
        (lambda: free_form(128, max_angle=math.inf), "max_angle"),
        (lambda: free_form(128, length=-2.0), "length"),
        (lambda: free_form(128, width=0), "width"),
        (lambda: free_form(128, width=(3, 1)), "width"),
        (lambda: free_form(128, coverage=(0.7, 0.2)), "coverage"),
        (lambda: free_form(32, strokes=1, vertices=1, width=1, length=1.0, coverage=(0.9, 1.0)), "coverage"),
        (lambda: MaskSampler(128, kinds="holes"), "kind"),
        (lambda: MaskSampler(128, kinds=["center", "stripes"]), "kind"),
        (lambda: MaskSampler(128, kinds={"center": -1}), "kinds"),
        (lambda: MaskSampler(128, kinds={"center": 0}), "kinds"),
        (lambda: MaskSampler(128, kinds=[]), "kinds"),
        (lambda: MaskSampler(128, kinds=3), "kinds"),
        (lambda: MaskSampler(-1), "size"),
        (lambda: MaskSampler(128, stripes={}), "stripes"),
        (lambda: MaskSampler(128, center=64), "center"),
        (lambda: MaskSampler(128, blocks={"seed": 1}), "seed"),
        (lambda: MaskSampler(128, kinds="blocks", blocks={"count": -1}), "count"),
        (lambda: MaskSampler(128, kinds="center", center={"hole": 300}), "hole"),
        (lambda: MaskSampler(128).sample_kind("stripes", 2), "kind"),
        (lambda: MaskSampler(128).sample(-2), "batch"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_impossible_free_form_coverage_gives_up_quickly(monkeypatch):
    monkeypatch.setattr(masks.checks, "MAX_REDRAWS", 3)  # the limit lives where the redraw loop is
    with pytest.raises(ValueError, match="coverage"):
        free_form(128, width=1, length=1.0, vertices=1, strokes=1, coverage=(0.5, 0.6), batch=4, seed=0)
