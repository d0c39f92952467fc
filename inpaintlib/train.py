"""Training a context encoder against its discriminator: the loop, validation, early stopping, resume.

The recipe is the course report's, with every setting a parameter of :class:`TrainConfig`:

* generator: Adam, ``lr=6e-4``, ``betas=(0.5, 0.999)``;
* discriminator: SGD, ``lr=1e-3``;
* joint loss ``0.999 * reconstruction + 0.001 * adversarial`` (``+ style_weight * style`` when
  asked), the reconstruction measured over the hole by default;
* masks drawn from a :class:`~inpaintlib.masks.MaskSampler`;
* gradient norms clipped at 10 (only a blow-up is cut; a normal step is untouched).

What changes from the report's code: each epoch makes **one** pass over the training set and one
over the validation set (the report's made three over the training data), validation masks are
fixed per image so every epoch and every run judge the same holes, and the best validation
checkpoint, the last checkpoint, early stopping and exact resume are built in.

Each epoch, the trainer writes into ``out_dir``:

* ``last.pt``: everything needed to continue (weights, optimiser states, RNG states, history);
* ``best.pt``: the same, from the epoch with the lowest validation loss;
* ``history.json`` and ``history.csv``: per-epoch averages of every loss term.

The same code runs on several processes with ``torchrun``: it detects ``WORLD_SIZE``, ``RANK``
and ``LOCAL_RANK``, wraps the networks in :class:`~torch.nn.parallel.DistributedDataParallel`
(gloo on CPU, NCCL on GPU), splits the data with a
:class:`~torch.utils.data.distributed.DistributedSampler`, averages the losses across processes
and writes files from rank 0 only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import os
import random
import shutil
import signal
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.distributed as torch_dist
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, Dataset, Sampler
from torch.utils.data.distributed import DistributedSampler

from inpaintlib.checkpoints import (
    BEST,
    LAST,
    CheckpointError,
    atomic_write,
    load_checkpoint,
    remove_temporaries,
    save_checkpoint,
)
from inpaintlib.data.loaders import set_epoch
from inpaintlib.history import HISTORY_CSV, HISTORY_JSON, TERMS, History
from inpaintlib.precision import AMP_DTYPES, AMP_MODES, autocast, choose_precision
from inpaintlib.runtime import resolve_device, reuse_freed_memory, runs_dir

__all__ = [
    "TrainConfig",
    "Trainer",
    "TrainingDiverged",
    "DistributedContext",
    "train_model",
]


class TrainingDiverged(ValueError):
    """A loss became NaN or infinite; the message names the epoch, the step and the last good checkpoint."""


# --------------------------------------------------------------------------- configuration


@dataclass
class TrainConfig:
    """Every setting of a training run, with the course report's recipe as defaults.

    Parameters
    ----------
    epochs : int
        Epochs to train (the report's 50); :meth:`Trainer.fit` may override it.
    batch_size : int
        Images per training step (the report's 20).
    lr_g : float
        The generator's Adam learning rate.
    betas_g : (float, float)
        The generator's Adam betas.
    lr_d : float
        The discriminator's SGD learning rate.
    lr_schedule : {"constant", "cosine"}
        ``"cosine"`` lowers both learning rates along half a cosine, from their values at the start
        of :meth:`Trainer.fit` to 2 % of them at its end: the end is the last epoch, or the end of
        the time budget when ``fit`` has one (whichever comes first), so a budgeted run spends its
        last minutes refining instead of jumping around.
    momentum_d : float
        The discriminator's SGD momentum (0 in the report).
    rec_weight, adv_weight, style_weight : float
        Weights of the joint loss ``rec_weight * rec + adv_weight * adv + style_weight * style``.
        The report used 0.999 / 0.001, and 0.01 for the style term on Monet paintings.
    adversarial : bool
        Train against the discriminator. ``False`` gives an L2-only (reconstruction) run, which
        is what Pathak et al. found stable with an AlexNet encoder.
    region : str
        Where the reconstruction loss is measured: ``"hole"`` (default), ``"overlap"`` (the hole
        with its inner border weighted x10, as Pathak et al.) or ``"image"`` (the whole image, the
        report's choice); see :func:`inpaintlib.losses.reconstruction_loss`.
    rec_norm : str
        The reconstruction error: ``"l2"`` (squared, the report's MSE), ``"l1"`` or ``"l1+l2"``.
    grad_clip : float or None
        Clip each network's gradient norm to this value (``None`` turns clipping off). The
        default 10 only cuts rare blow-ups; normal steps of these losses are far smaller.
    mask_kinds : str, list or dict, optional
        Mask kinds for training and validation (see :class:`~inpaintlib.masks.MaskSampler`).
        ``None`` uses the model's own kinds (``"center"`` for Model 1; blocks, free-form and
        centre holes for Models 2 and 3).
    mask_options : dict
        Per-kind options for the sampler, e.g. ``{"blocks": {"count": (2, 4)}}``.
    patience : int or None
        Stop after this many epochs without a better validation loss (``None``: never).
    min_delta : float
        How much the validation loss must drop to count as better.
    monitor : str
        The validation term that picks the best epoch: ``"rec"`` (default) or ``"total"``. The
        reconstruction loss is the fair yardstick across epochs: the adversarial part of
        ``total`` is measured against a discriminator that itself changes every epoch.
    seed : int
        Makes a CPU run repeatable: weights are not touched, but shuffling, masks and the
        validation masks follow from it.
    amp : {"auto", True, False}
        Mixed precision: the forward passes run under :func:`torch.autocast`, weights, optimiser
        state and losses stay float32. ``"auto"`` (default) uses it where it is faster: bfloat16 on
        CUDA GPUs that support it, and on a CPU only when a few timed steps of the model show
        bfloat16 faster than float32 (CPUs with ``avx512_bf16`` or AMX; a CPU without them keeps
        float32 without timing anything). The choice, and the speeds measured, are printed once
        and kept in the history (see :func:`inpaintlib.precision.choose_precision`). ``True``
        always uses autocast, ``False`` never.
    amp_dtype : str, optional
        ``"bfloat16"`` or ``"float16"`` for ``amp=True``. ``None`` (default) picks bfloat16 where the
        device supports it (every CPU, CUDA GPUs from Ampere on) and float16 otherwise. float16 needs
        loss scaling (:class:`torch.amp.GradScaler`, one per network; it skips a step whose
        gradients overflow and lowers its scale); bfloat16 has float32's range and needs none.
    num_workers : int
        DataLoader worker processes (0 loads in the training process).
    val_batch_size : int, optional
        Batch size for validation (``batch_size`` when ``None``).
    channels_last : bool
        Keep the networks' weights and every batch in the channels-last (NHWC) memory layout.
        Same numbers, faster convolutions: on a CPU the stride-2 convolutions of the
        discriminators run 1.4-1.7x faster in this layout and the one-channel output layer of the
        patch discriminator 4x faster (a Model 3 step: about a third less time; see
        ``BENCHMARKS.md``); on CUDA it is the layout tensor cores prefer under mixed precision.
        ``False`` keeps PyTorch's default (NCHW).
    reuse_memory : bool
        When training on the CPU, keep the memory each step frees for the next step instead of
        returning it to the operating system (see :func:`inpaintlib.runtime.reuse_freed_memory`;
        Linux with glibc only). It saves the page faults that cost a Model 3 step about 15 % of
        its time, but the freed blocks fragment the heap: peak memory grows by about 0.4 GB for
        Model 3 at batch 20, and the process keeps it until it ends (see ``BENCHMARKS.md``). Off
        by default; ``False`` leaves the process's allocator as it is.
    """

    epochs: int = 50
    batch_size: int = 20
    lr_g: float = 6e-4
    betas_g: tuple[float, float] = (0.5, 0.999)
    lr_d: float = 1e-3
    lr_schedule: str = "constant"
    momentum_d: float = 0.0
    rec_weight: float = 0.999
    adv_weight: float = 0.001
    style_weight: float = 0.0
    adversarial: bool = True
    region: str = "hole"
    rec_norm: str = "l2"
    grad_clip: float | None = 10.0
    mask_kinds: str | list | dict | None = None
    mask_options: dict = field(default_factory=dict)
    patience: int | None = 5
    min_delta: float = 0.0
    monitor: str = "rec"
    seed: int = 0
    amp: bool | str = "auto"
    amp_dtype: str | None = None
    num_workers: int = 0
    val_batch_size: int | None = None
    channels_last: bool = True
    reuse_memory: bool = False

    def __post_init__(self) -> None:
        def positive_int(name, allow_none=False):
            value = getattr(self, name)
            if value is None and allow_none:
                return
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

        def non_negative(name, allow_none=False):
            value = getattr(self, name)
            if value is None and allow_none:
                return
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")

        positive_int("epochs")
        positive_int("batch_size")
        positive_int("val_batch_size", allow_none=True)
        for name in ("lr_g", "lr_d"):
            non_negative(name)
            if getattr(self, name) == 0:
                raise ValueError(f"{name} must be > 0, got 0")
        for name in ("momentum_d", "rec_weight", "adv_weight", "style_weight", "min_delta"):
            non_negative(name)
        non_negative("grad_clip", allow_none=True)
        if self.grad_clip == 0:
            raise ValueError("grad_clip must be > 0 (or None to turn clipping off), got 0")
        if self.patience is not None:
            positive_int("patience")
        if isinstance(self.num_workers, bool) or not isinstance(self.num_workers, int) or self.num_workers < 0:
            raise ValueError(f"num_workers must be an integer >= 0, got {self.num_workers!r}")
        betas = tuple(self.betas_g)
        if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas_g must be two numbers in [0, 1), got {self.betas_g!r}")
        self.betas_g = (float(betas[0]), float(betas[1]))
        from inpaintlib.losses import NORMS

        if self.rec_norm not in NORMS:
            raise ValueError(f"rec_norm must be one of {', '.join(NORMS)}, got {self.rec_norm!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.monitor not in ("rec", "total"):
            raise ValueError(f"monitor must be 'rec' or 'total', got {self.monitor!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise ValueError(f"seed must be an int, got {self.seed!r}")
        for name in ("channels_last", "reuse_memory"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if isinstance(self.amp, np.bool_):
            self.amp = bool(self.amp)
        if self.amp not in AMP_MODES or not isinstance(self.amp, (bool, str)):
            raise ValueError(f"amp must be 'auto', True or False, got {self.amp!r}")
        if self.amp_dtype not in (None, *AMP_DTYPES):
            raise ValueError(f"amp_dtype must be one of {', '.join(AMP_DTYPES)} (or None: the device's choice), got {self.amp_dtype!r}")
        if not isinstance(self.mask_options, Mapping):
            raise ValueError(f"mask_options must be a dict kind -> options, got {self.mask_options!r}")

    def to_dict(self) -> dict:
        """Return the settings as plain values (what checkpoints store)."""
        data = dataclasses.asdict(self)
        data["betas_g"] = list(self.betas_g)
        if isinstance(self.mask_kinds, tuple):
            data["mask_kinds"] = list(self.mask_kinds)
        data["mask_options"] = _plain(self.mask_options)
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> "TrainConfig":
        """Rebuild a config from :meth:`to_dict` (unknown keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        if "betas_g" in values:
            values["betas_g"] = tuple(values["betas_g"])
        return cls(**values)


#: Valid values of ``TrainConfig.lr_schedule``.
LR_SCHEDULES = ("constant", "cosine")
#: The cosine schedule's last learning rate, as a fraction of the first.
_COSINE_FLOOR = 0.02


def _plain(value):
    """Turn tuples into lists (recursively) so a value survives JSON and ``weights_only`` loading."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _mix(*keys) -> int:
    """Return a 63-bit seed made from ``keys`` (stable across runs, machines and Python versions)."""
    digest = hashlib.blake2b(repr(tuple(int(k) if not isinstance(k, str) else k for k in keys)).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "little") & (2**63 - 1)


# --------------------------------------------------------------------------- distributed


@dataclass
class DistributedContext:
    """Which process this is in a ``torchrun`` job (``world_size == 1`` when running alone).

    Attributes
    ----------
    world_size, rank, local_rank : int
        From the ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` environment variables.
    initialised_here : bool
        Whether this context started the process group (and :meth:`close` should end it).
    """

    world_size: int = 1
    rank: int = 0
    local_rank: int = 0
    initialised_here: bool = False

    @property
    def enabled(self) -> bool:
        """Whether more than one process trains."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this process writes files and shows progress (rank 0)."""
        return self.rank == 0

    @classmethod
    def from_env(cls, use_cuda: bool = False) -> "DistributedContext":
        """Read the ``torchrun`` environment and start the process group when needed.

        Parameters
        ----------
        use_cuda : bool
            Use the NCCL backend (GPU); gloo otherwise.
        """
        if torch_dist.is_available() and torch_dist.is_initialized():
            return cls(torch_dist.get_world_size(), torch_dist.get_rank(), int(os.environ.get("LOCAL_RANK", 0)))
        world_size = int(os.environ.get("WORLD_SIZE", "1") or 1)
        if world_size <= 1:
            return cls()
        rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if not torch_dist.is_available():
            raise RuntimeError("WORLD_SIZE > 1 but this PyTorch build has no torch.distributed")
        torch_dist.init_process_group(backend="nccl" if use_cuda else "gloo")
        return cls(world_size, rank, local_rank, initialised_here=True)

    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """Sum ``tensor`` over all processes (in place) and return it."""
        if self.enabled:
            torch_dist.all_reduce(tensor, op=torch_dist.ReduceOp.SUM)
        return tensor

    def any(self, flag: bool, device: torch.device) -> bool:
        """Whether ``flag`` is true on any process."""
        if not self.enabled:
            return bool(flag)
        value = torch.tensor([1.0 if flag else 0.0], device=device)
        return bool(self.all_reduce_sum(value).item() > 0)

    def barrier(self) -> None:
        """Wait for every process."""
        if self.enabled:
            torch_dist.barrier()

    def close(self) -> None:
        """End the process group if this context started it."""
        if self.initialised_here and torch_dist.is_initialized():
            torch_dist.destroy_process_group()
            self.initialised_here = False


# --------------------------------------------------------------------------- data helpers


class _IndexSampler(Sampler):
    """Yield a fixed list of dataset indices (one epoch's order, already split and skipped)."""

    def __init__(self, indices: Sequence[int]) -> None:
        self.indices = list(indices)

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def _image_of(item) -> torch.Tensor:
    """Return the image of a dataset item (a tensor, or the first entry of a tuple/list/dict)."""
    if isinstance(item, torch.Tensor):
        return item
    if isinstance(item, (tuple, list)) and item and isinstance(item[0], torch.Tensor):
        return item[0]
    if isinstance(item, Mapping) and isinstance(item.get("image"), torch.Tensor):
        return item["image"]
    raise ValueError(
        f"training data must yield (3, S, S) image tensors (or tuples starting with one), got {type(item).__name__}"
    )


def _collate_images(items) -> torch.Tensor:
    return torch.stack([_image_of(item) for item in items])


class FixedMaskDataset(Dataset):
    """Pair each image of ``dataset`` with its own fixed mask: index ``i`` always gets the same hole.

    The mask of image ``i`` is drawn from a generator seeded by ``(seed, i)``, so every epoch,
    every run and every number of processes judge the same holes, without keeping masks in memory.
    """

    def __init__(self, dataset: Dataset, mask_sampler, seed: int = 0) -> None:
        self.dataset = dataset
        self.mask_sampler = mask_sampler
        self.seed = int(seed)

    def __len__(self) -> int:
        return len(self.dataset)

    def mask(self, index: int) -> torch.Tensor:
        """Return the ``(1, H, W)`` mask of image ``index``."""
        generator = torch.Generator().manual_seed(_mix(self.seed, "validation", index))
        return self.mask_sampler.sample(1, generator=generator)[0]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return _image_of(self.dataset[index]), self.mask(index)


# --------------------------------------------------------------------------- losses


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


class _StopTraining(Exception):
    """Internal: the time budget ran out at the end of a step."""


# --------------------------------------------------------------------------- trainer


class Trainer:
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
        self.config = config = config if config is not None else TrainConfig()
        if not isinstance(config, TrainConfig):
            raise ValueError(f"config must be a TrainConfig, got {type(config).__name__}")
        if not isinstance(generator, nn.Module):
            raise ValueError(f"generator must be a torch.nn.Module, got {type(generator).__name__}")
        if config.adversarial and discriminator is None:
            raise ValueError("discriminator is None but config.adversarial=True; pass one or set adversarial=False")
        if train_data is None or len(train_data) == 0:
            raise ValueError("train_data is empty: there is nothing to train on")
        self.progress = bool(progress)
        self.model_name = model_name or getattr(generator, "model_name", None) or type(generator).__name__
        self.model_options = _plain(dict(model_options or {}))
        self.image_size = int(getattr(generator, "image_size", _image_of(train_data[0]).shape[-1]))

        # Device and processes.
        device = resolve_device(device)
        self.dist = DistributedContext.from_env(use_cuda=device.type == "cuda")
        if self.dist.enabled and device.type == "cuda":
            device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(device)
        self.device = device
        self.reusing_memory = bool(config.reuse_memory) and device.type == "cpu" and reuse_freed_memory(True)

        # Networks, losses, optimisers.
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

        self._g_step_module: nn.Module = self.generator
        self._d_step_module: nn.Module | None = self._d_objective
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [device.index] if device.type == "cuda" else None
            self._g_step_module = DDP(self.generator, device_ids=ids)
            if self._d_objective is not None:
                self._d_step_module = DDP(self._d_objective, device_ids=ids)

        # Masks and data.
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

        # State.
        self.history = History(monitor=config.monitor, min_delta=config.min_delta, precision=precision)
        self.epoch = 0  # finished epochs
        self.step = 0  # finished steps in the current epoch
        self._partial: dict | None = None  # running sums of the current epoch
        self._span: tuple | None = None  # (start, budget seconds, first epoch, last epoch) of fit, for the schedule
        self.out_dir = Path(out_dir) if out_dir is not None else runs_dir(str(self.model_name))
        if self.dist.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            remove_temporaries(self.out_dir, (BEST, LAST, HISTORY_JSON, HISTORY_CSV))  # left by a killed run
        if resume:
            found = self._resume_source() if resume is True else (Path(resume), None)
            if found is not None:
                path, checkpoint = found
                self.load_state(path, checkpoint=checkpoint)
                self.history.precision = precision  # this run's arithmetic, not the saved run's
                if resume is True:
                    self._repair_run(path)
            else:
                self._note(f"resume=True but {self.last_path} does not exist yet: starting a new run")

    # ------------------------------------------------------------------ small helpers

    def _note(self, message: str) -> None:
        if self.dist.is_main:
            warnings.warn(message, stacklevel=3)

    def _default_mask_kinds(self):
        try:
            from inpaintlib.models import model_spec

            return list(model_spec(self.model_name).mask_kinds)
        except (ImportError, ValueError):
            return "center"

    @property
    def last_path(self) -> Path:
        """``out_dir/last.pt``."""
        return self.out_dir / LAST

    @property
    def best_path(self) -> Path:
        """``out_dir/best.pt``."""
        return self.out_dir / BEST

    def _layout(self, batch: torch.Tensor) -> torch.Tensor:
        """Return ``batch`` on :attr:`device` in the networks' memory layout (a no-op when it already is)."""
        return batch.to(self.device, non_blocking=True).contiguous(memory_format=self.memory_format)

    def _autocast(self):
        return autocast(self.device, self.amp_dtype)

    # ------------------------------------------------------------------ checkpoints

    def checkpoint_parts(self, include_partial: bool = True) -> dict:
        """Return everything a checkpoint holds (see :mod:`inpaintlib.checkpoints`)."""
        mask_kinds = getattr(self.mask_sampler, "weights", None)
        if mask_kinds is None:
            mask_kinds = self.config.mask_kinds
        parts = {
            "model_name": str(self.model_name),
            "model_options": self.model_options,
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
        """Continue from a checkpoint: weights, optimiser states, history, RNG states and position.

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
            raise ValueError(f"{path} does not fit this trainer's networks or optimisers: {error}") from error
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

    # ------------------------------------------------------------------ data

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
        """Set both optimisers' learning rates for the next step (see ``TrainConfig.lr_schedule``)."""
        if self.config.lr_schedule == "constant" or self._span is None:
            return
        started, budget, first_epoch, target = self._span
        done = (epoch - first_epoch + self.step / max(total_steps, 1)) / max(target - first_epoch, 1)
        if budget is not None:
            done = max(done, (time.monotonic() - started) / budget)
        factor = _COSINE_FLOOR + (1 - _COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * min(done, 1.0)))
        for optimizer, lr in ((self.optimizer_g, self.config.lr_g), (self.optimizer_d, self.config.lr_d)):
            if optimizer is not None:
                for group in optimizer.param_groups:
                    group["lr"] = lr * factor

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
        self._clip_and_step(total, self.optimizer_g, self.scaler_g, self.optimizer_g.param_groups[0]["params"])
        if config.adversarial:
            self._set_discriminator_trainable(True)
        terms["total"] = total.detach().float()
        for name, value in parts.items():
            terms[name] = torch.as_tensor(value).detach().float()
        if config.adversarial and "adv" not in terms and fake_logits is not None:
            terms["adv"] = self.adversarial_loss(fake_logits.detach())
        return terms

    # ------------------------------------------------------------------ epochs

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
            minutes this way). Its time counts against ``max_minutes``.

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
        target = self.config.epochs if epochs is None else int(epochs)
        if target < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if max_minutes is not None and (not isinstance(max_minutes, (int, float)) or max_minutes <= 0):
            raise ValueError(f"max_minutes must be a positive number of minutes, got {max_minutes!r}")
        deadline = None if max_minutes is None else time.monotonic() + 60.0 * float(max_minutes)
        budget = None if max_minutes is None else 60.0 * float(max_minutes)
        self._span = (time.monotonic(), budget, self.epoch, target)
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
                    if on_epoch_end is not None:
                        on_epoch_end(self)
                    if epoch_bar is not None:
                        epoch_bar.update(1)
                        shown = {k: f"{v:.4g}" for k, v in val.items() if v is not None and k in ("total", "rec")}
                        epoch_bar.set_postfix(shown, refresh=False)
                    if history.stopped_early:
                        break
                    if deadline is not None and self.epoch < target and time.monotonic() >= deadline:
                        history.stop_reason = "time budget"
                        if self.dist.is_main:
                            history.save(self.out_dir)
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
