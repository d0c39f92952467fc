"""Tests for inpaintlib.evaluation_viz (Agg backend, tiny synthetic data)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from inpaintlib import evaluation_viz as evz  # noqa: E402
from inpaintlib.baselines import MeanColorInpainter, TeleaInpainter  # noqa: E402
from inpaintlib.evaluation import evaluate  # noqa: E402
from inpaintlib.history import History  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _images(n=4, size=32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=generator)
    return nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)


def _history(epochs=4, adversarial=True, stop=False):
    history = History(monitor="rec")
    for epoch in range(epochs):
        terms = {"total": 1.0 / (epoch + 1), "rec": 0.5 / (epoch + 1)}
        if adversarial:
            terms.update(adv=0.7, disc=1.3)
        val = {"total": 0.9, "rec": [0.5, 0.3, 0.35, 0.4][epoch % 4]}
        history.append(terms, val)
    history.stopped_early = stop
    return history


def _vertical_lines(ax):
    return [line for line in ax.get_lines() if len(set(np.atleast_1d(line.get_xdata()))) == 1 and len(line.get_xdata()) == 2]


def test_loss_grid_has_a_row_per_run_and_marks_best_epoch_and_early_stop():
    figure, axes = evz.plot_loss_grid({"gan": _history(stop=True), "l2": _history(adversarial=False)})
    assert axes.shape == (2, 4)  # total, rec, adv, disc (no run has a style term)
    assert [ax.get_title() for ax in axes[0]] == ["gan: total", "gan: rec", "gan: adv", "gan: disc"]
    lines = _vertical_lines(axes[0, 1])
    assert {float(line.get_xdata()[0]) for line in lines} == {2.0, 4.0}  # best epoch 2, stopped at 4
    assert {float(line.get_xdata()[0]) for line in _vertical_lines(axes[1, 0])} == {2.0}
    assert "not computed" in axes[1, 2].texts[0].get_text()
    assert axes[0, 0].get_legend() is not None and axes[0, 1].get_legend() is None
    assert figure is axes[0, 0].figure


def test_loss_grid_checks_its_arguments():
    with pytest.raises(ValueError, match="histories"):
        evz.plot_loss_grid({})
    with pytest.raises(ValueError, match="terms"):
        evz.plot_loss_grid({"a": _history()}, terms=("total", "lpips"))
    _, small = plt.subplots(1, 2, squeeze=False)
    with pytest.raises(ValueError, match="axes"):
        evz.plot_loss_grid({"a": _history(), "b": _history()}, axes=small)


@pytest.fixture(scope="module")
def result():
    methods = {"telea": TeleaInpainter(), "mean_color": MeanColorInpainter()}
    return evaluate(methods, _images(), seed=0, progress=False, method_kinds={"telea": ["center", "blocks"]})


def test_metric_bars_draw_one_bar_per_row_and_hatch_untrained_kinds(result):
    table = result.table()
    ax = evz.plot_metric_bars(table, metric="l1_hole", trained_kinds={"telea": ["center"]})
    bars = [patch for patch in ax.patches]
    assert len(bars) == len(table) == 5
    assert sum(bool(bar.get_hatch()) for bar in bars) == 1  # telea on blocks
    heights = sorted(round(bar.get_height(), 6) for bar in bars)
    assert heights == sorted(round(100 * row["l1_hole"], 6) for row in table)  # L1 drawn in percent
    assert [t.get_text() for t in ax.get_xticklabels()] == ["center", "blocks", "free_form"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["telea", "mean_color", "not trained on this kind"]
    with pytest.raises(ValueError, match="mask_kind"):
        evz.plot_metric_bars([{"method": "a", "psnr_hole": 1.0}])


def test_area_bins_draw_a_line_per_method_over_ordered_bins(result):
    table = result.table(by=("method", "area_bin"))
    ax = evz.plot_area_bins(table, learned=["telea"])
    assert [line.get_label() for line in ax.get_lines()] == ["telea", "mean_color"]
    assert ax.get_lines()[0].get_linestyle() == "-" and ax.get_lines()[1].get_linestyle() == "--"
    bins = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    from inpaintlib.metrics import area_bin_labels

    order = area_bin_labels()
    assert bins == sorted(set(bins), key=order.index)
    assert set(bins) == {row["area_bin"] for row in table}


def test_gallery_rebuilds_the_best_and_worst_cases(result):
    images = _images()
    telea, mean = TeleaInpainter(), MeanColorInpainter()
    figure, axes = evz.best_worst_gallery(result, images, [telea, mean], n=2, metric="psnr_hole")
    assert axes.shape == (2, 8)  # two methods; 2 best + 2 worst cases of (fill, original)
    assert axes[1, 0].get_ylabel() == "mean_color"
    best, worst = result.best_and_worst("telea", n=2, metric="psnr_hole")
    for number, record in enumerate(best + worst):
        fill_panel, original_panel = axes[0, 2 * number], axes[0, 2 * number + 1]
        mask = result.mask(record["index"], record["mask_kind"])
        expected = telea(images[record["index"]], mask).permute(1, 2, 0).numpy()
        assert np.allclose(np.asarray(fill_panel.images[0].get_array()), expected, atol=1e-6)
        assert np.allclose(np.asarray(original_panel.images[0].get_array()), images[record["index"]].permute(1, 2, 0).numpy())
        assert f"{record['psnr_hole']:.1f} dB" in fill_panel.get_title() and record["mask_kind"] in fill_panel.get_title()
    assert axes[0, 0].get_title().startswith("best 1") and axes[0, 4].get_title().startswith("worst 1")
    _, with_input = evz.best_worst_gallery(result, images, telea, n=1, show_input=True)
    assert with_input.shape == (1, 6) and with_input[0, 0].get_title() == "input"
    with pytest.raises(ValueError, match="n must"):
        evz.best_worst_gallery(result, images, telea, n=0)


def test_comparison_panels_show_input_each_method_and_original():
    image = _images(n=1)[0]
    mask = torch.zeros(32, 32)
    mask[8:24, 8:24] = 1
    filled = {"mean_color": MeanColorInpainter()(image, mask), "model_1": None}
    scores = {"mean_color": {"psnr_hole": 12.345, "ssim_hole": 0.5}, "model_1": None}
    figure, panels = evz.comparison_panels(image, mask, filled, scores, ncols=2, notes={"model_1": "center only"})
    assert len(panels) == 4
    assert "25.0% missing" in panels[0].get_title()
    assert "12.3 dB" in panels[1].get_title()
    assert panels[2].texts[0].get_text() == "center only" and not panels[2].images
    assert panels[3].get_title() == "original"


def test_baselines_keep_their_color_in_every_figure(result):
    colors = evz.method_colors(["model_a", "telea", "model_b"])
    assert colors["telea"] == evz.BASELINE_COLORS["telea"]
    assert colors["model_a"] != colors["model_b"]
    ax = evz.plot_metric_bars(result.table(), methods=["mean_color", "telea"])
    telea_bar = [bar for bar in ax.patches][-1]
    assert matplotlib.colors.same_color(telea_bar.get_facecolor(), evz.BASELINE_COLORS["telea"])
    line_ax = evz.plot_area_bins(result.table(by=("method", "area_bin")), colors={"telea": "red"})
    assert matplotlib.colors.same_color(line_ax.get_lines()[0].get_color(), "red")


def test_jpeg_image_renders_and_closes_the_figure():
    figure, ax = plt.subplots(figsize=(2, 2))
    ax.imshow(np.random.default_rng(0).random((16, 16, 3)))
    image = evz.jpeg_image(figure, quality=70)
    assert image.data[:2] == b"\xff\xd8"  # the JPEG start-of-image marker
    assert not plt.fignum_exists(figure.number)
    with pytest.raises(ValueError, match="quality"):
        evz.jpeg_image(plt.figure(), quality=0)
