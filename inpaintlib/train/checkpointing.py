"""The trainer's checkpoints: what they hold, loading one, and resuming a run exactly.

Taught in notebook 03 (``03_center_block.ipynb``), where a run resumes from ``last.pt`` and the best
epoch's weights come back from ``best.pt``.

The :class:`_Checkpointing` part of :class:`~inpaintlib.train.Trainer` writes and reads
checkpoints (see :mod:`inpaintlib.checkpoints` for the file format) and, on ``resume=True``,
makes ``best.pt``, ``last.pt`` and the history agree after a kill.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Mapping

from inpaintlib.checkpoints import CheckpointError, atomic_write, load_checkpoint, save_checkpoint
from inpaintlib.history import History
from inpaintlib.train.config import _plain
from inpaintlib.train.state import _rng_state, _set_rng_state

__all__: list[str] = []


class _Checkpointing:
    """The checkpoints of :class:`~inpaintlib.train.Trainer` (mixed into it)."""

    def _generator_options(self) -> dict:
        """The generator's own constructor options (see ``InpaintingModel.constructor_options``)."""
        options = getattr(self.generator, "constructor_options", None)
        return _plain(options()) if callable(options) else {}

    def checkpoint_parts(self, include_partial: bool = True) -> dict:
        """Return everything a checkpoint holds (see :mod:`inpaintlib.checkpoints`)."""
        mask_kinds = getattr(self.mask_sampler, "weights", None)
        if mask_kinds is None:
            mask_kinds = self.config.mask_kinds
        parts = {
            "model_name": str(self.model_name),
            "model_options": {**self._generator_options(), **self.model_options},
            "image_size": self.image_size,
            "mask_kinds": _plain(mask_kinds) if mask_kinds is not None else None,
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict() if self.discriminator is not None else None,
            "optimizer_g": self.optimizer_g.state_dict(),
            "optimizer_d": self.optimizer_d.state_dict() if self.optimizer_d is not None else None,
            "scaler_g": self.scaler_g.state_dict() if self.scaler_g.is_enabled() else None,
            "scaler_d": self.scaler_d.state_dict() if self.scaler_d.is_enabled() else None,
            "epoch": int(self.epoch),
            "step": int(self.step) if include_partial else 0,
            "partial": self._partial if include_partial else None,
            "history": self.history.to_dict(),
            "config": self.config.to_dict(),
            "rng": _rng_state(self.device),
            "world_size": int(self.dist.world_size),
        }
        return parts

    def save(self, path: str | os.PathLike | None = None) -> Path | None:
        """Write a checkpoint of the current state (rank 0 only) and return its path."""
        path = Path(path) if path is not None else self.last_path
        if not self.dist.is_main:
            return None
        return save_checkpoint(path, **self.checkpoint_parts())

    def load_state(self, path: str | os.PathLike, checkpoint: Mapping | None = None) -> None:
        """Continue from a checkpoint: weights, optimizer states, history, RNG states and position.

        Parameters
        ----------
        path : str or Path
            The checkpoint file.
        checkpoint : dict, optional
            Its entries, when already read with :func:`~inpaintlib.checkpoints.load_checkpoint`.

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            If it is not an inpaintlib checkpoint or belongs to another model.
        """
        if checkpoint is None:
            checkpoint = load_checkpoint(path, map_location="cpu")
        if checkpoint["model_name"] != str(self.model_name):
            raise ValueError(
                f"{path} holds model {checkpoint['model_name']!r}, but this trainer trains {self.model_name!r}"
            )
        try:
            self.generator.load_state_dict(checkpoint["generator"])
            if self.discriminator is not None and checkpoint.get("discriminator") is not None:
                self.discriminator.load_state_dict(checkpoint["discriminator"])
            self.optimizer_g.load_state_dict(checkpoint["optimizer_g"])
            if self.optimizer_d is not None and checkpoint.get("optimizer_d") is not None:
                self.optimizer_d.load_state_dict(checkpoint["optimizer_d"])
        except (RuntimeError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
            raise ValueError(f"{path} does not fit this trainer's networks or optimizers: {error}") from error
        if checkpoint.get("scaler_g") and self.scaler_g.is_enabled():
            self.scaler_g.load_state_dict(checkpoint["scaler_g"])
        if checkpoint.get("scaler_d") and self.scaler_d.is_enabled():
            self.scaler_d.load_state_dict(checkpoint["scaler_d"])
        saved = checkpoint.get("config") or {}
        changed = [
            name
            for name in ("batch_size", "lr_g", "lr_d", "rec_weight", "adv_weight", "style_weight", "region", "seed")
            if name in saved and saved[name] != getattr(self.config, name)
        ]
        if changed:
            self._note(f"resuming {path} with changed settings {changed}: the run will not match an uninterrupted one")
        self.history = History.from_dict(checkpoint["history"])
        self.history.monitor, self.history.min_delta = self.config.monitor, self.config.min_delta
        self.history.stop_reason = None
        self.epoch = int(checkpoint["epoch"])
        self.step = int(checkpoint.get("step") or 0)
        self._partial = checkpoint.get("partial")
        rng = checkpoint.get("rng")
        if rng and int(checkpoint.get("world_size", 1)) == self.dist.world_size and self.dist.is_main:
            _set_rng_state(rng, self.device)
        self.generator.train()

    def _resume_source(self) -> tuple[Path, dict] | None:
        """Return the newer of ``last.pt`` and ``best.pt`` (by epoch and step) with its entries, or ``None``.

        ``best.pt`` is written before ``last.pt``, so a run killed between the two continues from
        ``best.pt``, which is then the newer one. An unreadable ``best.pt`` is passed over (the
        repair rewrites or forgets it); an unreadable ``last.pt`` is an error.
        """
        found = []
        for path in (self.last_path, self.best_path):
            if not path.exists():
                continue
            try:
                checkpoint = load_checkpoint(path, map_location="cpu")
            except CheckpointError as error:
                if path == self.last_path:
                    raise CheckpointError(f"{error} (move it away to resume from {self.best_path.name})") from error
                self._note(f"{path} cannot be used ({error})")
                continue
            found.append(((int(checkpoint.get("epoch") or 0), int(checkpoint.get("step") or 0)), path, checkpoint))
        if not found:
            return None
        _, path, checkpoint = max(found, key=lambda item: item[0])  # ties keep last.pt
        self._best_on_disk = next((c.get("epoch") for _, p, c in found if p == self.best_path), None)
        return path, checkpoint

    def _copy_checkpoint(self, source: Path, target: Path) -> None:
        with open(source, "rb") as stream, atomic_write(target, "wb") as copy:
            shutil.copyfileobj(stream, copy)

    def _repair_run(self, source: Path) -> None:
        """Make ``last.pt``, ``best.pt`` and the history agree after a resume from ``source`` (rank 0 writes).

        The history in the resumed checkpoint is the record: ``last.pt`` is brought up to date when
        ``best.pt`` was newer, ``best.pt`` is rewritten from the resumed checkpoint when that is the
        best epoch's, and the history forgets a best epoch whose weights are gone.
        """
        if not self.dist.is_main:
            return
        history = self.history
        on_disk = getattr(self, "_best_on_disk", None)
        if source == self.best_path:
            self._copy_checkpoint(self.best_path, self.last_path)
        if history.best_epoch is not None and history.best_epoch != on_disk:
            if self.epoch == history.best_epoch and self.step == 0:
                self._copy_checkpoint(source, self.best_path)
            else:
                kept = on_disk if on_disk is not None and on_disk <= len(history) else None
                self._note(
                    f"{self.best_path} holds epoch {on_disk} but the history's best is epoch {history.best_epoch}, "
                    f"whose weights are gone: the history now names epoch {kept} as the best"
                )
                history.best_epoch = kept
                history.best_value = history.val(history.monitor)[kept - 1] if kept else None
        try:
            saved = History.load(self.out_dir)
            current = saved.to_dict()["records"] == history.to_dict()["records"] and saved.best_epoch == history.best_epoch
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            current = False
        if not current:
            history.save(self.out_dir)
