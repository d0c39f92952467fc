"""What each layer does to the geometry: the rules for modules, functions and tensor methods.

Taught in notebook 02 (``02_receptive_field.ipynb``).

Each rule takes the geometry of a layer's input and returns a :class:`_Step`
(the new geometry, the layer's hyper-parameters, and how the gradient check's
linearized copy treats the layer) or an :class:`_End` (a flatten or reshape).
A layer the rules do not cover raises :class:`UnsupportedLayerError` with the
reason, so the calculator never returns a silently wrong number.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx, nn

from inpaintlib.receptive_field.geometry import (
    MisalignedBranchesError,
    ReceptiveFieldError,
    UnsupportedLayerError,
    _crop,
    _End,
    _fmt_axes,
    _Geometry,
    _pad,
    _Step,
    _TupleGeometry,
    _window,
)

__all__: list[str] = []


_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_MAX_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
_AVG_POOLS = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
_LP_POOLS = tuple(cls for cls in (getattr(nn, "LPPool1d", None), getattr(nn, "LPPool2d", None),
                                  getattr(nn, "LPPool3d", None)) if cls is not None)

_ACTIVATIONS = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish, nn.Softplus, nn.Softsign,
    nn.Tanhshrink, nn.Threshold, nn.LogSigmoid, nn.Hardshrink, nn.Softshrink, nn.Softmax2d,
)
_NORMS = (
    nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm, nn.InstanceNorm1d, nn.InstanceNorm2d,
    nn.InstanceNorm3d, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm, nn.CrossMapLRN2d,
)
_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)
_PER_CHANNEL_SOFTMAX = (nn.Softmax, nn.Softmin, nn.LogSoftmax, nn.GLU)
_PASS_THROUGH = (nn.Identity, nn.ChannelShuffle)

_UNSUPPORTED_REASONS = [
    ((nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d),
     "a transposed convolution spreads each input unit over several outputs, so its output grid is finer "
     "than its input's and the receptive-field rules do not apply"),
    ((nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d, nn.AdaptiveMaxPool1d,
      nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d),
     "adaptive pooling picks its window from the input size, so its windows differ in size and position"),
    ((nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d, nn.PixelShuffle, nn.PixelUnshuffle),
     "upsampling and pixel shuffles change the grid in a way the receptive-field rules do not cover"),
    ((nn.Linear, nn.Bilinear, nn.LazyLinear),
     "a linear layer on a feature map mixes the last (width) axis; flatten first to end the spatial part"),
    ((nn.Fold, nn.Unfold, nn.Unflatten, nn.MaxUnpool1d, nn.MaxUnpool2d, nn.MaxUnpool3d,
      nn.FractionalMaxPool2d, nn.FractionalMaxPool3d),
     "this layer rearranges pixels in a way the receptive-field rules do not cover"),
]

_ELEMENTWISE_FUNCTIONS = {
    operator.add, operator.iadd, operator.sub, operator.isub, operator.mul, operator.imul, operator.truediv,
    operator.itruediv, operator.neg, operator.pos, operator.pow, torch.add, torch.sub, torch.subtract, torch.mul,
    torch.multiply, torch.div, torch.divide, torch.maximum, torch.minimum, torch.where, torch.abs, torch.exp,
    torch.log, torch.sqrt, torch.square, torch.pow, torch.neg, torch.clamp, torch.clip,
}
_NONLINEAR_FUNCTIONS = {
    torch.relu, torch.sigmoid, torch.tanh, F.relu, F.relu6, F.leaky_relu, F.elu, F.selu, F.celu, F.gelu, F.silu,
    F.mish, F.hardtanh, F.hardswish, F.hardsigmoid, F.sigmoid, F.tanh, F.softplus, F.softsign, F.logsigmoid,
    F.prelu, F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout,
    F.batch_norm, F.instance_norm, F.group_norm, F.layer_norm, F.local_response_norm,
}
_CONCAT_FUNCTIONS = {torch.cat, torch.concat, torch.concatenate}
_CHANNEL_SPLIT_FUNCTIONS = {torch.chunk, torch.split, torch.tensor_split}
_END_FUNCTIONS = {torch.flatten, torch.reshape}
_POOL_FUNCTIONS = {
    F.max_pool1d: ("max", 1), F.max_pool2d: ("max", 2), F.max_pool3d: ("max", 3),
    F.avg_pool1d: ("avg", 1), F.avg_pool2d: ("avg", 2), F.avg_pool3d: ("avg", 3),
}
_CONV_FUNCTIONS = {F.conv1d: 1, F.conv2d: 2, F.conv3d: 3}

_META_METHODS = {"size", "dim", "numel", "ndimension", "nelement", "get_device", "element_size", "is_contiguous"}
_KEEP_METHODS = {
    "contiguous", "clone", "float", "double", "half", "bfloat16", "to", "type", "type_as", "detach", "add", "add_",
    "sub", "sub_", "mul", "mul_", "div", "div_", "abs", "abs_", "exp", "neg", "clamp", "clamp_", "clip", "pow",
    "sqrt", "square", "requires_grad_", "cpu", "cuda",
}
_NONLINEAR_METHODS = {"relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_"}
_END_METHODS = {"flatten", "view", "reshape"}
_SPLIT_METHODS = {"chunk", "split", "tensor_split", "unbind"}


def _ntuple(value, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(item) for item in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ReceptiveFieldError(f"{name} {value} has {len(value)} axes but the input has {n} spatial axes")
    return value


def _padding_pairs(padding, kernel, dilation, n: int) -> tuple[tuple[int, int], ...]:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            pairs = []
            for axis in range(n):
                total = dilation[axis] * (kernel[axis] - 1)
                pairs.append((total // 2, total - total // 2))
            return tuple(pairs)
        raise ReceptiveFieldError(f"padding={padding!r} is neither 'same', 'valid' nor a number")
    return tuple((p, p) for p in _ntuple(padding, n, "padding"))


def _arg(node: fx.Node, index: int, name: str, default=None):
    if name in node.kwargs:
        return node.kwargs[name]
    if len(node.args) > index:
        return node.args[index]
    return default


def _layer_name(node: fx.Node) -> str:
    return str(node.target) if node.op == "call_module" else node.name


def _type_name(node: fx.Node, modules: Mapping[str, nn.Module]) -> str:
    if node.op == "call_module":
        return type(modules[node.target]).__name__
    if node.op == "call_method":
        return str(node.target)
    return getattr(node.target, "__name__", str(node.target))


def _conv_step(type_name, geometry, kernel, stride, padding, dilation) -> _Step:
    n = geometry.n_axes
    kernel = _ntuple(kernel, n, "kernel_size")
    stride = _ntuple(stride, n, "stride")
    dilation = _ntuple(dilation, n, "dilation")
    pairs = _padding_pairs(padding, kernel, dilation, n)
    new = _window(geometry, kernel, stride, pairs, dilation)
    return _Step("conv", type_name, new, kernel, stride, pairs, dilation)


def _pool_step(type_name, geometry, kind, kernel, stride, padding, dilation, ceil_mode, return_indices=False):
    n = geometry.n_axes
    kernel = _ntuple(kernel, n, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _ntuple(
        stride, n, "stride")
    dilation = _ntuple(dilation, n, "dilation")
    pairs = _padding_pairs(padding, kernel, dilation, n)
    new = _window(geometry, kernel, stride, pairs, dilation, ceil_mode=bool(ceil_mode))
    options = None
    linearize = None
    if kind == "max":
        linearize = "max_pool"
        options = {"kernel": kernel, "stride": stride, "padding": tuple(lo for lo, _ in pairs),
                   "dilation": dilation, "ceil_mode": bool(ceil_mode), "return_indices": bool(return_indices)}
    if return_indices:
        new = _TupleGeometry(new)
    return _Step("pool", type_name, new, kernel, stride, pairs, dilation, linearize=linearize,
                 pool_options=options)


def _module_step(module: nn.Module, type_name: str, geometry: _Geometry):
    n = geometry.n_axes
    if isinstance(module, _CONVS):
        return _conv_step(type_name, geometry, module.kernel_size, module.stride, module.padding, module.dilation)
    if isinstance(module, _MAX_POOLS):
        return _pool_step(type_name, geometry, "max", module.kernel_size, module.stride, module.padding,
                          module.dilation, module.ceil_mode, module.return_indices)
    if isinstance(module, _AVG_POOLS):
        return _pool_step(type_name, geometry, "avg", module.kernel_size, module.stride, module.padding, 1,
                          module.ceil_mode)
    if _LP_POOLS and isinstance(module, _LP_POOLS):
        return _pool_step(type_name, geometry, "lp", module.kernel_size, module.stride, 0, 1, module.ceil_mode)
    if type(module).__module__ == "torch.nn.modules.padding" and hasattr(module, "padding"):
        return _pad_step(type_name, geometry, module.padding)
    if isinstance(module, _ACTIVATIONS + _NORMS + _DROPOUTS):
        return _Step("pointwise", type_name, geometry, linearize="identity")
    if isinstance(module, _PASS_THROUGH):
        return _Step("pointwise", type_name, geometry)
    if isinstance(module, _PER_CHANNEL_SOFTMAX):
        dim = getattr(module, "dim", None)
        if dim is not None and _is_channel_dim(dim, n):
            return _Step("pointwise", type_name, geometry, linearize="identity")
        raise UnsupportedLayerError(f"{type_name} with dim={dim} works across a spatial axis, not per pixel")
    if isinstance(module, nn.Flatten):
        return _End(type_name, "flatten ends the spatial part; the layers after it are not analyzed")
    for classes, reason in _UNSUPPORTED_REASONS:
        if isinstance(module, classes):
            raise UnsupportedLayerError(reason)
    raise UnsupportedLayerError("the calculator does not know how this module changes the pixel grid")


def _pad_step(type_name, geometry: _Geometry, pad) -> _Step:
    """``pad`` in :func:`torch.nn.functional.pad` order: last axis first, (before, after) pairs."""
    n = geometry.n_axes
    pad = tuple(int(value) for value in pad)
    if len(pad) % 2 or len(pad) > 2 * n:
        raise UnsupportedLayerError(f"padding {pad} pads more than the {n} spatial axes")
    pairs = [(0, 0)] * n
    for i in range(len(pad) // 2):
        pairs[n - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    pairs = tuple(pairs)
    return _Step("pad", type_name, _pad(geometry, pairs), padding=pairs)


def _is_channel_dim(dim, n_axes: int) -> bool:
    rank = n_axes + 2
    return isinstance(dim, int) and (dim % rank) == 1


def _merge_step(node: fx.Node, type_name: str, inputs: list[tuple[fx.Node, _Geometry]], linearize=None) -> _Step:
    first_node, first = inputs[0]
    for other_node, other in inputs[1:]:
        if not first.aligned_with(other):
            raise MisalignedBranchesError(
                f"the branches merged at '{_layer_name(node)}' ({type_name}) are not aligned: "
                f"'{_layer_name(first_node)}' has {first.describe()}, while '{_layer_name(other_node)}' has "
                f"{other.describe()}. Merged branches must have the same size, jump and start on every axis"
            )
    rf = tuple(max(geometry.rf[axis] for _, geometry in inputs) for axis in range(first.n_axes))
    merged = _Geometry(first.size, rf, first.jump, first.start)
    note = "max of " + ", ".join(f"{_fmt_axes(geometry.rf)} ({_layer_name(source)})" for source, geometry in inputs)
    return _Step("merge", type_name, merged, note=note, linearize=linearize)


def _index_step(type_name, geometry: _Geometry, index) -> _Step:
    """``x[...]`` on a feature map: batch/channel indexing keeps the grid, slices crop it."""
    n = geometry.n_axes
    rank = n + 2
    items = index if isinstance(index, tuple) else (index,)
    if any(item is None for item in items):
        raise UnsupportedLayerError("indexing with None adds an axis")
    if Ellipsis in items:
        position = items.index(Ellipsis)
        fill = rank - (len(items) - 1)
        items = items[:position] + (slice(None),) * fill + items[position + 1:]
    items = tuple(items) + (slice(None),) * (rank - len(items))
    if len(items) != rank:
        raise UnsupportedLayerError(f"index {index!r} does not fit a {rank}-d feature map")
    if not all(isinstance(item, (int, slice)) for item in items):
        raise UnsupportedLayerError(f"index {index!r} uses tensors or other objects")
    if isinstance(items[0], int) or isinstance(items[1], int):
        raise UnsupportedLayerError(f"index {index!r} drops the batch or channel axis")
    spatial = items[2:]
    if any(not isinstance(item, slice) for item in spatial):
        raise UnsupportedLayerError(f"index {index!r} picks single rows or columns")
    if all(item == slice(None) for item in spatial):
        return _Step("pointwise", type_name, geometry)
    return _Step("crop", type_name, _crop(geometry, spatial))


def _function_step(node: fx.Node, gm: fx.GraphModule, type_name: str, inputs, geoms) -> Any:
    target = node.target
    if target is operator.getitem:
        source = node.args[0]
        source_geometry = geoms.get(source) if isinstance(source, fx.Node) else None
        if isinstance(source_geometry, _TupleGeometry):
            return _Step("pointwise", type_name, source_geometry.element)
        if isinstance(source_geometry, _Geometry):
            return _index_step(type_name, source_geometry, node.args[1])
        raise UnsupportedLayerError("indexing into a list that holds feature maps")
    geometry = inputs[0][1]
    n = geometry.n_axes
    if target is builtins.getattr:
        return _Step("meta", type_name, None)
    if target in _CONCAT_FUNCTIONS:
        dim = _arg(node, 1, "dim", 0)
        if isinstance(dim, int) and dim % (n + 2) >= 2:
            raise UnsupportedLayerError(f"concatenation along dim={dim} joins feature maps along a spatial axis")
        return _merge_step(node, type_name, inputs) if len(inputs) > 1 else _Step("pointwise", type_name, geometry)
    if target in _ELEMENTWISE_FUNCTIONS or target in _NONLINEAR_FUNCTIONS:
        linearize = "identity" if target in _NONLINEAR_FUNCTIONS else None
        if len(inputs) > 1:
            return _merge_step(node, type_name, inputs, linearize=None)
        return _Step("pointwise", type_name, geometry, linearize=linearize)
    if target in _CHANNEL_SPLIT_FUNCTIONS:
        dim = _arg(node, 2, "dim", 0)
        if isinstance(dim, int) and _is_channel_dim(dim, n):
            return _Step("tuple", type_name, _TupleGeometry(geometry))
        raise UnsupportedLayerError(f"splitting along dim={dim} cuts the pixel grid")
    if target in _END_FUNCTIONS:
        return _End(type_name, "flatten/reshape ends the spatial part; the layers after it are not analyzed")
    if target is F.pad:
        mode = _arg(node, 2, "mode", "constant")
        return _pad_step(f"{type_name} ({mode})", geometry, _arg(node, 1, "pad"))
    if target in _POOL_FUNCTIONS:
        kind, dims = _POOL_FUNCTIONS[target]
        _check_dims(type_name, dims, n)
        if kind == "max":
            return _pool_step(type_name, geometry, "max", _arg(node, 1, "kernel_size"), _arg(node, 2, "stride"),
                              _arg(node, 3, "padding", 0), _arg(node, 4, "dilation", 1),
                              _arg(node, 5, "ceil_mode", False), _arg(node, 6, "return_indices", False))
        return _pool_step(type_name, geometry, "avg", _arg(node, 1, "kernel_size"), _arg(node, 2, "stride"),
                          _arg(node, 3, "padding", 0), 1, _arg(node, 4, "ceil_mode", False))
    if target in _CONV_FUNCTIONS:
        _check_dims(type_name, _CONV_FUNCTIONS[target], n)
        weight = _arg(node, 1, "weight")
        if not (isinstance(weight, fx.Node) and weight.op == "get_attr"):
            raise UnsupportedLayerError("the convolution's weight is computed in forward, so its size is unknown")
        kernel = tuple(_fetch_attr(gm, weight.target).shape[2:])
        return _conv_step(type_name, geometry, kernel, _arg(node, 3, "stride", 1), _arg(node, 4, "padding", 0),
                          _arg(node, 5, "dilation", 1))
    if target in (F.interpolate, F.upsample, F.pixel_shuffle, F.adaptive_avg_pool2d, F.adaptive_max_pool2d,
                  F.conv_transpose2d, F.linear):
        raise UnsupportedLayerError("this function changes the pixel grid in a way the rules do not cover")
    raise UnsupportedLayerError("the calculator does not know how this function changes the pixel grid")


def _method_step(node: fx.Node, type_name: str, inputs) -> Any:
    method = node.target
    geometry = inputs[0][1]
    n = geometry.n_axes
    if method in _META_METHODS:
        return _Step("meta", type_name, None)
    if method in _KEEP_METHODS or method in _NONLINEAR_METHODS:
        if len(inputs) > 1:
            return _merge_step(node, type_name, inputs)
        return _Step("pointwise", type_name, geometry,
                     linearize="identity" if method in _NONLINEAR_METHODS else None)
    if method in _END_METHODS:
        return _End(type_name, "flatten/reshape ends the spatial part; the layers after it are not analyzed")
    if method in _SPLIT_METHODS:
        dim = _arg(node, 2, "dim", 0) if method != "unbind" else _arg(node, 1, "dim", 0)
        if isinstance(dim, int) and _is_channel_dim(dim, n):
            return _Step("tuple", type_name, _TupleGeometry(geometry))
        raise UnsupportedLayerError(f"splitting along dim={dim} cuts the pixel grid")
    raise UnsupportedLayerError(f"the calculator does not know how the tensor method .{method}() changes the grid")


def _check_dims(type_name: str, dims: int, n_axes: int) -> None:
    if dims != n_axes:
        raise ReceptiveFieldError(f"{type_name} works on {dims} spatial axes but the input has {n_axes}")


def _fetch_attr(gm: fx.GraphModule, target: str):
    value = gm
    for part in target.split("."):
        value = getattr(value, part)
    return value
