"""The :class:`Trainer`: a generator against its discriminator, set up in small steps; ``train_model``.

Taught in notebook 03 (``03_center_block.ipynb``), which trains with :func:`train_model`, and notebook 04
(``04_random_blocks_and_regions.ipynb``), which builds a :class:`Trainer` itself.

:class:`Trainer` brings its parts together: :class:`~inpaintlib.train.steps._Steps` (batches and
one step), :class:`~inpaintlib.train.epochs._Epochs` (:meth:`Trainer.fit` and validation) and
:class:`~inpaintlib.train.checkpointing._Checkpointing` (saving, loading, resuming). Its
constructor checks the arguments, then sets up the device and processes, the networks and losses,
the optimizers, the precision, the masks and data, and the run's state, in that order.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Callable, Mapping

import torch
from torch import nn
from torch.utils.data import Dataset

from inpaintlib.history import History
from inpaintlib.runs import RunFolder
from inpaintlib.precision import autocast, choose_precision
from inpaintlib.runtime import resolve_device, reuse_freed_memory, runs_dir
from inpaintlib.train.batches import _image_of
from inpaintlib.train.checkpointing import _Checkpointing
from inpaintlib.train.config import TrainConfig, _plain
from inpaintlib.train.distributed import DistributedContext
from inpaintlib.train.epochs import _Epochs
from inpaintlib.train.steps import _default_loss, _DiscriminatorObjective, _Steps

__all__ = ["Trainer", "train_model"]


class Trainer(_Checkpointing, _Epochs, _Steps):
    """Train an inpainting generator against its discriminator.

    Parameters
    ----------
    generator : torch.nn.Module
        Follows the generator contract: ``generator(image, mask) -> prediction`` (full size, in
        ``[0, 1]``), ``generator.image_size`` and, optionally, ``generator.discriminator_view``.
    discriminator : torch.nn.Module or None
        Returns real/fake logits for ``generator.discriminator_view(images)``. ``None`` is
        allowed only with ``config.adversarial=False``.
    train_data, val_data : torch.utils.data.Dataset
        Datasets yielding ``(3, S, S)`` float tensors in ``[0, 1]`` (``S = generator.image_size``).
        ``val_data`` may be ``None``: then there is no best checkpoint and no early stopping.
    config : TrainConfig, optional
        The recipe; the report's defaults when ``None``.
    out_dir : str or Path, optional
        Where checkpoints and the history go (``runs/<model_name>`` by default).
    mask_sampler : inpaintlib.masks.MaskSampler, optional
        Draws the training masks; one is built from ``config.mask_kinds`` when ``None``.
    device : str or torch.device
        ``"auto"`` uses CUDA when present. Under ``torchrun`` with CUDA, each process takes the GPU
        ``LOCAL_RANK``.
    resume : bool or str or Path
        ``True`` continues from ``out_dir/last.pt`` when it exists (from ``best.pt`` when a kill left
        that one newer) and makes ``best.pt``, ``last.pt`` and the history agree; a path continues
        from that file.
    model_name : str, optional
        The name :func:`inpaintlib.models.build_model` knows this generator by, stored in the
        checkpoints so :func:`inpaintlib.checkpoints.load_generator` can rebuild it.
    model_options : dict, optional
        The options the generator was built with.
    loss_fn : callable, optional
        ``loss_fn(prediction, target, mask, fake_logits) -> (total, {"rec": ..., "adv": ..., "style": ...})``;
        :class:`inpaintlib.losses.JointLoss` from ``config`` when ``None``.
    progress : bool
        Show ``tqdm`` progress bars with the running losses.

    Examples
    --------
    >>> from inpaintlib.models import build_model, build_discriminator
    >>> from inpaintlib.data import load_dataset
    >>> split = load_dataset("sample", size=128)
    >>> trainer = Trainer(build_model("center"), build_discriminator("center"), split.train, split.val,
    ...                   TrainConfig(epochs=2, batch_size=8), out_dir="runs/demo", model_name="center")
    >>> history = trainer.fit()  # doctest: +SKIP
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module | None,
        train_data: Dataset,
        val_data: Dataset | None,
        config: TrainConfig | None = None,
        out_dir: str | os.PathLike | None = None,
        mask_sampler=None,
        device: str | torch.device = "auto",
        *,
        resume: bool | str | os.PathLike = False,
        model_name: str | None = None,
        model_options: Mapping | None = None,
        loss_fn: Callable | None = None,
        progress: bool = True,
    ) -> None:
        self.config = config if config is not None else TrainConfig()
        self._check_arguments(generator, discriminator, train_data)
        self.progress = bool(progress)
        self.model_name = model_name or getattr(generator, "model_name", None) or type(generator).__name__
        self.model_options = _plain(dict(model_options or {}))
        self.image_size = int(getattr(generator, "image_size", _image_of(train_data[0]).shape[-1]))
        self._set_up_device(device)
        self._set_up_networks(generator, discriminator, loss_fn)
        self._set_up_optimizers()
        precision = self._set_up_precision()
        self._set_up_processes()
        self._set_up_data(mask_sampler, train_data, val_data)
        self._set_up_state(out_dir, precision)
        if resume:
            self._resume(resume, precision)

    # ------------------------------------------------------------------ setting up

    def _check_arguments(self, generator, discriminator, train_data) -> None:
        """Refuse a config, generator, discriminator or training set the trainer cannot use."""
        config = self.config
        if not isinstance(config, TrainConfig):
            raise ValueError(f"config must be a TrainConfig, got {type(config).__name__}")
        if not isinstance(generator, nn.Module):
            raise ValueError(f"generator must be a torch.nn.Module, got {type(generator).__name__}")
        if config.adversarial and discriminator is None:
            raise ValueError("discriminator is None but config.adversarial=True; pass one or set adversarial=False")
        if train_data is None or len(train_data) == 0:
            raise ValueError("train_data is empty: there is nothing to train on")

    def _set_up_device(self, device) -> None:
        """The device, the processes of a ``torchrun`` job, and (when asked) memory reuse on the CPU."""
        config = self.config
        device = resolve_device(device)
        self.dist = DistributedContext.from_env(use_cuda=device.type == "cuda")
        if self.dist.enabled and device.type == "cuda":
            device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(device)
        self.device = device
        self.reusing_memory = bool(config.reuse_memory) and device.type == "cpu" and reuse_freed_memory(True)

    def _set_up_networks(self, generator, discriminator, loss_fn) -> None:
        """Move the networks to the device in their memory layout; the loss functions."""
        config, device = self.config, self.device
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        self.generator = generator.to(device, memory_format=self.memory_format)
        self.discriminator = (
            discriminator.to(device, memory_format=self.memory_format) if discriminator is not None else None
        )
        from inpaintlib.losses import discriminator_loss, generator_adversarial_loss

        loss_fn = loss_fn if loss_fn is not None else _default_loss(config)
        if isinstance(loss_fn, nn.Module):
            loss_fn = loss_fn.to(device)
        self.loss_fn = loss_fn
        self.discriminator_loss = discriminator_loss
        self.adversarial_loss = generator_adversarial_loss
        self._view = getattr(generator, "discriminator_view", None) or (lambda images: images)

    def _set_up_optimizers(self) -> None:
        """Adam for the generator; SGD for the discriminator when the run is adversarial."""
        config = self.config
        g_parameters = [p for p in self.generator.parameters() if p.requires_grad]
        if not g_parameters:
            raise ValueError("the generator has no trainable parameters")
        self.optimizer_g = torch.optim.Adam(g_parameters, lr=config.lr_g, betas=config.betas_g)
        self.optimizer_d = None
        self._d_objective = None
        self._d_parameters: list[nn.Parameter] = []
        if config.adversarial:
            self._d_parameters = [p for p in self.discriminator.parameters() if p.requires_grad]
            if not self._d_parameters:
                raise ValueError("the discriminator has no trainable parameters")
            self.optimizer_d = torch.optim.SGD(self._d_parameters, lr=config.lr_d, momentum=config.momentum_d)
            self._d_objective = _DiscriminatorObjective(self.discriminator)

    def _set_up_precision(self) -> dict:
        """Choose the arithmetic (every process takes the main process's choice); return what was chosen."""
        config, device = self.config, self.device
        self.amp_dtype, precision = choose_precision(
            config.amp, config.amp_dtype, device, self.generator, self.discriminator, self.image_size
        )
        if self.dist.enabled and config.amp == "auto" and device.type == "cpu":
            # Timings differ between processes: every process takes the main process's choice.
            chosen = torch.tensor([float(self.amp_dtype == torch.bfloat16 and self.dist.is_main)], device=device)
            if self.dist.all_reduce_sum(chosen).item() > 0:
                self.amp_dtype, precision = torch.bfloat16, {**precision, "dtype": "bfloat16"}
            else:
                self.amp_dtype, precision = None, {**precision, "dtype": "float32"}
        self.use_amp = self.amp_dtype is not None
        if config.amp == "auto" and self.dist.is_main:
            print(f"Precision: {precision['dtype']} ({precision['reason']})")
        use_scaler = self.amp_dtype == torch.float16
        self.scaler_g = torch.amp.GradScaler(device.type, enabled=use_scaler)
        self.scaler_d = torch.amp.GradScaler(device.type, enabled=use_scaler)
        return precision

    def _set_up_processes(self) -> None:
        """The modules a step calls: the networks themselves, or their DistributedDataParallel wrappers."""
        device = self.device
        self._g_step_module: nn.Module = self.generator
        self._d_step_module: nn.Module | None = self._d_objective
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [device.index] if device.type == "cuda" else None
            self._g_step_module = DDP(self.generator, device_ids=ids)
            if self._d_objective is not None:
                self._d_step_module = DDP(self._d_objective, device_ids=ids)

    def _set_up_data(self, mask_sampler, train_data, val_data) -> None:
        """The mask sampler (the model's own kinds by default), and the datasets, checked against it."""
        config = self.config
        if mask_sampler is None:
            from inpaintlib.masks import MaskSampler

            kinds = config.mask_kinds if config.mask_kinds is not None else self._default_mask_kinds()
            mask_sampler = MaskSampler(self.image_size, kinds=kinds, seed=config.seed, **config.mask_options)
        self.mask_sampler = mask_sampler
        first = _image_of(train_data[0])
        sampler_size = tuple(getattr(mask_sampler, "size", first.shape[-2:]))
        if first.dim() != 3 or first.shape[0] != 3 or tuple(first.shape[-2:]) != sampler_size:
            raise ValueError(
                f"train_data yields images shaped {tuple(first.shape)}, but the masks are {sampler_size}: "
                f"load the data at the model's size ({self.image_size})"
            )
        self.train_data = train_data
        self.val_data = val_data if val_data is not None and len(val_data) > 0 else None
        per_process = len(train_data) // self.dist.world_size
        if config.batch_size > 1 and per_process < config.batch_size:
            raise ValueError(
                f"train_data has {len(train_data)} images ({per_process} per process), fewer than "
                f"batch_size={config.batch_size}; lower batch_size"
            )

    def _set_up_state(self, out_dir, precision: dict) -> None:
        """An empty history at epoch 0, and the run's folder (cleared of files a killed run left half-written)."""
        config = self.config
        self.history = History(monitor=config.monitor, min_delta=config.min_delta, precision=precision)
        self.epoch = 0  # finished epochs
        self.step = 0  # finished steps in the current epoch
        self._partial: dict | None = None  # running sums of the current epoch
        self._span: tuple | None = None  # (start, budget seconds, first epoch, last epoch) of fit, for the schedule
        self.out_dir = Path(out_dir) if out_dir is not None else runs_dir(str(self.model_name))
        if self.dist.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.run_folder.remove_temporaries()  # left by a killed run

    def _resume(self, resume, precision: dict) -> None:
        """Continue from ``resume`` (``True``: the newer of ``last.pt`` and ``best.pt``) and repair the run."""
        found = self._resume_source() if resume is True else (Path(resume), None)
        if found is not None:
            path, checkpoint = found
            self.load_state(path, checkpoint=checkpoint)
            self.history.precision = precision  # this run's arithmetic, not the saved run's
            if resume is True:
                self._repair_run(path)
        else:
            self._note(f"resume=True but {self.last_path} does not exist yet: starting a new run", stacklevel=4)

    # ------------------------------------------------------------------ small helpers

    def _note(self, message: str, stacklevel: int = 3) -> None:
        if self.dist.is_main:
            warnings.warn(message, stacklevel=stacklevel)

    def _default_mask_kinds(self):
        try:
            from inpaintlib.models import model_spec

            return list(model_spec(self.model_name).mask_kinds)
        except (ImportError, ValueError):
            return "center"

    @property
    def run_folder(self) -> RunFolder:
        """The run's folder, :attr:`out_dir`, with the paths of its files."""
        return RunFolder(self.out_dir)

    @property
    def last_path(self) -> Path:
        """``out_dir/last.pt``."""
        return self.run_folder.last

    @property
    def best_path(self) -> Path:
        """``out_dir/best.pt``."""
        return self.run_folder.best

    def _layout(self, batch: torch.Tensor) -> torch.Tensor:
        """Return ``batch`` on :attr:`device` in the networks' memory layout (a no-op when it already is)."""
        return batch.to(self.device, non_blocking=True).contiguous(memory_format=self.memory_format)

    def _autocast(self):
        return autocast(self.device, self.amp_dtype)

    def close(self) -> None:
        """End the process group if this trainer started it."""
        self.dist.close()


def train_model(
    model_name: str,
    train_data: Dataset,
    val_data: Dataset | None,
    config: TrainConfig | None = None,
    out_dir: str | os.PathLike | None = None,
    model_options: Mapping | None = None,
    device: str | torch.device = "auto",
    epochs: int | None = None,
    max_minutes: float | None = None,
    resume: bool = False,
    progress: bool = True,
) -> tuple[Trainer, History]:
    """Build model ``model_name`` and its discriminator, train them, and return ``(trainer, history)``.

    A shortcut over :class:`Trainer` for the notebooks and the command line.
    """
    from inpaintlib.models import build_discriminator, build_model

    config = config if config is not None else TrainConfig()
    options = dict(model_options or {})
    generator = build_model(model_name, **options)
    discriminator = build_discriminator(model_name) if config.adversarial else None
    trainer = Trainer(
        generator,
        discriminator,
        train_data,
        val_data,
        config,
        out_dir=out_dir,
        device=device,
        resume=resume,
        model_name=model_name,
        model_options=options,
        progress=progress,
    )
    history = trainer.fit(epochs=epochs, max_minutes=max_minutes)
    return trainer, history
