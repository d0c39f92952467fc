"""Tests for inpaintlib.widgets.inpainting_explorer, without a kernel: set controls, read ``.result``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from inpaintlib import widgets  # noqa: E402
from inpaintlib.baselines import MeanColorInpainter, TeleaInpainter  # noqa: E402
from inpaintlib.evaluation import evaluate, evaluation_mask  # noqa: E402
from inpaintlib.masks import center_block, default_block_size, random_blocks  # noqa: E402
from inpaintlib.metrics import image_metrics  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class TinyModel(nn.Module):
    """A fake generator working at 16 px that predicts mid gray."""

    image_size = 16

    def forward(self, image, mask):
        assert image.shape[-2:] == (16, 16) and mask.shape[-2:] == (16, 16)
        return torch.full_like(image, 0.5)


class CenterOnly(TinyModel):
    """Refuses holes outside the center square, as Model 1 does."""

    def forward(self, image, mask):
        outside = mask.clone()
        outside[..., 4:12, 4:12] = 0
        if outside.any():
            raise ValueError("CenterOnly only fills the central 8x8 square")
        return super().forward(image, mask)


def _images(n=3, size=32):
    generator = torch.Generator().manual_seed(1)
    coarse = torch.rand(n, 3, 4, 4, generator=generator)
    return nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)


def _methods():
    return {"telea": TeleaInpainter(), "mean_color": MeanColorInpainter(), "tiny": TinyModel(), "center_only": CenterOnly()}


def controls(explorer) -> dict:
    return {widget.description: widget for widget in explorer.kwargs_widgets}


def _hole_scores(method, image, mask):
    measured = image_metrics(method(image, mask)[None], image[None], mask[None, None])[0]
    return {key: measured[key] for key in ("psnr_hole", "ssim_hole", "l1_hole")}


def test_explorer_starts_on_the_first_image_with_a_center_hole():
    images = _images()
    explorer = widgets.inpainting_explorer(images, _methods(), show=False)
    assert set(controls(explorer)) == {"image", "preset", "kind", "size", "dy", "dx", "count", "seed"}
    assert set(explorer.result) == {"telea", "mean_color", "tiny", "center_only"}
    expected = _hole_scores(TeleaInpainter(), images[0], center_block(32))
    assert explorer.result["telea"] == pytest.approx(expected)
    assert all(value is not None for value in explorer.result.values())  # the center hole suits every method


def test_sliders_change_the_mask_and_the_scores():
    images = _images()
    explorer = widgets.inpainting_explorer(images, _methods(), show=False)
    c = controls(explorer)
    c["size"].value = 8
    c["dy"].value = 6
    c["image"].value = 2
    mask = center_block(32, hole=8, offset=(6, 0))
    assert explorer.result["mean_color"] == pytest.approx(_hole_scores(MeanColorInpainter(), images[2], mask))
    assert explorer.result["center_only"] is None  # the hole left the center square


def test_changing_kind_resets_size_and_count_and_uses_the_seed():
    images = _images()
    explorer = widgets.inpainting_explorer(images, _methods(), show=False)
    c = controls(explorer)
    c["kind"].value = "blocks"
    assert c["size"].value == default_block_size(32) and c["count"].value == 7
    c["seed"].value = 5
    mask = random_blocks(32, count=7, block_size=default_block_size(32), seed=5)
    assert explorer.result["telea"] == pytest.approx(_hole_scores(TeleaInpainter(), images[0], mask))
    assert explorer.result["center_only"] is None
    tiny = explorer.result["tiny"]
    c["seed"].value = 6
    assert explorer.result["tiny"] != tiny
    c["kind"].value = "free_form"
    assert c["count"].value == 3 and c["size"].value == max(2, 32 // 12)
    assert math.isfinite(explorer.result["tiny"]["psnr_hole"])


def test_presets_rebuild_the_evaluation_masks():
    images = _images()
    methods = {"telea": TeleaInpainter(), "mean_color": MeanColorInpainter()}
    result = evaluate(methods, images, mask_kinds=("blocks", "free_form"), seed=4, progress=False)
    explorer = widgets.inpainting_explorer(images, methods, evaluation_seed=4, show=False)
    c = controls(explorer)
    c["image"].value = 1
    c["preset"].value = "evaluation:free_form"
    record = next(r for r in result.records if (r["method"], r["mask_kind"], r["index"]) == ("telea", "free_form", 1))
    assert explorer.result["telea"]["psnr_hole"] == pytest.approx(record["psnr_hole"])
    assert explorer.result["telea"]["l1_hole"] == pytest.approx(record["l1_hole"])
    c["size"].value = 3  # the sliders do not change a preset's mask
    assert explorer.result["telea"]["psnr_hole"] == pytest.approx(record["psnr_hole"])
    assert torch.equal(evaluation_mask("free_form", 1, 32, seed=4), result.mask(1, "free_form"))


def test_labels_inputs_and_errors():
    images = list(_images(n=2))
    explorer = widgets.inpainting_explorer(images, [MeanColorInpainter()], names=["a.jpg", "b.jpg"], show=True)
    assert [label for label, _ in controls(explorer)["image"].options] == ["0: a.jpg", "1: b.jpg"]
    assert "PSNR hole (dB)" in explorer.caption.value  # the score table is shown under the picture
    assert bytes(explorer.picture.value)[:2] == b"\xff\xd8"  # photos as JPEG
    assert "PSNR hole (dB)" in explorer._repr_mimebundle_()["text/plain"]
    with pytest.raises(ValueError, match="names"):
        widgets.inpainting_explorer(images, [MeanColorInpainter()], names=["a.jpg"], show=False)
    with pytest.raises(ValueError, match="no image"):
        widgets.inpainting_explorer([], [MeanColorInpainter()], show=False)
    with pytest.raises(ValueError, match="methods"):
        widgets.inpainting_explorer(images, {}, show=False)


def test_the_first_view_is_drawn_in_the_widget_and_f_only_computes(capsys):
    images = _images(n=2)
    explorer = widgets.inpainting_explorer(images, [MeanColorInpainter()], draw_first=False)
    assert capsys.readouterr().out == ""  # nothing printed into the cell: the view lives in the widget
    assert explorer.redraws == 1 and len(explorer.picture.value) > 0
    first = explorer.result
    assert explorer.f(**explorer.kwargs) == first and explorer.redraws == 1
    picture = bytes(explorer.picture.value)
    controls(explorer)["size"].value = 10
    assert explorer.redraws == 2 and bytes(explorer.picture.value) != picture
    assert capsys.readouterr().out == ""


def test_changing_kind_redraws_once():
    images = _images()
    explorer = widgets.inpainting_explorer(images, _methods(), show=False)
    c = controls(explorer)
    seen = []
    inner = explorer._view
    explorer._view = lambda draw, **values: seen.append(values) or inner(draw, **values)
    c["kind"].value = "blocks"  # resets size and count too: one redraw with all three
    assert explorer.redraws == 2 and len(seen) == 1
    assert (seen[0]["kind"], seen[0]["size"], seen[0]["count"]) == ("blocks", default_block_size(32), 7)
    c["kind"].value = "free_form"
    assert explorer.redraws == 3 and seen[-1]["count"] == 3
    c["kind"].value = "free_form"
    assert explorer.redraws == 3
    for redraws, (name, value) in enumerate([("image", 1), ("preset", "evaluation:center"), ("seed", 9), ("dy", 2)], start=4):
        c[name].value = value
        assert explorer.redraws == redraws
