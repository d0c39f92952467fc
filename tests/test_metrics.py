"""Tests for inpaintlib.metrics: hand-computed values, hole vs whole, binning and tables."""

import math

import pytest
import torch

from inpaintlib import metrics
from inpaintlib.metrics import PSNR_CAP_DB, area_bin, area_bin_labels, summarize


def _images(n=2, size=32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 3, size, size, generator=generator) * 0.8 + 0.1


def _center_mask(n=2, size=32, hole=16):
    mask = torch.zeros(n, 1, size, size)
    start = (size - hole) // 2
    mask[:, :, start : start + hole, start : start + hole] = 1
    return mask


def test_constant_error_in_hole_gives_20_db_and_l1_of_one_tenth():
    target = _images()
    mask = _center_mask()
    prediction = target + 0.1 * mask
    assert torch.allclose(metrics.psnr(prediction, target, mask), torch.full((2,), 20.0, dtype=torch.float64))
    assert torch.allclose(metrics.l1(prediction, target, mask), torch.full((2,), 0.1, dtype=torch.float64))
    # Over the whole image the hole is a quarter of the pixels: MSE = 0.01 / 4.
    expected_whole = 10 * math.log10(1 / (0.01 / 4))
    assert metrics.psnr(prediction, target)[0].item() == pytest.approx(expected_whole)
    assert metrics.l1(prediction, target)[0].item() == pytest.approx(0.025)


def test_identical_images_give_ssim_one_and_capped_psnr():
    target = _images()
    mask = _center_mask()
    assert torch.allclose(metrics.ssim(target, target, mask), torch.ones(2, dtype=torch.float64))
    assert torch.allclose(metrics.ssim(target, target), torch.ones(2, dtype=torch.float64))
    assert metrics.psnr(target, target, mask).tolist() == [PSNR_CAP_DB, PSNR_CAP_DB]
    assert metrics.psnr(target, target, mask, cap=None).tolist() == [math.inf, math.inf]
    assert metrics.l1(target, target, mask).tolist() == [0.0, 0.0]


def test_context_errors_are_ignored_by_hole_metrics_but_counted_by_whole_image_metrics():
    target = _images()
    mask = _center_mask()
    prediction = target + 0.1 * mask
    spoiled = prediction + 0.2 * (1 - mask)  # errors only in the known context
    for name in ("psnr", "l1"):
        function = getattr(metrics, name)
        assert torch.equal(function(spoiled, target, mask), function(prediction, target, mask))
        assert not torch.allclose(function(spoiled, target), function(prediction, target))
    records_clean = metrics.image_metrics(prediction, target, mask)
    records_spoiled = metrics.image_metrics(spoiled, target, mask)
    assert records_spoiled[0]["psnr_whole"] < records_clean[0]["psnr_whole"] - 3
    assert records_spoiled[0]["l1_hole"] == pytest.approx(records_clean[0]["l1_hole"])


def test_ssim_in_hole_is_the_mean_of_the_map_over_hole_pixels():
    target = _images(n=1)
    prediction = (target + 0.2 * torch.randn(target.shape, generator=torch.Generator().manual_seed(1))).clamp(0, 1)
    mask = _center_mask(n=1)
    ssim_map = metrics.ssim_map(prediction, target)
    expected = ssim_map[0][mask[0, 0].bool()].mean().item()
    assert metrics.ssim(prediction, target, mask).item() == pytest.approx(expected)
    assert metrics.ssim(prediction, target, mask).item() < 0.9


def test_whole_image_ssim_matches_scikit_image():
    from skimage.metrics import structural_similarity

    target = _images(n=1).double()
    prediction = (target + 0.1).clamp(0, 1)
    expected = structural_similarity(
        prediction[0].numpy(),
        target[0].numpy(),
        channel_axis=0,
        data_range=1.0,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )
    assert metrics.ssim(prediction, target).item() == pytest.approx(expected)


def test_empty_hole_gives_nan_and_summaries_skip_it():
    target = _images()
    prediction = target + 0.1
    mask = _center_mask()
    mask[1] = 0
    psnr = metrics.psnr(prediction, target, mask)
    assert not math.isnan(psnr[0].item()) and math.isnan(psnr[1].item())
    assert math.isnan(metrics.ssim(prediction, target, mask)[1].item())
    records = [dict(r, method="m", mask_kind="center") for r in metrics.image_metrics(prediction, target, mask)]
    assert records[1]["hole_fraction"] == 0.0
    table = summarize(records)
    assert table[0]["n"] == 2
    assert table[0]["psnr_hole"] == pytest.approx(records[0]["psnr_hole"])


def test_single_image_and_hw_mask_are_accepted():
    target = _images(n=1)[0]
    mask = _center_mask(n=1)[0, 0]
    assert metrics.psnr(target + 0.1 * mask, target, mask).shape == (1,)
    assert metrics.hole_fraction(mask).item() == pytest.approx(0.25)


def test_mismatched_shapes_raise_value_error():
    with pytest.raises(ValueError, match="same shape"):
        metrics.psnr(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 9, 9))
    with pytest.raises(ValueError, match="mask"):
        metrics.psnr(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8), torch.ones(4, 4))


@pytest.mark.parametrize(
    "fraction, label",
    [(0.0, "0-10%"), (0.05, "0-10%"), (0.1, "10-20%"), (0.25, "20-30%"), (0.45, "40-50%"), (0.5, "50%+"), (1.0, "50%+")],
)
def test_area_bins(fraction, label):
    assert area_bin(fraction) == label


def test_area_bin_labels_and_bad_fraction():
    assert area_bin_labels() == ["0-10%", "10-20%", "20-30%", "30-40%", "40-50%", "50%+"]
    with pytest.raises(ValueError, match="fraction"):
        area_bin(1.5)


def test_summarize_groups_by_area_bin_in_increasing_order():
    records = [
        {"method": "a", "hole_fraction": 0.55, "psnr_hole": 10.0},
        {"method": "a", "hole_fraction": 0.05, "psnr_hole": 30.0},
        {"method": "a", "hole_fraction": 0.07, "psnr_hole": 20.0},
        {"method": "a", "hole_fraction": 0.15, "psnr_hole": 25.0},
    ]
    table = summarize(records, by=("method", "area_bin"), metrics=("psnr_hole",))
    assert [row["area_bin"] for row in table] == ["0-10%", "10-20%", "50%+"]
    assert [row["n"] for row in table] == [2, 1, 1]
    assert table.row(area_bin="0-10%")["psnr_hole"] == pytest.approx(25.0)


def test_summary_table_renders_text_markdown_and_html():
    records = [
        {"method": "telea", "mask_kind": "center", "hole_fraction": 0.25, "psnr_hole": 20.0, "l1_hole": 0.1},
        {"method": "telea", "mask_kind": "center", "hole_fraction": 0.25, "psnr_hole": 22.0, "l1_hole": 0.3},
        {"method": "<b>", "mask_kind": "blocks", "hole_fraction": 0.2, "psnr_hole": 18.0, "l1_hole": 0.2},
    ]
    table = summarize(records, metrics=("psnr_hole", "l1_hole"))
    assert table.to_dicts()[0] == {"method": "telea", "mask_kind": "center", "n": 2, "psnr_hole": 21.0, "l1_hole": 0.2}
    text = table.to_text()
    assert "PSNR hole (dB)" in text and "21.00" in text and "20.00" in text  # L1 0.2 shown as 20.00 %
    markdown = table.to_markdown().splitlines()
    assert markdown[0].startswith("| method | mask |") and len(markdown) == 4
    html = table._repr_html_()
    assert html.startswith("<table>") and "&lt;b&gt;" in html


def test_summarize_rejects_records_missing_a_key():
    with pytest.raises(ValueError, match="lacks"):
        summarize([{"method": "a"}], metrics=("psnr_hole",))
