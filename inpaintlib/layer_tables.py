"""Architecture tables as code: one row per layer, the layers a table describes, sizes through them.

Taught in notebook 04 (``04_random_blocks_and_regions.ipynb``) and notebook 05
(``05_alexnet_transfer.ipynb``).

:class:`ConvSpec` and :class:`DeconvSpec` write one row of an architecture table;
:func:`conv_stack` and :func:`deconv_stack` build the layers a table describes (to re-create a
published table literally and run it); :func:`deconv_specs` reads the rows back from any module;
:func:`deconv_sizes` and :func:`size_trace` follow the spatial size through transposed
convolutions with PyTorch's formula.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import NamedTuple

from torch import nn

from inpaintlib.runtime import positive_int as _check_positive

__all__ = [
    "ConvSpec",
    "DeconvSpec",
    "conv_output_size",
    "conv_stack",
    "deconv_output_size",
    "deconv_sizes",
    "deconv_specs",
    "deconv_stack",
    "size_trace",
]


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

    Layers are named ``conv1``, ``relu1``, ``pool1``, ``conv2``... PyTorch's default initialization.
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
