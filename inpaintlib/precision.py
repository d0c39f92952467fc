"""Which arithmetic a training run uses: float32, or bfloat16/float16 autocast where it is faster.

Taught in notebook 03 (the training recipe) and measured in ``BENCHMARKS.md``.

Mixed precision runs the forward passes under :func:`torch.autocast`; weights, optimizer state and
losses stay float32. Whether it pays depends on the processor: a CPU with ``avx512_bf16`` (or AMX)
runs bfloat16 convolutions about twice as fast as float32, while a CPU with only AVX2 emulates them
and is an order of magnitude slower. :func:`choose_precision` therefore finds out:

* on CUDA, bfloat16 where the GPU supports it, else float16 (with loss scaling);
* on a CPU without bfloat16 instructions, float32 at once (nothing is timed);
* on a CPU with them, a few training steps of the model being trained are timed in float32 and in
  bfloat16, and bfloat16 is used only when it is faster by :data:`MIN_SPEEDUP`. The measurement is
  cached per machine and model in a JSON file, so later runs do not time again; one taken while other
  processes keep the cores busy (:func:`cpu_is_busy`) is used for its run only, never cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

__all__ = [
    "AMP_DTYPES",
    "AMP_MODES",
    "MIN_SPEEDUP",
    "autocast",
    "choose_precision",
    "cpu_flags",
    "cpu_has_bfloat16",
    "cpu_is_busy",
    "cpuinfo_lines",
    "precision_cache_path",
    "time_training_steps",
]

#: Autocast dtypes by name.
AMP_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}
#: Valid values of ``TrainConfig.amp``.
AMP_MODES = ("auto", True, False)
#: bfloat16 must make a CPU step at least this much faster to be chosen.
MIN_SPEEDUP = 1.15
_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpuinfo_lines() -> list[str]:
    """Return the lines of ``/proc/cpuinfo`` (none where it cannot be read)."""
    try:
        return Path("/proc/cpuinfo").read_text(errors="replace").splitlines()
    except OSError:
        return []


def cpu_flags() -> set[str]:
    """Return the CPU's feature flags (from ``/proc/cpuinfo``; empty where it cannot be read)."""
    for line in cpuinfo_lines():
        if line.startswith(("flags", "Features")):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_has_bfloat16(flags: set[str] | None = None) -> bool:
    """Whether the CPU has native bfloat16 arithmetic (``avx512_bf16`` or ``amx_bf16``)."""
    flags = cpu_flags() if flags is None else flags
    return any(flag in flags for flag in _BF16_FLAGS)


def autocast(device: torch.device, dtype: torch.dtype | None):
    """Return an autocast context for ``dtype`` on ``device`` (a no-op context for ``None``)."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def time_training_steps(
    generator: nn.Module,
    discriminator: nn.Module | None,
    image_size: int,
    dtype: torch.dtype | None,
    device: torch.device,
    batch: int = 4,
    steps: int = 2,
    memory_format=torch.channels_last,
) -> float:
    """Return training steps per second of ``generator`` (and ``discriminator``) in ``dtype``.

    One warm-up step, then ``steps`` timed ones, each a forward and backward pass through both
    networks on random images with a center hole. Nothing of the run changes: no optimizer step,
    gradients cleared, batch-norm statistics restored, the global random generators untouched.
    """
    networks = [net for net in (generator, discriminator) if net is not None]
    buffers = [{name: value.clone() for name, value in net.named_buffers()} for net in networks]
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        rate = _timed_steps(generator, discriminator, image_size, dtype, device, batch, steps, memory_format)
    for net, saved in zip(networks, buffers):
        for name, value in net.named_buffers():
            value.copy_(saved[name])
        net.zero_grad(set_to_none=True)
    return rate


def _timed_steps(generator, discriminator, image_size, dtype, device, batch, steps, memory_format) -> float:
    from inpaintlib.models.base import center_hole_mask

    images = torch.rand(batch, 3, image_size, image_size, device=device).contiguous(memory_format=memory_format)
    masks = center_hole_mask(image_size, batch=batch, device=device).contiguous(memory_format=memory_format)

    def step():
        with autocast(device, dtype):
            prediction = generator(images, masks)
            loss = prediction.float().mean()
            if discriminator is not None:
                view = getattr(generator, "discriminator_view", None) or (lambda batch: batch)
                inpainted = images * (1 - masks) + prediction * masks
                loss = loss + discriminator(view(inpainted)).float().mean()
        loss.backward()

    step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return steps / max(time.perf_counter() - started, 1e-9)


def precision_cache_path() -> Path:
    """The JSON file that keeps measured speeds: ``$INPAINTLIB_CACHE`` or ``~/.cache/inpaintlib``."""
    root = os.environ.get("INPAINTLIB_CACHE") or Path.home() / ".cache" / "inpaintlib"
    return Path(root) / "precision.json"


def cpu_is_busy(threshold: float = 0.75) -> bool:
    """Whether the one-minute load average exceeds ``threshold`` runnable processes per core.

    A training job on every core of a 2-core machine gives a load near 2 (1.0 per core); this process
    waiting to time its steps adds nothing. ``False`` where the load average is unknown (Windows).
    """
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    return load > threshold * (os.cpu_count() or 1)


def _cache_key(generator: nn.Module, discriminator: nn.Module | None, image_size: int, device: torch.device) -> str:
    machine = f"{platform.processor()}|{platform.machine()}|{os.cpu_count()}|{torch.get_num_threads()}"
    networks = f"{generator!r}|{discriminator!r}|{image_size}|{device.type}|{torch.__version__}"
    digest = hashlib.sha256(f"{machine}|{' '.join(sorted(cpu_flags()))}|{networks}".encode()).hexdigest()
    return digest[:24]


def _read_cache(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, data: dict) -> None:
    from inpaintlib.checkpoints import atomic_write

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w") as stream:
            stream.write(json.dumps(data, indent=1, sort_keys=True))
    except OSError:
        pass  # a read-only home only costs the next run a new measurement


def choose_precision(
    mode,
    dtype_name: str | None,
    device: torch.device,
    generator: nn.Module,
    discriminator: nn.Module | None = None,
    image_size: int = 128,
    *,
    cache_path: str | os.PathLike | None = None,
    timer: Callable[..., float] = time_training_steps,
    flags: set[str] | None = None,
    busy: Callable[[], bool] | None = None,
) -> tuple[torch.dtype | None, dict]:
    """Return the autocast dtype for a run (``None``: plain float32) and a record of why.

    Parameters
    ----------
    mode : {"auto", True, False}
        ``TrainConfig.amp``: ``False`` is float32, ``True`` autocast in ``dtype_name`` (or the
        device's choice), ``"auto"`` measures as the module docstring says.
    dtype_name : {"bfloat16", "float16"} or None
        ``TrainConfig.amp_dtype``: the autocast type when ``mode`` is ``True``.
    device : torch.device
        Where the run trains.
    generator, discriminator : torch.nn.Module
        The networks of the run, already on ``device`` (timed in ``"auto"`` mode on a CPU).
    image_size : int
        The side of the training images.
    cache_path : path, optional
        Where measured speeds are kept (default :func:`precision_cache_path`).
    timer : callable
        ``timer(generator, discriminator, image_size, dtype, device) -> steps per second``
        (replaceable in tests).
    flags : set of str, optional
        The CPU's flags (default: :func:`cpu_flags`).
    busy : callable, optional
        ``busy() -> bool`` before timing: whether other work loads the cores, so that a measurement
        is not cached (default :func:`cpu_is_busy`).

    Returns
    -------
    (torch.dtype or None, dict)
        The dtype, and ``{"dtype": name, "reason": text, "speeds": {...} or None}`` for the
        run's history.
    """
    if mode not in AMP_MODES:
        raise ValueError(f"amp must be 'auto', True or False, got {mode!r}")
    if dtype_name is not None and dtype_name not in AMP_DTYPES:
        raise ValueError(f"amp_dtype must be one of {', '.join(AMP_DTYPES)} or None, got {dtype_name!r}")
    cuda_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    if mode is False:
        return None, {"dtype": "float32", "reason": "amp=False", "speeds": None}
    if mode is True:
        name = dtype_name or ("bfloat16" if device.type != "cuda" or cuda_bf16 else "float16")
        return AMP_DTYPES[name], {"dtype": name, "reason": "amp=True", "speeds": None}
    if device.type == "cuda":
        name = "bfloat16" if cuda_bf16 else "float16"
        return AMP_DTYPES[name], {"dtype": name, "reason": f"auto: CUDA GPU with {name} support", "speeds": None}
    if device.type != "cpu":
        return None, {"dtype": "float32", "reason": f"auto: float32 on {device.type}", "speeds": None}
    if not cpu_has_bfloat16(flags):
        return None, {"dtype": "float32", "reason": "auto: this CPU has no bfloat16 instructions", "speeds": None}
    path = Path(cache_path) if cache_path is not None else precision_cache_path()
    key = _cache_key(generator, discriminator, image_size, device)
    cache = _read_cache(path)
    speeds = cache.get(key)
    cached = isinstance(speeds, dict) and {"float32", "bfloat16"} <= set(speeds)
    source = "cached measurement"
    if not cached:
        loaded = (busy or cpu_is_busy)()
        speeds = {
            "float32": float(timer(generator, discriminator, image_size, None, device)),
            "bfloat16": float(timer(generator, discriminator, image_size, torch.bfloat16, device)),
        }
        source = "measured on a busy CPU, not cached" if loaded else "measured"
        if not loaded:
            cache[key] = speeds
            _write_cache(path, cache)
    speedup = speeds["bfloat16"] / max(speeds["float32"], 1e-12)
    if speedup >= MIN_SPEEDUP:
        reason = f"auto: bfloat16 {speedup:.2f}x as fast as float32 on this CPU ({source})"
        return torch.bfloat16, {"dtype": "bfloat16", "reason": reason, "speeds": speeds}
    reason = f"auto: bfloat16 only {speedup:.2f}x as fast as float32 on this CPU ({source}); float32 kept"
    return None, {"dtype": "float32", "reason": reason, "speeds": speeds}
