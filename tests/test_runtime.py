"""Tests for inpaintlib.runtime: devices, seeds, folders, the quick switch."""

import pytest
import torch

from inpaintlib import runtime


def test_resolve_device_auto_matches_cuda_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.resolve_device("auto").type == expected
    assert runtime.resolve_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("available, expected", [(True, "cuda"), (False, "cpu")])
def test_resolve_device_auto_picks_cuda_exactly_when_it_is_there(monkeypatch, available, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    assert runtime.resolve_device("auto") == torch.device(expected)
    assert runtime.resolve_device(None) == torch.device(expected)
    if available:
        assert runtime.resolve_device("cuda:1") == torch.device("cuda", 1)


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


_PAGE_FAULT_PROBE = """
import resource, sys, torch
from inpaintlib import runtime
took = runtime.reuse_freed_memory(sys.argv[1] == "reuse")
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
weight = torch.ones(1, 8, 1, 1, requires_grad=True)
def step():  # a training step in miniature: 32 MB activations made by forward and backward, then freed
    images = torch.rand(16, 8, 256, 256)
    torch.nn.functional.leaky_relu(images * weight, 0.2).mul(2).sum().backward()
for _ in range(8):  # the allocator settles into a steady state
    step()
before = faults()
for _ in range(3):
    step()
print(took, faults() - before)
"""


def _page_faults_of_three_steps(mode: str) -> tuple[str, int]:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _PAGE_FAULT_PROBE, mode], capture_output=True, text=True, check=True)
    took, faults = result.stdout.split()[-2:]
    return took, int(faults)


def test_reuse_freed_memory_saves_the_page_faults_of_repeated_steps():
    took, faults_reused = _page_faults_of_three_steps("reuse")
    if took != "True":
        pytest.skip("the C library is not glibc: reuse_freed_memory is a no-op here")
    _, faults_default = _page_faults_of_three_steps("default")
    pages_per_step = 4 * 32 * 2**20 // 4096  # four 32 MB activations per step
    assert faults_default > pages_per_step  # glibc unmapped them: every step faults its pages in again
    assert faults_reused < faults_default / 10  # kept: later steps reuse the same pages


def test_trainer_reuses_memory_on_the_cpu_only_when_asked(tmp_path):
    from inpaintlib.train import TrainConfig, Trainer

    assert not TrainConfig().reuse_memory
    images = torch.rand(4, 3, 16, 16)
    generator = torch.nn.Conv2d(3, 3, 1)
    generator.forward = lambda image, mask, conv=generator.forward: conv(image)
    try:
        trainers = {
            reuse: Trainer(generator, None, images, None,
                           TrainConfig(batch_size=2, adversarial=False, reuse_memory=reuse, mask_kinds="center"),
                           out_dir=tmp_path / str(reuse), device="cpu", progress=False)
            for reuse in (False, True)
        }
    finally:
        runtime.reuse_freed_memory(False)  # the setting is process-wide: give the other tests the defaults back
    assert not trainers[False].reusing_memory
    assert trainers[True].reusing_memory == (runtime._glibc() is not None)


def test_only_model_4s_recipe_keeps_freed_memory():
    from inpaintlib.models import MODEL_NAMES, training_config

    assert {name: training_config(name).reuse_memory for name in MODEL_NAMES} == {
        "center": False, "masked": False, "alexnet": False, "unet": True}
