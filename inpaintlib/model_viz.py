"""Figures and small calculations for the model notebooks (04: Model 2, 05: Model 3).

Five groups of helpers, each usable on its own:

* **Layer tables**: :class:`ConvSpec` and :class:`DeconvSpec` write one row of an architecture
  table; :func:`conv_stack` and :func:`deconv_stack` build the layers a table describes (to
  re-create a published table literally and run it); :func:`deconv_specs` reads the rows back
  from any module; :func:`deconv_sizes` and :func:`size_trace` follow the spatial size through
  transposed convolutions with PyTorch's formula.
* **Figures** (``ax=None``/``axes=None`` helpers, as in :mod:`inpaintlib.viz`):
  :func:`inpainting_grid` (masked | prediction | composed | original), :func:`metric_bars`
  (one metric per method and mask kind), :func:`compare_runs` (one loss curve per run) and
  :func:`show_filters` (first-layer convolution filters).
* **Training**: :func:`fit_within_budget` trains at least one whole epoch, then within a time
  budget.
* **Speed**: :func:`train_step_flops` counts the floating-point operations of one training step,
  :func:`time_train_step` measures its wall-clock time, :func:`seconds_per_step` reads it off a
  training history, :func:`format_duration` writes seconds for people.
* **Run notes**: :func:`save_run_notes` and :func:`load_run_notes` keep, next to a run's
  checkpoints, which images it trained and validated on, so another notebook can check that a
  comparison uses images neither model trained on.
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
import statistics
import tempfile
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

__all__ = [
    "ConvSpec",
    "DeconvSpec",
    "RUN_NOTES",
    "StepTiming",
    "compare_runs",
    "conv_output_size",
    "conv_stack",
    "deconv_output_size",
    "deconv_sizes",
    "deconv_specs",
    "deconv_stack",
    "fit_within_budget",
    "format_duration",
    "inpainting_grid",
    "load_run_notes",
    "metric_bars",
    "save_run_notes",
    "seconds_per_step",
    "show_filters",
    "size_trace",
    "time_train_step",
    "train_step_flops",
]

#: File name of the notes :func:`save_run_notes` writes into a run folder.
RUN_NOTES = "run_notes.json"


# --------------------------------------------------------------------------- layer tables


class ConvSpec(NamedTuple):
    """One row of an encoder table: a convolution, then ReLU, then an optional max-pool.

    Attributes
    ----------
    in_channels, out_channels : int
        Channels in and out.
    kernel : int
        Square kernel side.
    stride : int
        Stride (1 by default).
    padding : int
        Zero padding on each side (0 by default).
    pool : (int, int) or None
        ``(kernel, stride)`` of a max-pool after the ReLU, or ``None``.
    """

    in_channels: int
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    pool: tuple[int, int] | None = None


class DeconvSpec(NamedTuple):
    """One row of a decoder table: a transposed convolution.

    Attributes
    ----------
    in_channels, out_channels : int
        Channels in and out.
    kernel : int
        Square kernel side.
    stride : int
        Stride (1 by default).
    padding : int
        Padding (0 by default): it *removes* ``padding`` pixels on each side of the output.
    output_padding : int
        Extra pixels added on one side of the output (0 by default).
    """

    in_channels: int
    out_channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    output_padding: int = 0


def _check_positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Return the output side of a convolution or pooling layer: ``floor((size + 2p - d(k-1) - 1) / s) + 1``.

    Raises
    ------
    ValueError
        If ``size`` is not a positive integer or the kernel does not fit into the padded input.
    """
    size = _check_positive("size", size)
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError(f"a {kernel}x{kernel} kernel (padding {padding}) does not fit a {size}x{size} input")
    return out


def deconv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Return the output side of a transposed convolution: ``(size-1)·s - 2p + d(k-1) + output_padding + 1``.

    This is :class:`torch.nn.ConvTranspose2d`'s formula; with ``dilation=1`` it reads
    ``(size - 1)·stride - 2·padding + kernel + output_padding``.
    """
    size = _check_positive("size", size)
    out = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"padding={padding} removes the whole {size}x{size} input of a transposed convolution")
    return out


def _as_deconv_specs(rows) -> list[DeconvSpec]:
    specs = [row if isinstance(row, DeconvSpec) else DeconvSpec(*row) for row in rows]
    if not specs:
        raise ValueError("rows must hold at least one layer")
    return specs


def deconv_sizes(size: int, rows: Sequence[DeconvSpec | tuple]) -> list[int]:
    """Return the spatial side before the first and after every transposed convolution.

    Parameters
    ----------
    size : int
        Side of the decoder's square input (e.g. 6 for AlexNet's 256 x 6 x 6 features).
    rows : sequence of DeconvSpec (or tuples in its field order)

    Returns
    -------
    list of int
        ``len(rows) + 1`` sides, starting with ``size``.

    Examples
    --------
    >>> deconv_sizes(6, [DeconvSpec(256, 128, 4, 2), DeconvSpec(128, 3, 4, 2, 1)])
    [6, 14, 28]
    """
    sizes = [_check_positive("size", size)]
    for spec in _as_deconv_specs(rows):
        sizes.append(deconv_output_size(sizes[-1], spec.kernel, spec.stride, spec.padding, spec.output_padding))
    return sizes


def size_trace(size: int, rows: Sequence[DeconvSpec | tuple], name: str = "layer") -> str:
    """Return one line of arithmetic per transposed convolution, e.g. ``layer 1: (6 - 1)·1 - 2·0 + 4 = 9``.

    The formula is ``(in - 1)·stride - 2·padding + kernel (+ output_padding)``, as
    :func:`deconv_output_size` computes it.
    """
    specs = _as_deconv_specs(rows)
    sizes = deconv_sizes(size, specs)
    lines = []
    for index, (spec, before, after) in enumerate(zip(specs, sizes, sizes[1:]), start=1):
        extra = f" + {spec.output_padding}" if spec.output_padding else ""
        lines.append(
            f"{name} {index}: ({before} - 1)·{spec.stride} - 2·{spec.padding} + {spec.kernel}{extra} = {after}"
        )
    return "\n".join(lines)


def conv_stack(rows: Sequence[ConvSpec | tuple]) -> nn.Sequential:
    """Build an encoder from table rows: per row a ``Conv2d``, a ReLU and the row's max-pool (if any).

    Layers are named ``conv1``, ``relu1``, ``pool1``, ``conv2``... PyTorch's default initialisation.
    """
    layers: list[tuple[str, nn.Module]] = []
    for index, row in enumerate(rows, start=1):
        spec = row if isinstance(row, ConvSpec) else ConvSpec(*row)
        layers.append(
            (f"conv{index}", nn.Conv2d(spec.in_channels, spec.out_channels, spec.kernel, spec.stride, spec.padding))
        )
        layers.append((f"relu{index}", nn.ReLU(inplace=True)))
        if spec.pool is not None:
            kernel, stride = spec.pool
            layers.append((f"pool{index}", nn.MaxPool2d(kernel, stride)))
    if not layers:
        raise ValueError("rows must hold at least one layer")
    return nn.Sequential(OrderedDict(layers))


def deconv_stack(rows: Sequence[DeconvSpec | tuple], final: str | None = None) -> nn.Sequential:
    """Build a decoder from table rows: transposed convs with BatchNorm + ReLU after all but the last.

    The channel counts are taken as written, so a table whose rows do not connect builds
    fine and fails only when it runs, as the published one did.

    Parameters
    ----------
    rows : sequence of DeconvSpec (or tuples in its field order)
    final : {None, "sigmoid", "tanh", "relu"}
        Activation after the last layer.
    """
    activations = {None: None, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
    if final not in activations:
        raise ValueError(f"final must be one of {list(activations)}, got {final!r}")
    specs = _as_deconv_specs(rows)
    layers: list[tuple[str, nn.Module]] = []
    for index, spec in enumerate(specs, start=1):
        layers.append(
            (
                f"deconv{index}",
                nn.ConvTranspose2d(
                    spec.in_channels,
                    spec.out_channels,
                    spec.kernel,
                    spec.stride,
                    spec.padding,
                    output_padding=spec.output_padding,
                ),
            )
        )
        if index < len(specs):
            layers.append((f"bn{index}", nn.BatchNorm2d(spec.out_channels)))
            layers.append((f"relu{index}", nn.ReLU(inplace=True)))
    if activations[final] is not None:
        layers.append((final, activations[final]()))
    return nn.Sequential(OrderedDict(layers))


def deconv_specs(module: nn.Module) -> list[DeconvSpec]:
    """Return a :class:`DeconvSpec` for every ``ConvTranspose2d`` inside ``module``, in order.

    Raises
    ------
    ValueError
        If ``module`` holds no transposed convolution, or one with a non-square kernel, stride or padding.
    """
    specs = []
    for name, layer in module.named_modules():
        if not isinstance(layer, nn.ConvTranspose2d):
            continue
        values = {}
        for field in ("kernel_size", "stride", "padding", "output_padding"):
            pair = getattr(layer, field)
            if len(set(pair)) != 1:
                raise ValueError(f"layer {name!r} has a non-square {field} {pair}")
            values[field] = int(pair[0])
        specs.append(
            DeconvSpec(
                layer.in_channels,
                layer.out_channels,
                values["kernel_size"],
                values["stride"],
                values["padding"],
                values["output_padding"],
            )
        )
    if not specs:
        raise ValueError(f"{type(module).__name__} holds no ConvTranspose2d layer")
    return specs


# --------------------------------------------------------------------------- figures


def _batch(images, name: str) -> torch.Tensor:
    tensor = torch.as_tensor(images).detach().cpu().float()
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(f"{name} must be shaped (N, C, H, W) or (C, H, W), got {tuple(tensor.shape)}")
    return tensor


def inpainting_grid(
    images,
    masks,
    predictions,
    row_titles: Sequence[str] | None = None,
    axes=None,
    size: float = 2.0,
):
    """Show one row per image: masked input | raw prediction | composed result | original.

    Parameters
    ----------
    images : tensor
        Originals, ``(N, 3, H, W)`` in ``[0, 1]``.
    masks : tensor
        ``(N, 1, H, W)`` (or ``(N, H, W)``), 1 = missing pixel.
    predictions : tensor
        The model's full-size predictions, ``(N, 3, H, W)``.
    row_titles : list of str, optional
        A label per row (shown left of the row), e.g. the mask kind.
    axes : array of matplotlib axes, optional
        ``N x 4`` axes to draw on; a new figure is made when ``None``.
    size : float
        Inches per panel.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
        The axes as an ``(N, 4)`` array.
    """
    from inpaintlib.viz import fill_hole, to_display

    images = _batch(images, "images")
    predictions = _batch(predictions, "predictions")
    masks = torch.as_tensor(masks).detach().cpu().float()
    if masks.dim() == 3:
        masks = masks.unsqueeze(1)
    if masks.dim() == 2:
        masks = masks[None, None]
    count = images.shape[0]
    if predictions.shape != images.shape:
        raise ValueError(f"predictions {tuple(predictions.shape)} and images {tuple(images.shape)} differ in shape")
    if masks.shape[0] != count or tuple(masks.shape[-2:]) != tuple(images.shape[-2:]):
        raise ValueError(f"masks {tuple(masks.shape)} do not fit images {tuple(images.shape)}")
    if row_titles is not None and len(row_titles) != count:
        raise ValueError(f"row_titles has {len(row_titles)} entries for {count} images")
    if axes is None:
        figure, axes = plt.subplots(count, 4, figsize=(4 * size, count * size), squeeze=False)
    else:
        axes = np.asarray(axes, dtype=object).reshape(count, 4)
        figure = axes[0, 0].figure
    composed = images * (1 - masks) + predictions * masks
    columns = ("masked", "prediction", "composed", "original")
    for row in range(count):
        panels = (fill_hole(images[row], masks[row]), predictions[row], composed[row], images[row])
        for column, (panel, picture) in enumerate(zip(panels, axes[row])):
            picture.imshow(to_display(panel), interpolation="nearest")
            picture.set_xticks([])
            picture.set_yticks([])
            if row == 0:
                picture.set_title(columns[column], fontsize=9)
        if row_titles is not None:
            axes[row, 0].set_ylabel(row_titles[row], fontsize=9)
    return figure, axes


def _summary_rows(result) -> list[dict]:
    if hasattr(result, "table") and callable(result.table):
        return list(result.table(by=("method", "mask_kind")))
    return [dict(row) for row in result]


def metric_bars(result, metric: str = "psnr_hole", ax=None, title: str | None = None):
    """Draw a grouped bar chart of one metric: mask kinds along x, one bar per method.

    Parameters
    ----------
    result : EvaluationResult, SummaryTable or list of dict
        An :func:`inpaintlib.evaluation.evaluate` result, or summary rows holding ``method``,
        ``mask_kind`` and ``metric``.
    metric : str
        E.g. ``"psnr_hole"``, ``"ssim_hole"``, ``"l1_hole"`` (L1 is drawn in percent).
    ax : matplotlib axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from inpaintlib.metrics import COLUMN_TITLES

    rows = _summary_rows(result)
    if not rows:
        raise ValueError("result holds no rows to draw")
    for key in ("method", "mask_kind", metric):
        if key not in rows[0]:
            raise ValueError(f"the rows have no {key!r} column; they have {sorted(rows[0])}")
    methods = list(dict.fromkeys(row["method"] for row in rows))
    kinds = list(dict.fromkeys(row["mask_kind"] for row in rows))
    scale = 100.0 if metric.startswith("l1") else 1.0
    values = {(row["method"], row["mask_kind"]): float(row[metric]) * scale for row in rows}
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.3 * len(kinds) * max(1, len(methods)) / 3, 3.4))
    width = 0.8 / len(methods)
    positions = np.arange(len(kinds))
    for index, method in enumerate(methods):
        heights = [values.get((method, kind), math.nan) for kind in kinds]
        ax.bar(positions - 0.4 + width * (index + 0.5), heights, width, label=method)
    ax.set_xticks(positions)
    ax.set_xticklabels(kinds)
    ax.set_ylabel(COLUMN_TITLES.get(metric, metric))
    if title:
        ax.set_title(title)
    finite = [v for v in values.values() if math.isfinite(v)]
    if finite:
        # Leave the top quarter free for the legend.
        low = max(0.0, min(finite) - 3.0) if metric.startswith("psnr") else 0.0
        high = max(finite)
        ax.set_ylim(low, high + 0.35 * max(high - low, 1e-9))
    ax.legend(fontsize="small", ncol=min(4, len(methods)), loc="upper center")
    return ax


def compare_runs(
    histories: Mapping[str, object],
    term: str = "rec",
    split: str = "val",
    ax=None,
    log: bool = False,
):
    """Draw one curve per training run: ``term`` on ``split`` against the epoch.

    Parameters
    ----------
    histories : dict
        ``run name -> History`` (:class:`inpaintlib.history.History`).
    term : str
        A loss term (``"total"``, ``"rec"``, ``"adv"``, ``"style"``, ``"disc"``).
    split : {"val", "train"}
    ax : matplotlib axes, optional
    log : bool
        Logarithmic loss axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not histories:
        raise ValueError("histories is empty: give at least one run")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.6))
    for name, history in histories.items():
        points = [(e, v) for e, v in zip(history.epochs, history.series(term, split)) if v is not None]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker="o", markersize=4, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{split} {term} loss")
    if log:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return ax


def show_filters(weight: torch.Tensor, ncols: int = 16, axes=None, size: float = 0.6):
    """Show the filters of a first convolution layer as small RGB images.

    Each filter ``(3, k, k)`` is scaled to ``[0, 1]`` on its own (min to max), so the pattern
    shows whatever the weights' range.

    Parameters
    ----------
    weight : tensor
        ``(out_channels, 3, k, k)``, e.g. ``conv.weight``.
    ncols : int
        Filters per row.
    axes : matplotlib axes, optional
    size : float
        Inches per filter.

    Returns
    -------
    (Figure, numpy.ndarray of Axes)
    """
    from inpaintlib.viz import grid_axes

    weight = torch.as_tensor(weight).detach().cpu().float()
    if weight.dim() != 4 or weight.shape[1] != 3:
        raise ValueError(f"weight must be shaped (out_channels, 3, k, k), got {tuple(weight.shape)}")
    low = weight.amin(dim=(1, 2, 3), keepdim=True)
    high = weight.amax(dim=(1, 2, 3), keepdim=True)
    scaled = (weight - low) / (high - low).clamp_min(1e-12)
    figure, panels = grid_axes(weight.shape[0], ncols, size, axes)
    for filt, panel in zip(scaled, panels):
        panel.imshow(filt.permute(1, 2, 0).numpy(), interpolation="nearest")
        panel.set_xticks([])
        panel.set_yticks([])
    return figure, panels


# --------------------------------------------------------------------------- speed


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


def fit_within_budget(trainer, epochs: int, max_minutes: float | None = None):
    """Train at least one whole epoch, then on up to ``epochs`` epochs while the time budget lasts.

    :meth:`inpaintlib.train.Trainer.fit` with ``max_minutes`` stops at the end of the first step
    past the budget, even in the first epoch, which would leave a run without a validated epoch
    (no ``best.pt``). On a slow or busy machine the quick notebooks need one finished epoch, so
    the first one runs to its end and the rest share what is left of the budget.

    Parameters
    ----------
    trainer : inpaintlib.train.Trainer
    epochs : int
        The total number of epochs to reach.
    max_minutes : float, optional
        The budget for the whole call; ``None`` trains all ``epochs`` (or until early stopping).

    Returns
    -------
    History
        The trainer's history; ``stop_reason`` is ``"time budget"`` when the budget ended the run.
    """
    epochs = _check_positive("epochs", epochs)
    if max_minutes is None:
        return trainer.fit(epochs=epochs)
    if not isinstance(max_minutes, (int, float)) or isinstance(max_minutes, bool) or max_minutes <= 0:
        raise ValueError(f"max_minutes must be a positive number or None, got {max_minutes!r}")
    started = time.monotonic()
    history = trainer.fit(epochs=min(epochs, trainer.epoch + 1))  # one whole epoch, whatever the budget
    if trainer.epoch >= epochs or history.stopped_early:
        return history
    left = float(max_minutes) - (time.monotonic() - started) / 60.0
    if left <= 0:
        history.stop_reason = "time budget"
        if trainer.dist.is_main:
            history.save(trainer.out_dir)  # the saved history says why the run stopped, as fit() would
        return history
    return trainer.fit(epochs=epochs, max_minutes=left)


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


# --------------------------------------------------------------------------- run notes


def save_run_notes(folder: str | os.PathLike, **notes) -> Path:
    """Write ``notes`` (JSON-ready values) to ``folder/run_notes.json`` and return the path.

    The notebooks record there which data a run used (e.g. the names of its training and
    validation images) so a later comparison can check for overlap.
    """
    path = Path(folder) / RUN_NOTES
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_run_notes(folder: str | os.PathLike) -> dict | None:
    """Return the notes :func:`save_run_notes` wrote into ``folder``, or ``None`` when there are none.

    Raises
    ------
    ValueError
        If the file exists but does not hold a JSON object.
    """
    path = Path(folder) / RUN_NOTES
    if not path.is_file():
        return None
    try:
        notes = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(notes, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(notes).__name__}")
    return notes
