"""How fast this machine can compute: a convolution probe, the nominal FMA peak, and honest efficiency.

Taught in notebook 03 (what a training step costs) and used by ``benchmarks/bench_training.py``.

A training step's *compute efficiency* is its floating-point rate divided by a reference rate. The
reference must be the best this core can do in the same arithmetic: ``torch.mm`` goes through a
different library (MKL or OpenBLAS) than the convolutions (oneDNN), and on some CPUs it is slower
than them, which made the old figure exceed 100 %. Here the reference is a **convolution probe** in the
step's own dtype and memory layout (a 3x3, 256→256 convolution on 56x56 maps, forward and backward),
and :func:`efficiency` never exceeds 1: a step faster than its probe means the probe was not the best,
and is reported as such.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from inpaintlib.precision import cpu_flags, cpuinfo_lines

__all__ = ["ConvProbe", "conv_probe", "efficiency", "kernel_libraries", "nominal_fma_peak"]


@dataclass(frozen=True)
class ConvProbe:
    """The result of :func:`conv_probe`: the best rate of one convolution, forward and backward."""

    dtype: str
    channels_last: bool
    flops: float
    seconds: float

    @property
    def flops_per_second(self) -> float:
        return self.flops / self.seconds


def conv_probe(
    dtype: torch.dtype = torch.float32,
    channels_last: bool = True,
    batch: int = 20,
    size: int = 56,
    channels: int = 256,
    repeats: int = 5,
) -> ConvProbe:
    """Time a 3x3 convolution (``channels`` → ``channels``, ``size`` x ``size``, ``batch`` images).

    Forward and backward (input and weight gradients) in ``dtype``, ``repeats`` times after a
    warm-up; returns the fastest run, on the CPU.
    """
    generator = torch.Generator().manual_seed(0)
    layout = torch.channels_last if channels_last else torch.contiguous_format
    x = torch.randn(batch, channels, size, size, generator=generator).to(dtype).contiguous(memory_format=layout)
    w = (torch.randn(channels, channels, 3, 3, generator=generator) * 0.02).to(dtype).contiguous(memory_format=layout)
    x.requires_grad_(True)
    w.requires_grad_(True)
    flops = 3 * 2 * batch * channels * channels * 9 * size * size  # forward + two backward convolutions

    def run():
        F.conv2d(x, w, padding=1).sum().backward()

    run()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return ConvProbe(str(dtype).replace("torch.", ""), channels_last, float(flops), best)


def efficiency(step_flops: float, step_seconds: float, reference_flops_per_second: float) -> tuple[float, bool]:
    """Return ``(fraction, beat_reference)``: the step's rate over the reference's, at most 1.

    ``beat_reference`` is ``True`` when the step ran faster than the reference, which then was not
    the best this core can do (the fraction is reported as 1).
    """
    if step_seconds <= 0 or reference_flops_per_second <= 0:
        raise ValueError("step_seconds and reference_flops_per_second must be positive")
    ratio = step_flops / step_seconds / reference_flops_per_second
    return min(ratio, 1.0), ratio > 1.0


def kernel_libraries() -> dict[str, str]:
    """Which libraries run convolutions and matrix products in this PyTorch build."""
    config = torch.__config__.show()
    blas = "MKL" if torch.backends.mkl.is_available() else ("OpenBLAS" if "openblas" in config.lower() else "unknown")
    conv = "oneDNN" if torch.backends.mkldnn.is_available() else "PyTorch's native kernels"
    return {"convolution": conv, "matmul": blas, "cpu_capability": torch.backends.cpu.get_cpu_capability()}


def nominal_fma_peak(cores: int | None = None, flags: set[str] | None = None) -> dict | None:
    """The nominal float32 peak from the CPU's flags and clock, or ``None`` when the clock is unknown.

    Assumes two FMA units per core (true of recent x86 server cores; on cores that split 512-bit
    operations in two halves the avx512 figure is the avx2 one): ``cores x GHz x lanes x 2 (FMA) x 2``.
    """
    flags = cpu_flags() if flags is None else flags
    mhz = [float(line.split(":")[1]) for line in cpuinfo_lines() if line.startswith("cpu MHz")]
    if not mhz:
        return None
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    cores = cores or torch.get_num_threads()
    ghz = max(mhz) / 1000.0
    return {"flops_per_second": cores * ghz * 1e9 * lanes * 2 * 2, "ghz": ghz, "lanes": lanes, "cores": cores}
