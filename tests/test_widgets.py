"""Tests for inpaintlib.widgets and inpaintlib.viz, without a kernel (Agg backend).

Explorers count their redraws (``.redraws``): one when built, one per change of a control.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64  # noqa: E402

import ipywidgets  # noqa: E402
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


def _png_size(data) -> tuple[int, int]:
    data = bytes(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("kind", ["center", "blocks", "free_form"])
def test_explorer_shows_its_view_from_the_start_and_redraws_once_per_change(photo, kind):
    explorer = widgets.mask_explorer(photo, kind=kind)
    assert explorer.redraws == 1 and _png_size(explorer.picture.value)[0] > 100
    assert explorer.children[-2] is explorer.picture  # one picture, under the controls
    first = bytes(explorer.picture.value)
    control = explorer.kwargs_widgets[0]
    control.value = control.min
    assert explorer.redraws == 2 and bytes(explorer.picture.value) != first
    control.value = control.min  # no change, no redraw
    assert explorer.redraws == 2
    for step, control in enumerate(explorer.kwargs_widgets, start=3):
        control.value = control.value + 1
        assert explorer.redraws == step


def test_seed_is_a_text_box_and_redraws(photo):
    explorer = widgets.mask_explorer(photo, kind="blocks", seed=3)
    box = sliders(explorer)["seed"]
    assert isinstance(box, ipywidgets.BoundedIntText) and box.value == 3
    before = explorer.result
    box.value = 12345
    assert explorer.redraws == 2
    assert torch.equal(explorer.result, random_blocks(64, count=7, block_size=sliders(explorer)["block_size"].value, seed=12345))
    assert not torch.equal(explorer.result, before)


def test_batch_redraws_once_for_several_changes(photo):
    explorer = widgets.mask_explorer(photo, kind="center")
    with explorer.batch():
        sliders(explorer)["hole"].value = 20
        sliders(explorer)["dy"].value = 10
        sliders(explorer)["dx"].value = -5
        assert explorer.redraws == 1
    assert explorer.redraws == 2
    assert torch.equal(explorer.result, center_block(64, hole=20, offset=(10, -5)))
    with explorer.batch():
        pass
    assert explorer.redraws == 2  # nothing changed, nothing redrawn


def test_dependent_controls_change_in_the_same_redraw():
    a = ipywidgets.IntSlider(value=1, description="a")
    b = ipywidgets.IntSlider(value=1, description="b")
    seen = []

    def view(draw, a, b):
        seen.append((a, b))
        return widgets.View(a + b)

    def follow(change):
        b.value = 10 * change["new"]

    explorer = widgets.Explorer({"a": a, "b": b}, view, dependents={"a": follow}, show=False)
    a.value = 2
    assert seen == [(1, 1), (2, 20)] and explorer.result == 22 and explorer.redraws == 2
    b.value = 3
    assert seen[-1] == (2, 3) and explorer.redraws == 3
    with pytest.raises(ValueError, match="dependents"):
        widgets.Explorer({"a": a}, view, dependents={"c": follow})


def test_a_failed_redraw_says_why_and_keeps_the_last_view():
    a = ipywidgets.IntSlider(value=1, description="a")

    def view(draw, a):
        if a == 3:
            raise ValueError("three is\nnot allowed")
        return widgets.View(a)

    explorer = widgets.Explorer({"a": a}, view)
    a.value = 3
    assert explorer.result == 1 and explorer.error == "three is not allowed"
    assert "error: three is not allowed" in explorer.caption.value
    a.value = 4
    assert explorer.result == 4 and explorer.error is None and explorer.caption.value == ""
    with pytest.raises(ValueError, match="three"):
        widgets.Explorer({"a": ipywidgets.IntSlider(value=3)}, view)  # the first view must work


def test_f_returns_the_result_without_drawing(photo, monkeypatch):
    explorer = widgets.mask_explorer(photo, kind="center")
    rendered = []
    monkeypatch.setattr(widgets.explorer, "figure_bytes", lambda *args: rendered.append(args) or b"")
    assert torch.equal(explorer.f(**explorer.kwargs), explorer.result)
    assert explorer.f(hole=10).sum().item() == 100
    assert rendered == [] and explorer.redraws == 1


def test_display_data_carries_the_picture_for_saved_notebooks(photo):
    explorer = widgets.mask_explorer(photo, kind="free_form")
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]) == bytes(explorer.picture.value)
    assert "VBox(" not in bundle["text/plain"] and "mask explorer" in bundle["text/plain"]
    tabs = widgets.mask_explorers(photo)
    assert [child.redraws for child in tabs.children] == [1, 1, 1]
    assert list(tabs.titles) == ["center", "blocks", "free_form"]
    bundle = tabs._repr_mimebundle_()
    stacked = _png_size(base64.b64decode(bundle["image/png"]))
    sizes = [_png_size(child.picture.value) for child in tabs.children]
    assert stacked == (max(w for w, _ in sizes), sum(h for _, h in sizes))
    assert "Tab(" not in bundle["text/plain"]
    with pytest.raises(ValueError, match="explorers"):
        widgets.explorer_tabs({})


def test_mask_explorer_redraws_within_half_a_second():
    image = torch.rand(3, 128, 128, generator=torch.Generator().manual_seed(0))  # notebook 01's size
    explorer = widgets.mask_explorer(image, kind="free_form")
    times = []
    for width in (4, 8, 12):
        sliders(explorer)["width"].value = width
        times.append(explorer.seconds)
    assert min(times) < 0.5, times


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
