"""Tests for inpaintlib.widgets and inpaintlib.viz, without a kernel (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from inpaintlib import viz, widgets  # noqa: E402
from inpaintlib.masks import center_block, free_form, random_blocks  # noqa: E402


@pytest.fixture
def photo() -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.rand(3, 64, 64, generator=generator)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def sliders(explorer) -> dict:
    return {widget.description: widget for widget in explorer.kwargs_widgets}


# --------------------------------------------------------------------------- explorers


def test_center_explorer_follows_hole_and_offset(photo):
    explorer = widgets.mask_explorer(photo, kind="center")
    assert set(sliders(explorer)) == {"hole", "dy", "dx"}
    assert torch.equal(explorer.result, center_block(64))
    sliders(explorer)["hole"].value = 20
    assert explorer.result.sum().item() == 400
    assert torch.equal(explorer.result, center_block(64, hole=20))
    sliders(explorer)["dy"].value = 10
    sliders(explorer)["dx"].value = -5
    assert torch.equal(explorer.result, center_block(64, hole=20, offset=(10, -5)))


def test_center_explorer_clamps_offsets_to_the_border(photo):
    explorer = widgets.mask_explorer(photo, kind="center")
    sliders(explorer)["hole"].value = 40
    sliders(explorer)["dx"].value = 32
    mask = explorer.result
    assert mask.sum().item() == 40 * 40
    assert mask[:, -1].any() and not mask[:, :24].any()


def test_blocks_explorer_count_size_and_seed(photo):
    explorer = widgets.mask_explorer(photo, kind="blocks", seed=3)
    assert set(sliders(explorer)) == {"count", "block_size", "seed"}
    start = explorer.result
    assert torch.equal(start, random_blocks(64, count=7, block_size=sliders(explorer)["block_size"].value, seed=3))
    sliders(explorer)["count"].value = 1
    sliders(explorer)["block_size"].value = 9
    assert explorer.result.sum().item() == 81
    single = explorer.result
    sliders(explorer)["seed"].value = 4
    assert explorer.result.sum().item() == 81
    assert not torch.equal(explorer.result, single)


def test_free_form_explorer_strokes_and_width(photo):
    explorer = widgets.mask_explorer(photo, kind="free_form", seed=1)
    assert set(sliders(explorer)) == {"strokes", "width", "seed"}
    sliders(explorer)["width"].value = 2
    thin = explorer.result.mean().item()
    sliders(explorer)["width"].value = 12
    thick = explorer.result.mean().item()
    assert thick > thin
    expected = free_form(64, strokes=3, width=12, coverage=(0.0, 1.0), seed=1)
    assert torch.equal(explorer.result, expected)
    sliders(explorer)["strokes"].value = 8
    assert explorer.result.mean().item() > thick


def test_explorer_draws_and_closes_its_preview(photo):
    before = len(plt.get_fignums())
    explorer = widgets.mask_explorer(photo, kind="center")
    sliders(explorer)["hole"].value = 10
    assert explorer.result.shape == (64, 64)
    assert len(plt.get_fignums()) == before


def test_explorer_can_stay_quiet_until_a_slider_moves(photo, monkeypatch):
    drawn = []
    monkeypatch.setattr(widgets, "show_figure", lambda figure: (drawn.append(figure), plt.close(figure)))
    explorer = widgets.mask_explorer(photo, kind="center", draw_first=False)
    assert drawn == [] and explorer.result.shape == (64, 64)
    sliders(explorer)["hole"].value = 10
    assert len(drawn) == 1 and explorer.result.sum().item() == 100
    widgets.mask_explorer(photo, kind="center")
    assert len(drawn) == 2


def test_callback_without_drawing(photo):
    callback = widgets.mask_preview_callback(photo, "blocks", show=False)
    assert torch.equal(callback(2, 5, 0), random_blocks(64, count=2, block_size=5, seed=0))


def test_explorer_bad_arguments(photo):
    with pytest.raises(ValueError, match="kind"):
        widgets.mask_explorer(photo, kind="stripes")
    with pytest.raises(ValueError, match="image"):
        widgets.mask_explorer(torch.rand(64, 64))


# --------------------------------------------------------------------------- viz


def test_fill_hole_paints_only_the_hole(photo):
    mask = center_block(64, hole=10)
    filled = viz.fill_hole(photo, mask)
    assert torch.all(filled[:, mask.bool()] == 0.5)
    assert torch.equal(filled[:, ~mask.bool()], photo[:, ~mask.bool()])
    batch = viz.fill_hole(photo.expand(2, 3, 64, 64), center_block(64, batch=2), fill=(1.0, 0.0, 0.0))
    assert torch.all(batch[:, 0, 32, 32] == 1.0) and torch.all(batch[:, 1, 32, 32] == 0.0)
    with pytest.raises(ValueError, match="mask"):
        viz.fill_hole(photo, torch.zeros(32, 32))


def test_to_display_layouts(photo):
    assert viz.to_display(photo).shape == (64, 64, 3)
    assert viz.to_display(center_block(64)).shape == (64, 64)
    assert viz.to_display(torch.ones(1, 8, 8) * 2).max() == 1.0
    assert viz.to_display(np.zeros((8, 8, 3))).shape == (8, 8, 3)
    with pytest.raises(ValueError, match="image"):
        viz.to_display(torch.zeros(2, 3, 8, 8))


def test_show_images_grid_and_given_axes(photo):
    figure, axes = viz.show_images(torch.stack([photo] * 5), titles=list("abcde"), ncols=3)
    assert len(axes) == 6 and axes[1].get_title() == "b"
    assert not axes[5].axison
    _, given = plt.subplots(1, 2)
    figure2, used = viz.show_images([photo, center_block(64)], axes=given)
    assert used[0] is given[0] and figure2 is given[0].figure
    _, single = plt.subplots()
    _, used = viz.show_images(photo, ax=single)
    assert used[0] is single and len(single.images) == 1
    with pytest.raises(ValueError, match="titles"):
        viz.show_images([photo], titles=["a", "b"])


def test_show_mask_grid_titles_coverage():
    _, axes = viz.show_mask_grid(center_block(64, batch=3), ncols=2)
    assert axes[0].get_title() == "25%"
    assert len(axes) == 4


def test_masked_preview_and_histogram(photo):
    ax = viz.masked_preview(photo, center_block(64), title="center")
    shown = ax.images[0].get_array()
    assert np.allclose(shown[32, 32], 0.5) and ax.get_title() == "center"
    ax = viz.coverage_histogram({"center": [0.25] * 10, "blocks": torch.rand(50) * 0.3})
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[0].startswith("center (all 25.0%, n=10)")
    assert labels[1].startswith("blocks (mean")
    assert len(ax.lines) == 1 and ax.lines[0].get_xdata()[0] == pytest.approx(0.25)
    assert len(ax.patches) == 1
