"""Per-item seeds, so that a random draw depends only on (seed, index), never on access order.

Taught in notebook 00 (``00_data.ipynb``) and notebook 01 (``01_masks.ipynb``): the same seed gives the same crops and masks.
"""

from __future__ import annotations

import numpy as np
import torch


def as_int_seed(seed: int | torch.Generator | None, name: str = "seed") -> int:
    """Return a non-negative int for ``seed``.

    An int is used as it is (modulo 2**63); a :class:`torch.Generator` gives one draw;
    ``None`` gives fresh entropy.
    """
    if isinstance(seed, torch.Generator):
        return int(torch.randint(0, 2**62, (1,), generator=seed))
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"{name} must be an int or a torch.Generator, got {type(seed).__name__}")
    return int(seed) % 2**63


def item_seed(*keys: int) -> int:
    """Mix integer ``keys`` (seed, epoch, index, ...) into one well-spread 63-bit seed."""
    entropy = [int(key) % 2**63 for key in keys]
    return int(np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint64)[0] >> 1)


def item_generator(*keys: int) -> torch.Generator:
    """Return a CPU generator seeded by :func:`item_seed` of ``keys``."""
    generator = torch.Generator()
    generator.manual_seed(item_seed(*keys))
    return generator
