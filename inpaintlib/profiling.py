"""How fast this machine can compute: a convolution probe, the nominal FMA peak, honest efficiency,
and what a training step costs.

Taught in notebook 03 (``03_center_block.ipynb``: what a training step costs) and used by notebooks
04 and 05 and by ``benchmarks/bench_training.py``.

Step costs: :func:`train_step_flops` counts the floating-point operations of one training step,
:func:`time_train_step` measures its wall-clock time (a :class:`StepTiming`),
:func:`seconds_per_step` reads it off a training history, :func:`format_duration` writes seconds
for people, so run-time estimates are computed rather than written by hand.

A training step's *compute efficiency* is its floating-point rate divided by a reference rate. The
reference must be the best this core can do in the same arithmetic: ``torch.mm`` goes through a
different library (MKL or OpenBLAS) than the convolutions (oneDNN), and on some CPUs it is slower
than them, which made the old figure exceed 100 %. Here the reference is a **convolution probe** in the
step's own dtype and memory layout (a 3x3, 256→256 convolution on 56x56 maps, forward and backward),
and :func:`efficiency` never exceeds 1: a step faster than its probe means the probe was not the best,
and is reported as such.
"""

from __future__ import annotations

import copy
import math
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from inpaintlib.precision import cpu_flags, cpuinfo_lines
from inpaintlib.runtime import positive_int as _check_positive

__all__ = [
    "ConvProbe",
    "StepTiming",
    "conv_probe",
    "efficiency",
    "estimate_run",
    "format_duration",
    "kernel_libraries",
    "nominal_fma_peak",
    "seconds_per_step",
    "time_train_step",
    "train_step_flops",
]


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


# --------------------------------------------------------------------------- training steps


@dataclass
class StepTiming:
    """Wall-clock time (and work) of one training step, from :func:`time_train_step`.

    Attributes
    ----------
    name : str
        What was timed.
    batch_size : int
        Images per step.
    seconds : list of float
        Each timed step's duration.
    flops_per_step : float or None
        Floating-point operations of one step (forward and backward, generator and
        discriminator), counted by :class:`torch.utils.flop_counter.FlopCounterMode`.
    """

    name: str
    batch_size: int
    seconds: list[float]
    flops_per_step: float | None = None

    @property
    def seconds_per_step(self) -> float:
        """The median step time."""
        return float(statistics.median(self.seconds))

    @property
    def seconds_per_image(self) -> float:
        """The median step time divided by the batch size."""
        return self.seconds_per_step / self.batch_size

    @property
    def flops_per_second(self) -> float | None:
        """The sustained speed this step reached (``None`` when FLOPs were not counted)."""
        if self.flops_per_step is None:
            return None
        return self.flops_per_step / self.seconds_per_step

    def __str__(self) -> str:
        speed = "" if self.flops_per_second is None else f", {self.flops_per_second / 1e9:.0f} GFLOP/s"
        work = "" if self.flops_per_step is None else f", {self.flops_per_step / self.batch_size / 1e9:.1f} GFLOP/image"
        return (
            f"{self.name}: {self.seconds_per_step:.2f} s/step at batch {self.batch_size} "
            f"({self.seconds_per_image:.3f} s/image{work}{speed})"
        )


def _timing_trainer(generator, discriminator, batch_size, mask_kinds, seed, folder):
    from inpaintlib.train import TrainConfig, Trainer

    size = int(generator.image_size)
    images = torch.rand(batch_size, 3, size, size, generator=torch.Generator().manual_seed(seed))
    config = TrainConfig(
        epochs=1,
        batch_size=batch_size,
        adversarial=discriminator is not None,
        mask_kinds=list(mask_kinds) if not isinstance(mask_kinds, str) else mask_kinds,
        seed=seed,
    )
    trainer = Trainer(
        generator,
        discriminator,
        torch.utils.data.TensorDataset(images),
        None,
        config,
        out_dir=folder,
        device="cpu",
        progress=False,
        model_name="timing",
    )
    masks = trainer.mask_sampler.sample(batch_size, generator=seed)
    return trainer, images, masks


def train_step_flops(
    generator: nn.Module,
    discriminator: nn.Module | None = None,
    batch_size: int = 1,
    mask_kinds: Sequence[str] | str = ("blocks", "free_form", "center"),
    seed: int = 0,
) -> float:
    """Count the floating-point operations of one training step (:meth:`inpaintlib.train.Trainer.train_step`).

    The step runs on copies of the networks (the originals are not touched), on random images.
    With a discriminator the step is adversarial (a discriminator step, then the generator's);
    without one it is the reconstruction-only step.

    Returns
    -------
    float
        FLOPs of the whole step (a multiply-add counts as 2).
    """
    from torch.utils.flop_counter import FlopCounterMode

    batch_size = _check_positive("batch_size", batch_size)
    folder = tempfile.mkdtemp(prefix="inpaintlib-flops-")
    try:
        generator = copy.deepcopy(generator).cpu()
        discriminator = copy.deepcopy(discriminator).cpu() if discriminator is not None else None
        trainer, images, masks = _timing_trainer(generator, discriminator, batch_size, mask_kinds, seed, folder)
        with FlopCounterMode(display=False) as counter:
            trainer.train_step(images, masks)
        return float(counter.get_total_flops())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def time_train_step(
    generator: nn.Module,
    discriminator: nn.Module | None = None,
    batch_size: int = 8,
    steps: int = 2,
    warmup: int = 1,
    mask_kinds: Sequence[str] | str = ("blocks", "free_form", "center"),
    seed: int = 0,
    name: str | None = None,
    count_flops: bool = True,
) -> StepTiming:
    """Measure the wall-clock time of :meth:`inpaintlib.train.Trainer.train_step` on the CPU.

    The networks are copied first, so the originals keep their weights. ``warmup`` untimed steps
    come first (the first of them also counts the FLOPs when ``count_flops``), then ``steps``
    timed ones on the same random batch.

    Parameters
    ----------
    generator, discriminator : torch.nn.Module
        The networks; no discriminator means a reconstruction-only (L2) step.
    batch_size : int
        Images per step.
    steps, warmup : int
        Timed and untimed steps.
    mask_kinds : str or sequence of str
        Mask kinds of the step's masks.
    seed : int
        Seeds the random images and masks.
    name : str, optional
        A label (the generator's class name by default).
    count_flops : bool
        Count the FLOPs of one step (costs one more step when ``warmup`` is 0).

    Returns
    -------
    StepTiming
    """
    batch_size = _check_positive("batch_size", batch_size)
    steps = _check_positive("steps", steps)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    from torch.utils.flop_counter import FlopCounterMode

    label = name or type(generator).__name__
    folder = tempfile.mkdtemp(prefix="inpaintlib-timing-")
    try:
        generator = copy.deepcopy(generator).cpu()
        discriminator = copy.deepcopy(discriminator).cpu() if discriminator is not None else None
        trainer, images, masks = _timing_trainer(generator, discriminator, batch_size, mask_kinds, seed, folder)
        flops = None
        for index in range(max(warmup, 1 if count_flops else 0)):
            if index == 0 and count_flops:
                with FlopCounterMode(display=False) as counter:
                    trainer.train_step(images, masks)
                flops = float(counter.get_total_flops())
            else:
                trainer.train_step(images, masks)
        seconds = []
        for _ in range(steps):
            started = time.perf_counter()
            trainer.train_step(images, masks)
            seconds.append(time.perf_counter() - started)
        return StepTiming(label, batch_size, seconds, flops)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def seconds_per_step(history) -> float:
    """Return a run's average seconds per training step, from its :class:`~inpaintlib.history.History`.

    Each epoch's recorded time includes its validation pass and data loading, so this is a little
    more than the step alone.

    Raises
    ------
    ValueError
        If the history records no finished epoch with a step count.
    """
    pairs = [(r["seconds"], r.get("steps")) for r in history.records if r.get("steps")]
    if not pairs:
        raise ValueError("the history has no finished epoch with a step count")
    return sum(s for s, _ in pairs) / sum(n for _, n in pairs)


def format_duration(seconds: float) -> str:
    """Write a duration for people: ``"45 s"``, ``"12 min"``, ``"3.4 h"``, ``"2.1 days"``."""
    seconds = float(seconds)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def estimate_run(history, batch_size: int, train_images: int, epochs: int, device: str = "cpu") -> str:
    """Say how long ``epochs`` epochs over ``train_images`` photos take, from the speed measured in ``history``.

    The notebooks' "how long would the full setting take" (notebooks 03 and 04) comes from here: the
    seconds per step a run on this machine actually took (validation and data loading included),
    never an assumed speed. Another device has to be measured the same way, by a run on it.

    Examples
    --------
    >>> from inpaintlib.history import History
    >>> run = History()
    >>> _ = run.append({"rec": 1.0}, {"rec": 1.0}, seconds=20.0, steps=10)
    >>> estimate_run(run, batch_size=8, train_images=800, epochs=50)
    'measured here: 2.00 s per step of 8 images on this CPU, so 100 steps per epoch take about 3 min and 50 epochs about 2.8 h'
    """
    per_step = seconds_per_step(history)
    steps = max(1, int(train_images) // int(batch_size))
    return (
        f"measured here: {per_step:.2f} s per step of {batch_size} images on this {device.upper()}, so {steps} steps "
        f"per epoch take about {format_duration(steps * per_step)} and {epochs} epochs about "
        f"{format_duration(epochs * steps * per_step)}"
    )
