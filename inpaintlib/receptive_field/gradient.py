"""The gradient check: measuring a unit's receptive field from input gradients.

Taught in notebook 02 (``02_receptive_field.ipynb``).

:func:`empirical_receptive_field` back-propagates from one output unit of a
float64, linearized copy of the network (max pooling becomes an average,
activations and normalizations the identity, weights random positive numbers)
and reports the pixels with a non-zero gradient; :func:`gradient_map` returns
the gradient itself. Both agree with the analytic table of
:func:`inpaintlib.receptive_field.receptive_field`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from inpaintlib.receptive_field.analysis import _analyze, _Analysis, _spatial_size, _trace, _unit_tuple, unit_region
from inpaintlib.receptive_field.geometry import ReceptiveFieldError, _square
from inpaintlib.receptive_field.rules import _CONVS

__all__ = ["EmpiricalReceptiveField", "empirical_receptive_field", "gradient_map"]


class _AveragingPool(nn.Module):
    """A max pooling's window with equal positive weights (so no pixel's gradient is zeroed)."""

    def __init__(self, kernel, stride, padding, dilation, ceil_mode, return_indices):
        super().__init__()
        self.kernel, self.stride, self.padding = tuple(kernel), tuple(stride), tuple(padding)
        self.dilation, self.ceil_mode, self.return_indices = tuple(dilation), ceil_mode, return_indices

    def forward(self, x):
        n = len(self.kernel)
        channels = x.shape[1]
        pads = []
        for axis in reversed(range(n)):
            size = x.shape[2 + axis]
            k_eff = self.dilation[axis] * (self.kernel[axis] - 1) + 1
            span = size + 2 * self.padding[axis] - k_eff
            out = (-(-span // self.stride[axis]) if self.ceil_mode else span // self.stride[axis]) + 1
            if self.ceil_mode and (out - 1) * self.stride[axis] >= size + self.padding[axis]:
                out -= 1
            extra = max(0, (out - 1) * self.stride[axis] + k_eff - (size + 2 * self.padding[axis]))
            pads += [self.padding[axis], self.padding[axis] + extra]
        x = F.pad(x, pads)
        weight = x.new_full((channels, 1, *self.kernel), 1.0 / math.prod(self.kernel))
        conv = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
        y = conv(x, weight, None, self.stride, 0, self.dilation, channels)
        if self.return_indices:
            return y, torch.zeros(y.shape, dtype=torch.long, device=y.device)
        return y


def _first_in_channels(module: nn.Module) -> int:
    for submodule in module.modules():
        if isinstance(submodule, _CONVS):
            return int(submodule.in_channels)
    return 3


class _GradientProbe:
    """A float64 eval-mode copy of a module, cut at its spatial output, for gradient checks."""

    def __init__(self, module: nn.Module, input_size, *, linearize=True, seed=0, stop_at_unsupported=False,
                 in_channels=None):
        self.input_size = _spatial_size(input_size)
        gm = _trace(copy.deepcopy(module))
        analysis = _analyze(gm, self.input_size, stop_at_unsupported)
        self.table = analysis.table(include_pointwise=False)
        if len(analysis.input_nodes) != 1:
            raise ValueError(
                f"the gradient check needs a module with one input; this one takes {len(analysis.input_nodes)}"
            )
        graph = gm.graph
        output = next(node for node in graph.nodes if node.op == "output")
        output.args = (analysis.final_node,)
        if linearize:
            self._linearize(gm, analysis)
        graph.eliminate_dead_code()
        gm.recompile()
        gm = gm.double().eval()
        if linearize:
            generator = torch.Generator().manual_seed(int(seed))
            with torch.no_grad():
                for parameter in gm.parameters():
                    if parameter.ndim >= 2:
                        fan_in = parameter[0].numel()
                        values = torch.rand(parameter.shape, generator=generator, dtype=torch.float64) + 0.5
                        parameter.copy_(values / fan_in)
                    else:
                        parameter.fill_(1.0)
        for parameter in gm.parameters():
            parameter.requires_grad_(False)
        self.gm = gm
        self.in_channels = int(in_channels) if in_channels is not None else _first_in_channels(module)

    @staticmethod
    def _linearize(gm: fx.GraphModule, analysis: _Analysis) -> None:
        graph = gm.graph
        for index, (node, step) in enumerate(list(analysis.steps.items())):
            if node.graph is not graph:
                continue
            if step.linearize == "identity":
                source = next(arg for arg in node.all_input_nodes if arg.op != "get_attr")
                node.replace_all_uses_with(source)
                graph.erase_node(node)
            elif step.linearize == "max_pool":
                options = step.pool_options
                pool = _AveragingPool(options["kernel"], options["stride"], options["padding"], options["dilation"],
                                      options["ceil_mode"], options["return_indices"])
                name = f"_averaging_pool_{index}"
                gm.add_submodule(name, pool)
                source = next(arg for arg in node.all_input_nodes if arg.op != "get_attr")
                with graph.inserting_after(node):
                    replacement = graph.call_module(name, (source,))
                node.replace_all_uses_with(replacement)
                graph.erase_node(node)

    def gradient(self, unit, image=None) -> tuple[np.ndarray, tuple[int, ...], tuple[int, ...]]:
        if image is None:
            x = torch.ones((1, self.in_channels, *self.input_size), dtype=torch.float64)
        else:
            x = image.detach().to(torch.float64).clone()
        x.requires_grad_(True)
        out = self.gm(x)
        if not isinstance(out, torch.Tensor) or out.ndim != len(self.input_size) + 2:
            raise ReceptiveFieldError("the module's spatial output is not a (N, C, *spatial) tensor")
        output_size = tuple(out.shape[2:])
        unit = _unit_tuple(unit, output_size) if unit is not None else tuple(size // 2 for size in output_size)
        selected = out[(0, slice(None)) + unit].sum()
        (grad,) = torch.autograd.grad(selected, x)
        return grad[0].abs().sum(0).numpy(), unit, output_size

    def measure(self, unit=None, image=None) -> "EmpiricalReceptiveField":
        grad, unit, output_size = self.gradient(unit, image)
        nonzero = np.nonzero(grad > 0)
        if len(nonzero[0]) == 0:
            raise ReceptiveFieldError(f"output unit {unit} has a zero gradient everywhere")
        bounds = tuple((int(axis.min()), int(axis.max())) for axis in nonzero)
        return EmpiricalReceptiveField(
            unit=unit,
            input_size=self.input_size,
            output_size=output_size,
            bounds=bounds,
            expected_bounds=unit_region(self.table, unit, clip=False),
            gradient=grad,
        )


@dataclass(frozen=True)
class EmpiricalReceptiveField:
    """What :func:`empirical_receptive_field` measured for one output unit.

    Attributes
    ----------
    unit : tuple of int
        The output unit, e.g. ``(row, col)``.
    input_size, output_size : tuple of int
        Spatial sizes of the input and of the output map.
    bounds : tuple of (int, int)
        First and last input pixel with a non-zero gradient, per axis (inclusive).
    expected_bounds : tuple of (int, int)
        The analytic region of the unit, *not* clipped to the image.
    gradient : numpy.ndarray
        Absolute input gradient summed over channels, shaped like the input.
    """

    unit: tuple[int, ...]
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]
    bounds: tuple[tuple[int, int], ...]
    expected_bounds: tuple[tuple[int, int], ...]
    gradient: np.ndarray = field(repr=False, compare=False)

    @property
    def size(self) -> tuple[int, ...]:
        """Measured extent in pixels per axis."""
        return tuple(last - first + 1 for first, last in self.bounds)

    @property
    def receptive_field(self):
        """Measured extent: an int when square, else a per-axis tuple."""
        return _square(self.size)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(top, left, bottom, right)`` inclusive, for 2-d inputs."""
        if len(self.bounds) != 2:
            raise ValueError("box is defined for 2-d inputs; use bounds")
        (top, bottom), (left, right) = self.bounds
        return top, left, bottom, right

    @property
    def truncated(self) -> bool:
        """Whether the analytic region runs past the image border (the unit sees padding)."""
        return any(first < 0 or last > n - 1 for (first, last), n in zip(self.expected_bounds, self.input_size))

    @property
    def agrees(self) -> bool:
        """Whether the measured region equals the analytic region clipped to the image."""
        clipped = tuple((max(first, 0), min(last, n - 1)) for (first, last), n in
                        zip(self.expected_bounds, self.input_size))
        return clipped == self.bounds


def empirical_receptive_field(module: nn.Module, input_size, unit=None, *, linearize: bool = True, seed: int = 0,
                              in_channels: int | None = None,
                              stop_at_unsupported: bool = False) -> EmpiricalReceptiveField:
    """Measure one output unit's receptive field from input gradients.

    A float64 copy of ``module`` in eval mode is cut at its spatial output (see
    :func:`receptive_field`) and, with ``linearize=True``, made linear: max pooling
    becomes an average over the same window, activations, normalizations and
    dropout become the identity, and every weight becomes a random positive number
    (biases and scales 1). Then no pixel's gradient is hidden by a ReLU, a max or a
    cancellation, and the non-zero gradient marks exactly the pixels the unit can see.

    Parameters
    ----------
    module : torch.nn.Module
        The network (it is copied, never changed).
    input_size : int or tuple of int
        Spatial input size.
    unit : int or tuple of int, optional
        The output unit; the center of the output map by default.
    linearize : bool, default True
        ``False`` keeps the module's own weights and non-linearities (then zero
        gradients can hide pixels: an "effective" receptive field).
    seed : int, default 0
        Seed of the random positive weights.
    in_channels : int, optional
        Input channels (default: those of the first convolution, else 3).
    stop_at_unsupported : bool, default False
        As in :func:`receptive_field`.

    Returns
    -------
    EmpiricalReceptiveField
        Its ``bounds`` equal :func:`unit_region` of the analytic table for every unit
        (``agrees`` is True); interior units span the full analytic receptive field.
    """
    probe = _GradientProbe(module, input_size, linearize=linearize, seed=seed,
                           stop_at_unsupported=stop_at_unsupported, in_channels=in_channels)
    return probe.measure(unit)


def _image_tensor(image) -> torch.Tensor:
    """(N, C, H, W) float tensor from a (C, H, W)/(N, C, H, W) tensor or an (H, W[, C]) array."""
    if isinstance(image, np.ndarray):
        array = image.astype(np.float64)
        if image.dtype == np.uint8:
            array = array / 255.0
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise ValueError(f"image must be (H, W) or (H, W, C) as an array, got shape {image.shape}")
        return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]
    if isinstance(image, torch.Tensor):
        if image.ndim == 3:
            return image[None]
        if image.ndim == 4 and image.shape[0] == 1:
            return image
    raise ValueError("image must be a (C, H, W) or (1, C, H, W) tensor, or an (H, W[, C]) array")


def _display_image(image) -> np.ndarray:
    tensor = _image_tensor(image)[0].detach().to(torch.float32).clamp(0, 1)
    array = tensor.permute(1, 2, 0).cpu().numpy()
    return array[..., 0] if array.shape[-1] == 1 else array


def gradient_map(module: nn.Module, image, unit=None, *, linearize: bool = True, seed: int = 0) -> np.ndarray:
    """Return ``|d output[unit] / d image|`` summed over channels, scaled to a maximum of 1.

    Parameters
    ----------
    module : torch.nn.Module
        The network (copied, never changed).
    image : torch.Tensor or numpy.ndarray
        A ``(C, H, W)`` or ``(1, C, H, W)`` tensor in [0, 1], or an ``(H, W, C)`` array.
    unit : int or tuple of int, optional
        The output unit; the center of the output map by default.
    linearize, seed
        As in :func:`empirical_receptive_field`. With ``linearize=True`` the map
        does not depend on the image's content, only on its size: it shows how much
        each pixel weighs in the unit (largest in the center).

    Returns
    -------
    numpy.ndarray
        Shaped like the image's spatial axes, values in [0, 1].
    """
    x = _image_tensor(image)
    probe = _GradientProbe(module, tuple(x.shape[2:]), linearize=linearize, seed=seed, in_channels=x.shape[1])
    grad, _, _ = probe.gradient(unit, x)
    peak = grad.max()
    return grad / peak if peak > 0 else grad
