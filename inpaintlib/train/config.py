"""The training recipe: every setting of a run, with the course report's values as defaults.

Taught in notebook 03 (``03_center_block.ipynb``), where Model 1 trains on the report's recipe;
notebooks 04 to 07 change one setting at a time.

:class:`TrainConfig` checks its values when it is built and converts to and from the plain
dict a checkpoint stores.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from inpaintlib.precision import AMP_DTYPES, AMP_MODES

__all__ = ["LR_SCHEDULES", "TrainConfig"]


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
    rec_per_image : bool
        Average the reconstruction error over each image's own hole first, so thin strokes weigh
        as much as large squares (default ``False``: every hole pixel of the batch alike).
    grad_clip : float or None
        Clip each network's gradient norm to this value (``None`` turns clipping off). The
        default 10 only cuts rare blow-ups; normal steps of these losses are far smaller.
    mask_kinds : str, list or dict, optional
        Mask kinds for training and validation (see :class:`~inpaintlib.masks.MaskSampler`).
        ``None`` uses the model's own kinds (``"center"`` for Model 1; blocks, free-form and
        center holes for Models 2 and 3).
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
        Mixed precision: the forward passes run under :func:`torch.autocast`, weights, optimizer
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
    rec_per_image: bool = False
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
        if not isinstance(self.rec_per_image, bool):
            raise ValueError(f"rec_per_image must be True or False, got {self.rec_per_image!r}")
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
