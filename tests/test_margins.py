"""Paired margins and their bootstrap intervals."""

import pytest

from inpaintlib.margins import margin_between, paired_margin


def test_a_clear_gain_beats_and_a_coin_flip_is_level():
    better = paired_margin([20.0 + 0.1 * i for i in range(30)], [19.0 + 0.1 * i for i in range(30)])
    assert better.verdict == "beats" and better.mean == pytest.approx(1.0)
    assert better.low <= better.mean <= better.high
    noisy = paired_margin([1.0, -1.0] * 15, [0.0] * 30)
    assert noisy.verdict == "is level with" and noisy.low < 0 < noisy.high
    assert paired_margin([0.0] * 5, [1.0] * 5).verdict == "trails"


def test_the_interval_is_seeded_and_widens_with_its_level():
    a, b = [float(i % 7) for i in range(40)], [float(i % 5) for i in range(40)]
    assert paired_margin(a, b, seed=3) == paired_margin(a, b, seed=3)
    narrow, wide = paired_margin(a, b, level=0.5), paired_margin(a, b, level=0.99)
    assert wide.low < narrow.low and narrow.high < wide.high


def test_margins_pair_the_records_by_photo_and_reject_bad_input():
    records = [{"method": m, "mask_kind": "center", "index": i, "psnr_hole": s}
               for m, scores in (("model", [21, 22, 23]), ("telea", [20, 21])) for i, s in enumerate(scores)]
    margin = margin_between(records, "model", "telea", "center")
    assert margin.count == 2 and margin.mean == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no photo"):
        margin_between(records, "model", "telea", "blocks")
    with pytest.raises(ValueError, match="equally long"):
        paired_margin([1.0], [1.0, 2.0])


def test_sentences_say_beats_only_when_the_interval_excludes_zero():
    from inpaintlib.reporting import describe_comparison

    def records(gain):
        return [{"method": method, "mask_kind": "center", "index": i, "psnr_hole": 20.0 + (gain + (i % 2) if method == "model" else 0)}
                for i in range(20) for method in ("model", "telea")]

    row = {"group": "center", "learned": "model", "learned_value": 21.0, "classical": "telea", "classical_value": 20.0,
           "margin": 1.0, "winner": "learned"}
    clear = describe_comparison([row], records=records(0.5))[0]
    assert "beats" in clear and "95% interval" in clear
    level = describe_comparison([row], records=records(-0.5))[0]  # per-photo gains of -0.5 and +0.5
    assert "is level with" in level and "beats" not in level
    assert "95% interval" not in describe_comparison([row])[0]  # without records: the means only
    one_photo = [r for r in records(0.5) if r["index"] == 0]
    few = describe_comparison([row], records=one_photo)[0]
    assert "1 photo only: too few" in few and "beats" not in few


def test_a_margin_prints_the_unit_of_its_metric_and_wins_in_its_direction():
    records = [{"method": method, "mask_kind": "center", "index": i, "psnr_hole": psnr, "l1_hole": l1}
               for i in range(20) for method, psnr, l1 in (("model", 20.0 + i % 3, 0.08), ("telea", 19.0 + i % 3, 0.10))]
    psnr = margin_between(records, "model", "telea", "center")
    assert str(psnr).startswith("+1.00 dB") and psnr.verdict == "beats"
    l1 = margin_between(records, "model", "telea", "center", metric="l1_hole")
    assert "dB" not in str(l1) and str(l1).startswith("-0.0200")
    assert l1.verdict == "beats"  # a lower error is the better result
    assert margin_between(records, "telea", "model", "center", metric="l1_hole").verdict == "trails"
