"""Tests for inpaintlib.runtime: devices, seeds, folders, the quick switch."""

import pytest
import torch

from inpaintlib import runtime


def test_resolve_device_auto_matches_cuda_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.resolve_device("auto").type == expected
    assert runtime.resolve_device("cpu") == torch.device("cpu")


def test_resolve_device_rejects_unknown_names():
    with pytest.raises(ValueError, match="device"):
        runtime.resolve_device("tpu-of-dreams")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_resolve_device_refuses_cuda_without_gpu():
    with pytest.raises(ValueError, match="CUDA is not available"):
        runtime.resolve_device("cuda")


def test_make_generator_is_reproducible_and_passes_generators_through():
    a = torch.rand(5, generator=runtime.make_generator(3))
    b = torch.rand(5, generator=runtime.make_generator(3))
    c = torch.rand(5, generator=runtime.make_generator(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    generator = torch.Generator()
    assert runtime.make_generator(generator) is generator


@pytest.mark.parametrize("bad", [1.5, "7", True])
def test_make_generator_rejects_non_integer_seeds(bad):
    with pytest.raises(ValueError, match="seed"):
        runtime.make_generator(bad)


@pytest.mark.parametrize(
    "value, default, expected",
    [(None, True, True), (None, False, False), ("1", False, True), ("0", True, False), ("false", True, False), ("yes", False, True)],
)
def test_quick_from_env(monkeypatch, value, default, expected):
    if value is None:
        monkeypatch.delenv(runtime.QUICK_ENV, raising=False)
    else:
        monkeypatch.setenv(runtime.QUICK_ENV, value)
    assert runtime.quick_from_env(default) is expected


def test_runs_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(runtime.RUNS_ENV, str(tmp_path / "runs"))
    path = runtime.runs_dir("center")
    assert path == tmp_path / "runs" / "center"
    assert path.is_dir()


def test_seed_everything_repeats_torch_draws():
    runtime.seed_everything(11)
    a = torch.rand(3)
    runtime.seed_everything(11)
    assert torch.equal(a, torch.rand(3))
