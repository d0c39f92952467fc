"""Batches of masks of any mix of kinds, reproducibly: what training and evaluation draw from.

Taught in notebook 01 (``01_masks.ipynb``); the trainer of notebooks 03 to 08 draws its holes
from a :class:`MaskSampler`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch

from inpaintlib.masks.blocks import center_block, random_blocks
from inpaintlib.masks.checks import KINDS, Seed, Size, _batch_count, _image_size, _is_number
from inpaintlib.masks.strokes import free_form
from inpaintlib.runtime import make_generator

__all__ = ["MaskSampler"]


class MaskSampler:
    """Draw batches of masks of any mix of kinds, reproducibly.

    Parameters
    ----------
    size : int or (int, int)
        Image size of every mask.
    kinds : str, list of str, or dict
        Which kinds to draw: one name (``"blocks"``), a list (equal weights) or a
        dict ``name -> weight`` (weights need not sum to 1).
    seed : int or torch.Generator, optional
        Seeds the sampler's own generator, used when :meth:`sample` gets none.
    **options : dict
        Options per kind, passed on to the kind's function, e.g.
        ``center={"hole": 48}``, ``blocks={"count": (2, 4)}``,
        ``free_form={"width": (4, 10)}``.

    Notes
    -----
    Without a ``generator`` argument, draws advance the sampler's own generator,
    so successive batches differ but the whole sequence follows from ``seed``.
    Copies of a sampler (pickled into DataLoader workers) continue the same
    sequence; pass a per-item ``generator`` (e.g. seeded from the item's index)
    where each item must get its own mask.

    Examples
    --------
    >>> sampler = MaskSampler(128, kinds={"blocks": 1, "free_form": 1}, seed=0)
    >>> sampler.sample(8).shape
    torch.Size([8, 1, 128, 128])
    """

    def __init__(
        self,
        size: Size = 128,
        kinds: str | Sequence[str] | Mapping[str, float] = "center",
        seed: Seed = None,
        **options: Mapping,
    ) -> None:
        self.size = _image_size(size)
        self.weights = self._parse_kinds(kinds)
        for name, value in options.items():
            if name not in KINDS:
                raise ValueError(f"options given for unknown mask kind {name!r}; known kinds are {KINDS}")
            if not isinstance(value, Mapping):
                raise ValueError(f"{name} options must be a dict of keyword arguments, got {value!r}")
        self.options = {name: dict(options.get(name, {})) for name in KINDS}
        for name in ("size", "batch", "seed"):
            for kind in KINDS:
                if name in self.options[kind]:
                    raise ValueError(f"{kind} options must not set {name!r}; the sampler sets it")
        self.generator = make_generator(seed)
        self.last_kinds: list[str] = []
        # Check every kind's options once, so mistakes surface at construction.
        for kind in self.weights:
            self._draw(kind, 1, torch.Generator().manual_seed(0))

    @staticmethod
    def _parse_kinds(kinds) -> dict[str, float]:
        if isinstance(kinds, str):
            weights = {kinds: 1.0}
        elif isinstance(kinds, Mapping):
            weights = {}
            for name, weight in kinds.items():
                if not _is_number(weight) or weight < 0 or not math.isfinite(weight):
                    raise ValueError(f"kinds weight for {name!r} must be a non-negative number, got {weight!r}")
                weights[name] = float(weight)
        elif isinstance(kinds, Sequence) and len(kinds) > 0:
            weights = {}
            for name in kinds:
                weights[name] = weights.get(name, 0.0) + 1.0
        else:
            raise ValueError(f"kinds must be a kind name, a list of names or a dict name -> weight, got {kinds!r}")
        for name in weights:
            if name not in KINDS:
                raise ValueError(f"kinds names an unknown mask kind {name!r}; known kinds are {KINDS}")
        weights = {name: weight for name, weight in weights.items() if weight > 0}
        if not weights:
            raise ValueError(f"kinds must give at least one kind a positive weight, got {kinds!r}")
        total = sum(weights.values())
        return {name: weights[name] / total for name in KINDS if name in weights}

    @property
    def kinds(self) -> list[str]:
        """The kinds this sampler draws, in :data:`KINDS` order."""
        return list(self.weights)

    def _draw(self, kind: str, n: int, generator: torch.Generator) -> torch.Tensor:
        options = self.options[kind]
        if kind == "center":
            return center_block(self.size, batch=n, **options)
        if kind == "blocks":
            return random_blocks(self.size, batch=n, seed=generator, **options)
        return free_form(self.size, batch=n, seed=generator, **options)

    def sample_kind(self, kind: str, n: int, generator: Seed = None) -> torch.Tensor:
        """Return ``n`` masks of one kind, shaped ``(n, 1, H, W)`` float32."""
        if kind not in KINDS:
            raise ValueError(f"kind={kind!r} is not a mask kind; known kinds are {KINDS}")
        n = _batch_count(n)
        generator = self.generator if generator is None else make_generator(generator)
        masks = self._draw(kind, n, generator)
        self.last_kinds = [kind] * n
        return masks

    def sample(
        self, n: int, generator: Seed = None, return_kinds: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, list[str]]:
        """Return ``n`` masks shaped ``(n, 1, H, W)`` float32, each of a kind drawn by weight.

        Parameters
        ----------
        n : int
            Number of masks.
        generator : int or torch.Generator, optional
            Use this instead of the sampler's own generator.
        return_kinds : bool
            Also return the list of kind names, one per mask. The names of the
            latest draw are also kept in :attr:`last_kinds`.
        """
        n = _batch_count(n)
        generator = self.generator if generator is None else make_generator(generator)
        names = list(self.weights)
        if len(names) == 1:
            choice = torch.zeros(n, dtype=torch.long)
        else:
            weights = torch.tensor([self.weights[name] for name in names])
            choice = torch.multinomial(weights, n, replacement=True, generator=generator) if n else (
                torch.zeros(0, dtype=torch.long)
            )
        height, width = self.size
        masks = torch.empty(n, 1, height, width, dtype=torch.float32)
        for k, name in enumerate(names):
            index = (choice == k).nonzero().squeeze(1)
            if len(index):
                masks[index] = self._draw(name, len(index), generator)
        kinds = [names[k] for k in choice.tolist()]
        self.last_kinds = kinds
        if return_kinds:
            return masks, kinds
        return masks

    __call__ = sample

    def __getstate__(self) -> dict:
        # torch.Generator is not picklable; keep its state so DataLoader workers can copy the sampler.
        state = self.__dict__.copy()
        state["generator"] = self.generator.get_state()
        return state

    def __setstate__(self, state: dict) -> None:
        generator = torch.Generator()
        generator.set_state(state["generator"])
        state["generator"] = generator
        self.__dict__.update(state)

    def __repr__(self) -> str:
        weights = ", ".join(f"{name!r}: {weight:.3g}" for name, weight in self.weights.items())
        return f"MaskSampler(size={self.size}, kinds={{{weights}}})"
