"""What a resume restores and what stops a run: random-generator states, stop signals, divergence.

Taught in notebook 03 (``03_center_block.ipynb``), where a run is stopped and resumed.

:func:`_rng_state` and :func:`_set_rng_state` carry the global generators through a checkpoint;
:class:`_InterruptGuard` lets Ctrl-C or SIGTERM finish the current step and never interrupts a
checkpoint being written; :class:`TrainingDiverged` names the step where a loss stopped being finite.
"""

from __future__ import annotations

import contextlib
import random
import signal
import threading
from typing import Mapping

import numpy as np
import torch

__all__ = ["STOP_SIGNALS", "TrainingDiverged"]


class TrainingDiverged(ValueError):
    """A loss became NaN or infinite; the message names the epoch, the step and the last good checkpoint."""


class _StopTraining(Exception):
    """Internal: the time budget ran out at the end of a step."""


# --------------------------------------------------------------------------- RNG states


def _rng_state(device: torch.device) -> dict:
    """Return the global random generators' states as tensors and plain values."""
    version, keys, gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "python": torch.tensor(keys, dtype=torch.int64),
        "python_version": int(version),
        "python_gauss": gauss,
        "numpy": torch.from_numpy(np.asarray(np_keys, dtype=np.int64)),
        "numpy_pos": int(np_pos),
        "numpy_has_gauss": int(np_has_gauss),
        "numpy_gauss": float(np_gauss),
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: Mapping, device: torch.device) -> None:
    """Restore what :func:`_rng_state` returned."""
    torch.set_rng_state(state["torch"].to(torch.uint8).cpu())
    random.setstate((state["python_version"], tuple(int(k) for k in state["python"].tolist()), state["python_gauss"]))
    np.random.set_state(
        (
            "MT19937",
            state["numpy"].numpy().astype(np.uint32),
            state["numpy_pos"],
            state["numpy_has_gauss"],
            state["numpy_gauss"],
        )
    )
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"].to(torch.uint8).cpu(), device)


# --------------------------------------------------------------------------- interrupts


#: The signals that stop training cleanly: Ctrl-C, and SIGTERM (what a cluster scheduler or
#: ``docker stop`` sends).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


class _InterruptGuard:
    """Let the current training step finish when Ctrl-C or SIGTERM arrives; a second one stops at once.

    While a checkpoint is being written (inside :meth:`saving`), a second signal only takes
    effect once the file is complete, so a stop never leaves a half-written checkpoint or an
    error from the zip writer.
    """

    def __init__(self, announce: bool = True) -> None:
        self.requested = False
        self.announce = announce
        self._previous: dict = {}
        self._saving = False
        self._deferred = False

    def _say(self, text: str) -> None:
        if self.announce:
            print(text, flush=True)

    def _handler(self, signum, frame):
        name = signal.Signals(signum).name
        if not self.requested:
            self.requested = True
            self._say(f"\n{name}: finishing this step, then saving last.pt (send it again to stop at once)")
        elif self._saving:
            self._deferred = True
            self._say(f"\n{name}: stopping as soon as the checkpoint being written is complete")
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def saving(self):
        """Hold back a stop until the files written in this block are complete."""
        self._saving = True
        try:
            yield
        finally:
            self._saving = False
        if self._deferred:
            self._deferred = False
            raise KeyboardInterrupt

    def __enter__(self) -> "_InterruptGuard":
        if threading.current_thread() is threading.main_thread():
            for number in STOP_SIGNALS:
                try:
                    self._previous[number] = signal.signal(number, self._handler)
                except (ValueError, OSError):  # not allowed here (embedded interpreters)
                    pass
        return self

    def __exit__(self, *exc) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        self._previous = {}
