"""Epochs: training until the last epoch, early stopping, a time budget or a stop signal; validation.

Taught in notebook 03 (``03_center_block.ipynb``), where Model 1 trains for a few epochs and
early stopping and the best checkpoint are explained.

The :class:`_Epochs` part of :class:`~inpaintlib.train.Trainer` runs :meth:`fit`: each epoch
trains, validates on fixed masks, appends to the history and saves ``best.pt`` (when better),
``last.pt`` and the history, in that order.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from typing import TYPE_CHECKING, Callable

import torch

from inpaintlib.checkpoints import save_checkpoint
from inpaintlib.history import TERMS, History
from inpaintlib.train.state import TrainingDiverged, _InterruptGuard, _StopTraining

if TYPE_CHECKING:
    from inpaintlib.train.trainer import Trainer

__all__: list[str] = []


class _Epochs:
    """The epochs and :meth:`fit` of :class:`~inpaintlib.train.Trainer` (mixed into it)."""

    def _finite_or_raise(self, names: list[str], values: list[float], epoch: int, step: int) -> None:
        for name, value in zip(names, values):
            if not math.isfinite(value):
                saved = self.last_path if self.last_path.exists() else None
                where = f"the last good checkpoint is {saved}" if saved else "no checkpoint had been written yet"
                raise TrainingDiverged(
                    f"training diverged: the {name} loss became {value} at epoch {epoch}, step {step}; {where} "
                    "(try a lower lr_g/lr_d or a smaller grad_clip)"
                )

    def _train_epoch(self, epoch: int, deadline: float | None, guard: _InterruptGuard, bar_factory) -> dict:
        """Run the rest of epoch ``epoch`` (0-based); return its training sums, or raise :class:`_StopTraining`."""
        self.generator.train()
        if self.discriminator is not None:
            self.discriminator.train()
        if self._partial is None:
            self._partial = {"sums": torch.zeros(len(TERMS), dtype=torch.float64), "present": [False] * len(TERMS),
                             "count": 0, "seconds": 0.0}
        partial = self._partial
        started = time.perf_counter()
        seconds_before = partial["seconds"]
        loader = self.train_loader(epoch, self.step)
        total_steps = self.steps_per_epoch()
        bar = bar_factory(total=total_steps, initial=self.step, desc=f"epoch {epoch + 1}", leave=False)
        try:
            for images in loader:
                self._apply_lr_schedule(epoch, total_steps)
                masks = self._step_masks(epoch, self.step, images.shape[0])
                terms = self.train_step(images, masks)  # moves both to the device, in the networks' layout
                names = list(terms)
                values = torch.stack([terms[name] for name in names]).cpu().tolist()
                self._finite_or_raise(names, values, epoch + 1, self.step + 1)
                count = images.shape[0]
                for name, value in zip(names, values):
                    index = TERMS.index(name)
                    partial["sums"][index] += value * count
                    partial["present"][index] = True
                partial["count"] += count
                self.step += 1
                partial["seconds"] = seconds_before + time.perf_counter() - started
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(self._running(partial), refresh=False)
                if guard.requested:
                    raise KeyboardInterrupt
                # A budget never ends the run's first epoch: every budgeted run leaves a best.pt.
                budget_over = deadline is not None and len(self.history) > 0
                if budget_over and self.dist.any(time.monotonic() >= deadline, self.device):
                    if self.step < total_steps:
                        raise _StopTraining
        finally:
            if bar is not None:
                bar.close()
        return partial

    @staticmethod
    def _running(partial: dict) -> dict:
        count = max(partial["count"], 1)
        return {
            name: f"{partial['sums'][i].item() / count:.4g}"
            for i, name in enumerate(TERMS)
            if partial["present"][i] and name in ("rec", "adv", "disc")
        }

    def _averages(self, sums: torch.Tensor, present: list[bool], count: int) -> dict[str, float | None]:
        totals = torch.cat([sums.to(torch.float64), torch.tensor([float(count)], dtype=torch.float64)])
        if self.dist.enabled:
            totals = self.dist.all_reduce_sum(totals.to(self.device)).cpu()
        count = totals[-1].item()
        if count == 0:
            return {name: None for name in TERMS}
        return {name: (totals[i].item() / count if present[i] else None) for i, name in enumerate(TERMS)}

    @torch.no_grad()
    def validate(self) -> dict[str, float | None]:
        """Average every loss term over the validation set, each image with its fixed mask."""
        if self.val_data is None:
            return {name: None for name in TERMS}
        self.generator.eval()
        if self.discriminator is not None:
            self.discriminator.eval()
        sums = torch.zeros(len(TERMS), dtype=torch.float64)
        present = [False] * len(TERMS)
        count = 0
        try:
            for images, masks in self._val_batches():
                images, masks = self._layout(images), self._layout(masks)
                with self._autocast():
                    prediction = self.generator(images, masks)
                prediction = prediction.float()
                fake = images * (1 - masks) + prediction * masks
                fake_logits = None
                terms = {}
                if self.config.adversarial:
                    with self._autocast():
                        real_logits = self.discriminator(self._view(images)).float()
                        fake_logits = self.discriminator(self._view(fake)).float()
                    terms["disc"] = self.discriminator_loss(real_logits, fake_logits)
                with self._autocast():
                    total, parts = self._generator_loss(prediction, images, masks, fake_logits)
                terms["total"] = total
                terms.update(parts)
                if self.config.adversarial and "adv" not in terms:
                    terms["adv"] = self.adversarial_loss(fake_logits)
                names = list(terms)
                values = torch.stack([torch.as_tensor(terms[n]).float() for n in names]).cpu().tolist()
                for name, value in zip(names, values):
                    index = TERMS.index(name)
                    sums[index] += value * images.shape[0]
                    present[index] = True
                count += images.shape[0]
        finally:
            self.generator.train()
            if self.discriminator is not None:
                self.discriminator.train()
        if self.dist.enabled:
            flags = torch.tensor([float(p) for p in present], device=self.device)
            present = [bool(v > 0) for v in self.dist.all_reduce_sum(flags).tolist()]
        return self._averages(sums, present, count)

    def _bar_factory(self):
        if not (self.progress and self.dist.is_main):
            return lambda **kwargs: None
        from tqdm.auto import tqdm

        def make(**kwargs):
            kwargs.setdefault("unit", "step")
            return tqdm(dynamic_ncols=True, **kwargs)

        return make

    def fit(
        self,
        epochs: int | None = None,
        max_minutes: float | None = None,
        resume_from: str | os.PathLike | None = None,
        on_epoch_end: Callable[["Trainer"], None] | None = None,
    ) -> History:
        """Train until ``epochs`` epochs are done, early stopping, or the time budget; return the history.

        Parameters
        ----------
        epochs : int, optional
            The total number of epochs the run should reach (``config.epochs`` when ``None``); a
            resumed run counts the epochs it already has.
        max_minutes : float, optional
            A time budget: training stops at the end of the first step past it, saves ``last.pt``
            (from which the run can be resumed exactly) and returns. The first epoch with a
            validation score always finishes, so a budgeted run always leaves ``best.pt``.
        resume_from : str or Path, optional
            Continue from this checkpoint first (see :meth:`load_state`).
        on_epoch_end : callable, optional
            Called as ``on_epoch_end(trainer)`` after each epoch is validated and saved (e.g. to
            score the model on held-out photos as it trains; notebook 07 draws PSNR against
            minutes this way). Its time does not count against ``max_minutes`` (nor along a
            time-based learning-rate schedule), so the run trains as long as one without it.

        Returns
        -------
        History
            Also saved as ``history.json``/``history.csv`` in ``out_dir`` after every epoch.

        Raises
        ------
        TrainingDiverged
            When a loss becomes NaN or infinite (the checkpoints on disk are left as they were).
        KeyboardInterrupt
            Re-raised after ``last.pt`` has been saved.
        """
        if resume_from is not None:
            self.load_state(resume_from)
        target, deadline = self._plan_fit(epochs, max_minutes)
        history = self.history
        history.stop_reason = None
        if self.val_data is not None and history.should_stop(self.config.patience):
            history.stopped_early = True
            history.stop_reason = "early stopping"
            self._note(
                f"this run already stopped early (no better validation loss for {history.epochs_without_improvement}"
                f" epochs, patience={self.config.patience}); raise patience to continue"
            )
            return history
        history.stopped_early = False
        bar_factory = self._bar_factory()
        epoch_bar = bar_factory(total=target, initial=min(self.epoch, target), desc="training", unit="epoch")
        with _InterruptGuard(announce=self.dist.is_main) as guard:
            try:
                while self.epoch < target:
                    epoch = self.epoch
                    try:
                        partial = self._train_epoch(epoch, deadline, guard, bar_factory)
                    except _StopTraining:
                        history.stop_reason = "time budget"
                        self._save_everything(best=False, guard=guard)
                        break
                    val = self._end_epoch(history, epoch, partial, guard)
                    if on_epoch_end is not None:
                        deadline = self._call_outside_budget(on_epoch_end, deadline)
                    if epoch_bar is not None:
                        epoch_bar.update(1)
                        shown = {k: f"{v:.4g}" for k, v in val.items() if v is not None and k in ("total", "rec")}
                        epoch_bar.set_postfix(shown, refresh=False)
                    if history.stopped_early or self._out_of_time(history, target, deadline):
                        break
            except KeyboardInterrupt:
                history.stop_reason = "interrupted"
                if self.dist.is_main:
                    with guard.saving():
                        save_checkpoint(self.last_path, **self.checkpoint_parts())
                        history.save(self.out_dir)
                raise
            finally:
                if epoch_bar is not None:
                    epoch_bar.close()
        return history

    def _call_outside_budget(self, callback: Callable[["Trainer"], None], deadline: float | None) -> float | None:
        """Call ``callback(self)``; its time counts neither against the budget nor along the schedule."""
        started = time.monotonic()
        callback(self)
        paused = time.monotonic() - started
        if self._span is not None:
            start, budget, first_epoch, target = self._span
            self._span = (start + paused, budget, first_epoch, target)
        return None if deadline is None else deadline + paused

    def _plan_fit(self, epochs: int | None, max_minutes: float | None) -> tuple[int, float | None]:
        """Check :meth:`fit`'s arguments and start the schedule's span; return the target epoch and the deadline."""
        target = self.config.epochs if epochs is None else int(epochs)
        if target < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if max_minutes is not None and (not isinstance(max_minutes, (int, float)) or max_minutes <= 0):
            raise ValueError(f"max_minutes must be a positive number of minutes, got {max_minutes!r}")
        deadline = None if max_minutes is None else time.monotonic() + 60.0 * float(max_minutes)
        budget = None if max_minutes is None else 60.0 * float(max_minutes)
        self._span = (time.monotonic(), budget, self.epoch, target)
        return target, deadline

    def _end_epoch(self, history: History, epoch: int, partial: dict, guard: _InterruptGuard) -> dict:
        """Validate epoch ``epoch``, add it to ``history`` and save the files; return the validation averages."""
        started = time.perf_counter()
        train = self._averages(partial["sums"], partial["present"], partial["count"])
        val = self.validate()
        measured = {f"validation {name}": value for name, value in val.items() if value is not None}
        self._finite_or_raise(list(measured), list(measured.values()), epoch + 1, self.step)
        seconds = partial["seconds"] + time.perf_counter() - started
        improved = history.append(train, val, seconds=seconds, steps=self.step)
        self.epoch, self.step, self._partial = epoch + 1, 0, None
        if self.val_data is not None and history.should_stop(self.config.patience):
            history.stopped_early = True
            history.stop_reason = "early stopping"
        self._save_everything(best=improved, guard=guard)
        return val

    def _out_of_time(self, history: History, target: int, deadline: float | None) -> bool:
        """Whether the budget ran out before the last epoch (then the history is saved)."""
        if deadline is not None and self.epoch < target and time.monotonic() >= deadline:
            history.stop_reason = "time budget"
            if self.dist.is_main:
                history.save(self.out_dir)
            return True
        return False

    def _save_everything(self, best: bool, guard: _InterruptGuard | None = None) -> None:
        """Write ``best.pt`` (when ``best``), then ``last.pt``, then the history, from rank 0; every process waits.

        The best checkpoint goes first: a kill at any point leaves the previous files, or a
        ``best.pt`` newer than ``last.pt`` or the history, from which a resume continues and
        repairs the others. A stop signal during the writes waits until they are complete.
        """
        if self.dist.is_main:
            parts = self.checkpoint_parts()
            with guard.saving() if guard is not None else contextlib.nullcontext():
                if best:
                    save_checkpoint(self.best_path, **parts)
                save_checkpoint(self.last_path, **parts)
                self.history.save(self.out_dir)
        self.dist.barrier()
