"""Devices, seeds and folders shared by every part of the library.

Taught in notebook 00 (``00_data.ipynb``); every notebook's settings cell calls it.

Notebooks, tests and the command line all resolve paths through this module,
never through relative paths such as ``../data`` (papermill, nbval and a
terminal each start in a different working folder).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

#: Environment variable naming a folder that holds a local dataset copy.
DATA_ENV = "INPAINTLIB_DATA"
#: Environment variable naming the folder where training runs are written.
RUNS_ENV = "INPAINTLIB_RUNS"
#: Environment variable that switches every notebook to its quick setting.
QUICK_ENV = "INPAINTLIB_QUICK"


def project_root() -> Path:
    """Return the folder that holds ``pyproject.toml`` (the repository root)."""
    return Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """Return the project's ``data/`` folder, where datasets are downloaded or linked."""
    return project_root() / "data"


def runs_dir(name: str | None = None) -> Path:
    """Return the folder for training runs (``runs/`` or ``$INPAINTLIB_RUNS``).

    Parameters
    ----------
    name : str, optional
        A sub-folder for one run, e.g. ``"center"``. It is created if missing.
    """
    root = Path(os.environ.get(RUNS_ENV) or project_root() / "runs")
    path = root / name if name else root
    path.mkdir(parents=True, exist_ok=True)
    return path


def quick_from_env(default: bool) -> bool:
    """Return the notebook's ``quick`` switch, overridden by ``$INPAINTLIB_QUICK`` when set.

    nbval cannot inject papermill parameters, so CI sets ``INPAINTLIB_QUICK=1``.
    """
    value = os.environ.get(QUICK_ENV)
    if value is None or value == "":
        return bool(default)
    return value.strip().lower() not in {"0", "false", "no", "off"}


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:1"`` into a :class:`torch.device`.

    ``"auto"`` picks CUDA when it is available, else the CPU. Asking for CUDA on
    a machine without it raises :class:`ValueError`.
    """
    if isinstance(device, torch.device):
        return device
    if device in (None, "", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"device={device!r} is not a device name (try 'auto', 'cpu' or 'cuda')") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for, but CUDA is not available on this machine")
    return resolved


def make_generator(seed: int | torch.Generator | None = None) -> torch.Generator:
    """Return a CPU :class:`torch.Generator` for ``seed`` (an existing generator is passed through).

    ``None`` gives a generator seeded from fresh entropy, so draws differ between calls.
    """
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"seed must be an int or a torch.Generator, got {type(seed).__name__}")
        generator.manual_seed(int(seed))
    return generator


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's global random generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# glibc's mallopt() parameters (malloc.h) and their defaults.
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4
_DEFAULT_TRIM_THRESHOLD, _DEFAULT_MMAP_MAX = 128 * 1024, 65536


def _glibc():
    """Return the C library as a :mod:`ctypes` handle when it is glibc, else None."""
    import ctypes
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


def reuse_freed_memory(enable: bool = True) -> bool:
    """Make this process keep the memory it frees, so the next training step reuses it.

    glibc serves every block larger than a few megabytes (a batch's activations are tens of
    megabytes each) from a fresh ``mmap`` and unmaps it when it is freed. A training step on
    the CPU therefore page-faults all of its activation memory in again, and the kernel zeroes
    every page: about 15 % of a Model 3 step (see ``BENCHMARKS.md``). With ``enable=True``
    large blocks come from the heap instead, and freed memory is kept for reuse rather than
    handed back; this is what the tcmalloc and jemalloc allocators, which PyTorch's CPU tuning
    guide suggests preloading, do too.

    The price is memory: freed blocks of different sizes fragment the heap, so the peak
    resident size grows (by about 0.4 GB for a Model 3 training step at batch 20), and the
    process keeps its peak until it ends. :class:`~inpaintlib.train.Trainer` turns it on for CPU
    training when asked (``TrainConfig(reuse_memory=True)``).

    Parameters
    ----------
    enable : bool
        ``True`` to keep freed memory, ``False`` to restore glibc's defaults (blocks already
        kept stay with the process).

    Returns
    -------
    bool
        Whether the setting took effect: ``False`` where the C library is not glibc (macOS,
        Windows, musl), in which case nothing changes.
    """
    libc = _glibc()
    if libc is None:
        return False
    if enable:
        settings = ((_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 2**31 - 1))
    else:
        settings = ((_M_MMAP_MAX, _DEFAULT_MMAP_MAX), (_M_TRIM_THRESHOLD, _DEFAULT_TRIM_THRESHOLD))
    return all(libc.mallopt(parameter, value) == 1 for parameter, value in settings)


def positive_int(name: str, value) -> int:
    """Return ``value`` as an ``int`` when it is a positive integer (not a bool); else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
