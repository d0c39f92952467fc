"""A per-layer table of output shapes and parameter counts, recorded with forward hooks.

Taught in notebook 03 (``03_center_block.ipynb``); notebooks 04 and 05 print their models the same way.

``summary(model)`` runs one dry forward pass (eval mode, no gradients, batch 1) and
records, for every layer that holds parameters or has no sub-layers, its output shape
and its number of parameters. The result prints as a plain-text table and shows as an
HTML table in a notebook.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import torch
from torch import nn

__all__ = ["ModelSummary", "SummaryRow", "summary"]


@dataclass(frozen=True)
class SummaryRow:
    """One layer of a :class:`ModelSummary`."""

    name: str
    layer: str
    output_shape: tuple[int, ...]
    num_params: int
    trainable_params: int


@dataclass
class ModelSummary:
    """The table :func:`summary` returns.

    Attributes
    ----------
    rows : list of SummaryRow
        One row per recorded layer, in the order the forward pass reached them.
    input_shape, output_shape : tuple of int
        Shapes of the dry-run input image and of the model's output.
    total_params, trainable_params : int
        Parameter counts over the whole model (shared parameters counted once).
    """

    model_name: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0

    def find(self, name: str) -> SummaryRow:
        """Return the row of the layer called ``name`` (e.g. ``"bottleneck"``)."""
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no layer named {name!r}; layers: {[row.name for row in self.rows]}")

    def _table(self) -> tuple[list[str], list[list[str]]]:
        header = ["Layer", "Type", "Output shape", "Params"]
        body = [
            [row.name, row.layer, "x".join(str(size) for size in row.output_shape), f"{row.num_params:,}"]
            for row in self.rows
        ]
        return header, body

    def to_string(self) -> str:
        """Return the table as aligned plain text."""
        header, body = self._table()
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

        def format_line(cells: list[str]) -> str:
            left = [cell.ljust(width) for cell, width in zip(cells[:3], widths[:3])]
            return "  ".join([*left, cells[3].rjust(widths[3])])

        rule = "-" * len(format_line(header))
        lines = [
            f"{self.model_name}: input {format_shape(self.input_shape)} -> output {format_shape(self.output_shape)}",
            rule,
            format_line(header),
            rule,
            *(format_line(line) for line in body),
            rule,
            f"Total parameters: {self.total_params:,}",
            f"Trainable parameters: {self.trainable_params:,}",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_string()

    def _repr_html_(self) -> str:
        header, body = self._table()
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in line) + "</tr>" for line in body
        )
        caption = html.escape(
            f"{self.model_name}: input {format_shape(self.input_shape)} -> output "
            f"{format_shape(self.output_shape)}; {self.total_params:,} parameters "
            f"({self.trainable_params:,} trainable)"
        )
        return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def format_shape(shape: tuple[int, ...]) -> str:
    """Write a shape as ``1x3x128x128``."""
    return "x".join(str(size) for size in shape)


def _input_shape(model: nn.Module, input_size) -> tuple[int, int, int, int]:
    if input_size is None:
        input_size = getattr(model, "image_size", None) or getattr(model, "input_size", None)
        if input_size is None:
            raise ValueError("input_size is required for a model without an image_size or input_size attribute")
    if isinstance(input_size, int):
        return (1, 3, input_size, input_size)
    shape = tuple(int(size) for size in input_size)
    if len(shape) == 2:
        return (1, 3, *shape)
    if len(shape) == 3:
        return (1, *shape)
    if len(shape) == 4:
        return shape
    raise ValueError(f"input_size must be an int, (H, W), (C, H, W) or (N, C, H, W), got {input_size!r}")


def summary(model: nn.Module, input_size=None) -> ModelSummary:
    """Return a table of per-layer output shapes and parameter counts for ``model``.

    Parameters
    ----------
    model : torch.nn.Module
        An inpainting generator (called as ``model(image, mask)`` with a centered square hole)
        or any module called with one image batch (a discriminator).
    input_size : int or tuple, optional
        The image side, ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)``; by default the model's
        ``image_size`` (generators) or ``input_size`` (discriminators), batch 1.

    Returns
    -------
    ModelSummary
        Prints as a text table, shows as HTML in a notebook; ``.rows`` holds the numbers.

    Notes
    -----
    The dry run happens in eval mode without gradients, so BatchNorm running statistics are
    not touched; the model's train/eval mode is restored afterwards.
    """
    shape = _input_shape(model, input_size)
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    records: list[tuple[str, nn.Module, tuple[int, ...]]] = []
    handles = _hook_layers(model, records)
    output = _dry_run(model, shape, device, handles)
    return ModelSummary(
        model_name=type(model).__name__,
        input_shape=shape,
        output_shape=tuple(output.shape),
        rows=_rows(records),
        total_params=sum(p.numel() for p in model.parameters()),
        trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
    )


def _hook_layers(model: nn.Module, records: list) -> list:
    """Hook every layer that holds parameters or has no sub-layers; each call appends ``(name, layer, output shape)``."""

    def hook_for(name: str):
        def hook(module, inputs, output):
            if isinstance(output, (tuple, list)):
                output = output[0]
            if isinstance(output, dict):
                output = next(iter(output.values()))
            out_shape = tuple(output.shape) if isinstance(output, torch.Tensor) else ()
            records.append((name, module, out_shape))

        return hook

    handles = []
    for name, module in model.named_modules():
        if not name:
            continue
        has_children = any(True for _ in module.children())
        has_own_params = any(True for _ in module.parameters(recurse=False))
        if not has_children or has_own_params:
            handles.append(module.register_forward_hook(hook_for(name)))
    return handles


def _dry_run(model: nn.Module, shape: tuple[int, ...], device: torch.device, handles: list):
    """Run one gray image through ``model`` in eval mode without gradients; remove the hooks, restore the mode.

    A generator (a model with ``image_size`` and ``discriminator_view``) gets a centered square hole.
    """
    was_training = model.training
    image = torch.full(shape, 0.5, device=device)
    model.eval()
    try:
        with torch.no_grad():
            if hasattr(model, "image_size") and hasattr(model, "discriminator_view"):
                from inpaintlib.models.base import center_hole_mask

                mask = center_hole_mask(shape[-1], batch=shape[0], device=device)
                return model(image, mask)
            return model(image)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)


def _rows(records: list) -> list[SummaryRow]:
    """One :class:`SummaryRow` per recorded layer call, with the parameters the layer holds itself."""
    rows = []
    for name, module, out_shape in records:
        own = list(module.parameters(recurse=False))
        rows.append(
            SummaryRow(
                name=name,
                layer=type(module).__name__,
                output_shape=out_shape,
                num_params=sum(p.numel() for p in own),
                trainable_params=sum(p.numel() for p in own if p.requires_grad),
            )
        )
    return rows
