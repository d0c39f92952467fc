"""One training step: the discriminator's half-batches, the generator's joint loss, the batches.

Taught in notebook 03 (``03_center_block.ipynb``), which follows one step of Model 1 line by line.

The :class:`_Steps` part of :class:`~inpaintlib.train.Trainer` builds each epoch's batches and
masks, sets the learning-rate schedule and takes one discriminator step and one generator step.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Mapping

import torch
from torch import nn
from torch.utils.data import BatchSampler, DataLoader
from torch.utils.data.distributed import DistributedSampler

from inpaintlib.data.loaders import set_epoch
from inpaintlib.history import TERMS
from inpaintlib.train.batches import FixedMaskDataset, _collate_images, _IndexSampler, _mix
from inpaintlib.train.config import _COSINE_FLOOR, TrainConfig

__all__: list[str] = []


class _DiscriminatorObjective(nn.Module):
    """One half of the discriminator's loss: BCE of its logits on real (label 1) or inpainted (0) views.

    The discriminator's loss ``BCE(D(real), 1) + BCE(D(fake), 0)`` (what
    :func:`inpaintlib.losses.discriminator_loss` returns) is taken as two forward/backward passes,
    one per half, so only one batch of discriminator activations is held at a time. Wrapping this
    module in DistributedDataParallel gives one forward per backward.
    """

    def __init__(self, discriminator: nn.Module) -> None:
        super().__init__()
        self.discriminator = discriminator

    def forward(self, views: torch.Tensor, real: bool) -> torch.Tensor:
        from inpaintlib.losses import adversarial_loss

        return adversarial_loss(self.discriminator(views).float(), real=real)


def _default_loss(config: TrainConfig) -> nn.Module:
    """Return the :class:`inpaintlib.losses.JointLoss` that ``config`` describes."""
    from inpaintlib import losses

    return losses.JointLoss(
        rec_weight=config.rec_weight,
        adv_weight=config.adv_weight if config.adversarial else 0.0,
        style_weight=config.style_weight,
        region=config.region,
        norm=config.rec_norm,
        per_image=config.rec_per_image,
    )


def _split_loss_output(output) -> tuple[torch.Tensor, dict]:
    """Return ``(total, terms)`` from a joint loss's output (a tuple, or a dict with ``"total"``)."""
    if isinstance(output, tuple) and len(output) == 2 and isinstance(output[1], Mapping):
        total, terms = output
    elif isinstance(output, Mapping) and "total" in output:
        total, terms = output["total"], output
    elif isinstance(output, torch.Tensor):
        total, terms = output, {}
    elif hasattr(output, "as_tensors"):
        terms = dict(output.as_tensors())
        total = terms["total"]
    else:
        total = getattr(output, "total", None)
        terms = getattr(output, "terms", None)
        if not isinstance(total, torch.Tensor):
            raise TypeError(f"the loss function returned {type(output).__name__}; expected (total, terms)")
        terms = dict(terms or {})
    terms = {name: value for name, value in dict(terms).items() if name in TERMS and name != "total"}
    return total, terms


class _Steps:
    """The batches and the step of :class:`~inpaintlib.train.Trainer` (mixed into it)."""

    def train_loader(self, epoch: int = 0, skip_steps: int = 0) -> DataLoader:
        """Return this process's batches of ``epoch``, leaving out the first ``skip_steps`` steps."""
        sampler = DistributedSampler(
            self.train_data,
            num_replicas=self.dist.world_size,
            rank=self.dist.rank,
            shuffle=True,
            seed=_mix(self.config.seed, "shuffle") % 2**31,
            drop_last=True,
        )
        sampler.set_epoch(epoch)
        set_epoch(self.train_data, epoch)  # new random crops every epoch, the same on a resume
        indices = list(sampler)[skip_steps * self.config.batch_size :]
        batches = BatchSampler(_IndexSampler(indices), self.config.batch_size, drop_last=self.config.batch_size > 1)
        return self._loader(self.train_data, batches, _collate_images, epoch)

    def _loader(self, dataset, batch_sampler, collate, epoch) -> DataLoader:
        workers = self.config.num_workers
        generator = torch.Generator().manual_seed(_mix(self.config.seed, "workers", epoch, self.dist.rank))
        return DataLoader(
            dataset,
            batch_sampler=batch_sampler,
            collate_fn=collate,
            num_workers=workers,
            pin_memory=self.device.type == "cuda",
            generator=generator,
            persistent_workers=False,
        )

    def steps_per_epoch(self) -> int:
        """Training steps each process takes per epoch."""
        per_process = len(self.train_data) // self.dist.world_size if self.dist.enabled else len(self.train_data)
        size = self.config.batch_size
        return per_process // size if size > 1 else per_process

    def _val_batches(self) -> DataLoader:
        dataset = FixedMaskDataset(self.val_data, self.mask_sampler, self.config.seed)
        indices = range(self.dist.rank, len(dataset), self.dist.world_size)
        size = self.config.val_batch_size or self.config.batch_size
        batches = BatchSampler(_IndexSampler(indices), size, drop_last=False)

        def collate(items):
            return torch.stack([image for image, _ in items]), torch.stack([mask for _, mask in items])

        return self._loader(dataset, batches, collate, 0)

    def _apply_lr_schedule(self, epoch: int, total_steps: int) -> None:
        """Set both optimizers' learning rates for the next step (see ``TrainConfig.lr_schedule``)."""
        if self.config.lr_schedule == "constant" or self._span is None:
            return
        started, budget, first_epoch, target = self._span
        done = (epoch - first_epoch + self.step / max(total_steps, 1)) / max(target - first_epoch, 1)
        if budget is not None:
            done = max(done, (time.monotonic() - started) / budget)
        factor = _COSINE_FLOOR + (1 - _COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * min(done, 1.0)))
        for optimizer, lr in ((self.optimizer_g, self.config.lr_g), (self.optimizer_d, self.config.lr_d)):
            if optimizer is not None:
                # Each group decays from its own starting rate (saved with the optimizer's state, so a resumed
                # run goes on from it); the first group's is the configured one.
                for index, group in enumerate(optimizer.param_groups):
                    group["lr"] = group.setdefault("initial_lr", lr if index == 0 else group["lr"]) * factor

    def _step_masks(self, epoch: int, step: int, count: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(_mix(self.config.seed, "masks", epoch, self.dist.rank, step))
        return self.mask_sampler.sample(count, generator=generator)

    # ------------------------------------------------------------------ one step

    def _set_discriminator_trainable(self, trainable: bool) -> None:
        """Switch the discriminator's gradients on (its step) or off (the generator's step)."""
        for parameter in self._d_parameters:
            parameter.requires_grad_(trainable)

    def _clip_and_step(self, loss, optimizer, scaler, parameters, zero_grad: bool = True) -> None:
        if zero_grad:
            optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if self.config.grad_clip is not None:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(parameters, self.config.grad_clip)
        scaler.step(optimizer)
        scaler.update()

    def _generator_loss(self, prediction, images, masks, fake_logits) -> tuple[torch.Tensor, dict]:
        """The joint loss and its parts, leaving out terms this run does not compute."""
        total, parts = _split_loss_output(self.loss_fn(prediction, images, masks, fake_logits))
        if not self.config.adversarial:
            parts.pop("adv", None)
        if self.config.style_weight == 0:
            parts.pop("style", None)
        return total, parts

    def train_step(self, images: torch.Tensor, masks: torch.Tensor) -> dict[str, torch.Tensor]:
        """Take one discriminator step and one generator step; return the detached loss terms.

        Parameters
        ----------
        images : torch.Tensor
            ``(N, 3, S, S)`` in ``[0, 1]`` (moved to :attr:`device` and its memory layout here).
        masks : torch.Tensor
            ``(N, 1, S, S)``, 1 = missing pixel (moved likewise).

        Returns
        -------
        dict of str to torch.Tensor
            ``total``, ``rec`` (and ``adv``, ``disc``, ``style`` when computed) as 0-d tensors.

        Notes
        -----
        The discriminator learns first, on real views and on views of the inpainted images
        (``compose(images, prediction, masks)``, detached), one half after the other so only one
        batch of its activations is held at a time. The generator then learns from the joint loss,
        with the updated discriminator judging the same inpainted images; the discriminator's own
        weights get no gradients in that pass.
        """
        config = self.config
        images, masks = self._layout(images), self._layout(masks)
        with self._autocast():
            prediction = self._g_step_module(images, masks)
        prediction = prediction.float()
        fake = images * (1 - masks) + prediction * masks
        terms: dict[str, torch.Tensor] = {}
        fake_logits = None
        if config.adversarial:
            self._set_discriminator_trainable(True)
            # Real and inpainted halves one after the other: half the activation memory of one pass.
            self.optimizer_d.zero_grad(set_to_none=True)
            accumulate = self._d_step_module.no_sync() if self.dist.enabled else contextlib.nullcontext()
            with accumulate:
                with self._autocast():
                    disc_real = self._d_step_module(self._view(images), True)
                self.scaler_d.scale(disc_real).backward()
            with self._autocast():
                disc_fake = self._d_step_module(self._view(fake.detach()), False)
            disc = disc_real.detach() + disc_fake.detach()
            self._clip_and_step(disc_fake, self.optimizer_d, self.scaler_d, self._d_parameters, zero_grad=False)
            self._set_discriminator_trainable(False)
            with self._autocast():
                fake_logits = self.discriminator(self._view(fake))
            fake_logits = fake_logits.float()
            terms["disc"] = disc.detach().float()
        with self._autocast():
            total, parts = self._generator_loss(prediction, images, masks, fake_logits)
        total = total.float()
        parameters = [parameter for group in self.optimizer_g.param_groups for parameter in group["params"]]
        self._clip_and_step(total, self.optimizer_g, self.scaler_g, parameters)
        if config.adversarial:
            self._set_discriminator_trainable(True)
        terms["total"] = total.detach().float()
        for name, value in parts.items():
            terms[name] = torch.as_tensor(value).detach().float()
        if config.adversarial and "adv" not in terms and fake_logits is not None:
            terms["adv"] = self.adversarial_loss(fake_logits.detach())
        return terms
