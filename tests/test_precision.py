"""The training arithmetic: amp="auto" picks bfloat16 only where it is measured faster, and says so."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from inpaintlib.history import History
from inpaintlib.masks import MaskSampler
from inpaintlib.precision import choose_precision, cpu_has_bfloat16, time_training_steps
from inpaintlib.train import Trainer, TrainConfig

SIZE = 16
BF16_CPU = {"avx2", "avx512f", "avx512_bf16"}
AVX2_CPU = {"avx2", "fma"}


class Tiny(nn.Module):
    image_size = SIZE

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(4, 16, 3, padding=1)
        self.norm = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 3, 3, padding=1)

    def forward(self, image, mask):
        x = torch.cat([image * (1 - mask), mask], 1)
        return torch.sigmoid(self.conv2(torch.relu(self.norm(self.conv1(x)))))


def fake_timer(float32: float, bfloat16: float, calls: list):
    def timer(generator, discriminator, size, dtype, device):
        calls.append(dtype)
        return bfloat16 if dtype == torch.bfloat16 else float32

    return timer


@pytest.mark.parametrize(("float32", "bfloat16", "expected"), [(1.0, 2.1, torch.bfloat16), (2.0, 1.0, None), (1.0, 1.05, None)])
def test_auto_picks_the_faster_dtype_from_the_timings(tmp_path, float32, bfloat16, expected):
    calls = []
    dtype, record = choose_precision("auto", None, torch.device("cpu"), Tiny(), None, SIZE,
                                     cache_path=tmp_path / "cache.json", timer=fake_timer(float32, bfloat16, calls),
                                     flags=BF16_CPU)
    assert dtype == expected
    assert record["dtype"] == ("bfloat16" if expected else "float32")
    assert record["speeds"] == {"float32": float32, "bfloat16": bfloat16}
    assert calls == [None, torch.bfloat16]


def test_the_measurement_is_cached_and_reused(tmp_path):
    cache, calls = tmp_path / "cache.json", []
    timer = fake_timer(1.0, 3.0, calls)
    quiet = lambda: False  # noqa: E731 - the machine's real load must not decide the test
    choose_precision("auto", None, torch.device("cpu"), Tiny(), None, SIZE, cache_path=cache, timer=timer, flags=BF16_CPU,
                     busy=quiet)
    dtype, record = choose_precision("auto", None, torch.device("cpu"), Tiny(), None, SIZE, cache_path=cache,
                                     timer=timer, flags=BF16_CPU, busy=quiet)
    assert len(calls) == 2 and dtype == torch.bfloat16 and "cached" in record["reason"]
    assert list(json.loads(cache.read_text()).values()) == [{"float32": 1.0, "bfloat16": 3.0}]
    # Another model is measured anew.
    choose_precision("auto", None, torch.device("cpu"), nn.Conv2d(4, 3, 1), None, SIZE, cache_path=cache,
                     timer=timer, flags=BF16_CPU, busy=quiet)
    assert len(calls) == 4


def test_a_measurement_on_a_busy_cpu_is_used_but_not_cached(tmp_path):
    cache, calls = tmp_path / "cache.json", []
    timer = fake_timer(1.0, 3.0, calls)
    for _ in range(2):
        dtype, record = choose_precision("auto", None, torch.device("cpu"), Tiny(), None, SIZE, cache_path=cache,
                                         timer=timer, flags=BF16_CPU, busy=lambda: True)
        assert dtype == torch.bfloat16 and "busy CPU, not cached" in record["reason"]
    assert len(calls) == 4 and not cache.exists()


def test_a_cpu_without_bfloat16_keeps_float32_without_timing(tmp_path):
    calls = []
    dtype, record = choose_precision("auto", None, torch.device("cpu"), Tiny(), None, SIZE,
                                     cache_path=tmp_path / "c.json", timer=fake_timer(1.0, 9.0, calls), flags=AVX2_CPU)
    assert dtype is None and calls == [] and "no bfloat16" in record["reason"]
    assert not cpu_has_bfloat16(AVX2_CPU) and cpu_has_bfloat16({"amx_bf16"})


def test_explicit_modes_and_bad_values():
    cpu = torch.device("cpu")
    assert choose_precision(False, None, cpu, Tiny())[0] is None
    assert choose_precision(True, None, cpu, Tiny())[0] == torch.bfloat16
    assert choose_precision(True, "float16", cpu, Tiny())[0] == torch.float16
    with pytest.raises(ValueError, match="amp must be"):
        choose_precision("fast", None, cpu, Tiny())
    with pytest.raises(ValueError, match="amp must be"):
        TrainConfig(amp="yes")


def test_timing_leaves_the_run_untouched():
    model, discriminator = Tiny().train(), nn.Conv2d(3, 1, 3)
    weights = {name: value.clone() for name, value in model.state_dict().items()}
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    rate = time_training_steps(model, discriminator, SIZE, None, torch.device("cpu"), steps=1)
    assert rate > 0
    assert torch.equal(torch.rand(3), expected)  # the global random stream did not move
    for name, value in model.state_dict().items():
        assert torch.equal(value, weights[name]), name  # batch-norm statistics included
    assert all(p.grad is None for p in model.parameters())


def _fit(tmp_path, amp, epochs=6, resume=False):
    torch.manual_seed(0)
    color = torch.tensor([0.3, 0.6, 0.8])[:, None, None]  # learnable: the hole is this color, plus noise
    data = [color + 0.05 * torch.rand(3, SIZE, SIZE) for _ in range(24)]
    config = TrainConfig(epochs=epochs, batch_size=4, amp=amp, adversarial=False, mask_kinds="center", seed=1,
                         patience=None, lr_g=3e-3)
    trainer = Trainer(Tiny(), None, data[:20], data[20:], config, out_dir=tmp_path, device="cpu",
                      progress=False, resume=resume)
    return trainer, trainer.fit()


def test_bfloat16_training_converges_like_float32(tmp_path):
    _, plain = _fit(tmp_path / "fp32", False)
    trainer, mixed = _fit(tmp_path / "bf16", True)
    assert trainer.amp_dtype == torch.bfloat16 and mixed.precision["dtype"] == "bfloat16"
    first, last_plain, last_mixed = plain.val("rec")[0], plain.val("rec")[-1], mixed.val("rec")[-1]
    assert last_plain < first and last_mixed < first
    assert abs(last_mixed - last_plain) < 0.1 * last_plain
    saved = json.loads((tmp_path / "bf16" / "history.json").read_text())
    assert saved["precision"]["dtype"] == "bfloat16"


def test_a_resumed_bfloat16_run_matches_an_uninterrupted_one(tmp_path):
    _, straight = _fit(tmp_path / "straight", True, epochs=3)
    _fit(tmp_path / "split", True, epochs=1)
    _, resumed = _fit(tmp_path / "split", True, epochs=3, resume=True)
    assert [r["val"] for r in resumed.records] == [r["val"] for r in straight.records]


def test_early_stopping_waits_while_the_smoothed_curve_still_falls():
    history = History(monitor="rec")
    # A lucky dip at epoch 2, then a noisy but falling curve: no new best for 3 epochs, yet falling on average.
    for value in (1.0, 0.50, 0.9, 0.8, 0.6, 0.7, 0.55, 0.56):
        history.append({"rec": value}, {"rec": value})
    assert history.epochs_without_improvement >= 3
    assert history.still_falling(3) and not history.should_stop(3)
    for value in (0.6, 0.62, 0.61, 0.63, 0.6, 0.62):  # flat: stop
        history.append({"rec": value}, {"rec": value})
    assert history.should_stop(3)
