"""Amplifying a small dataset with learned augmentation policies (AutoAugment and friends).

Taught in notebook 06 (``06_monet_style.ipynb``).

The course report turned about 300 Monet paintings into 3,576 training images (298 x 12) with
AutoAugment. :class:`AmplifiedDataset` does the same without holding the views in memory: view
``v`` of image ``k`` is made when it is read, from a seed that depends only on ``(seed, k, v)``,
so it is the same in every epoch, in every worker and after a restart. Views can also be cached
on disk as PNG files.

The augmentation is applied to the whole image *before* a mask is drawn on it (masks come later,
from :mod:`inpaintlib.masks`), so the hole never gets rotated or sheared.
"""

from __future__ import annotations

import json
import operator
import os
from pathlib import Path
from typing import Callable

import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF
from tqdm.auto import tqdm

from ._seeding import as_int_seed, item_seed
from .images import open_image

#: Names accepted by ``policy``.
POLICIES = ("autoaugment", "randaugment", "trivialaugment")
_AUTOAUGMENT_POLICIES = {"imagenet": v2.AutoAugmentPolicy.IMAGENET, "cifar10": v2.AutoAugmentPolicy.CIFAR10, "svhn": v2.AutoAugmentPolicy.SVHN}
_CACHE_MANIFEST = "amplified.json"

Transform = Callable[[torch.Tensor], torch.Tensor]


def augmentation_policy(policy: str | Transform = "autoaugment", fill: float | None = None, autoaugment_policy: str = "imagenet") -> Transform:
    """Return the torchvision transform for ``policy``.

    Parameters
    ----------
    policy : {"autoaugment", "randaugment", "trivialaugment"} or callable
        ``v2.AutoAugment`` (the report's choice), ``v2.RandAugment`` or ``v2.TrivialAugmentWide``.
        A callable taking and returning a uint8 tensor ``(3, H, W)`` is used as it is.
    fill : float, optional
        Value (0-255) for the pixels that rotations, shears and translations uncover; black when None.
    autoaugment_policy : {"imagenet", "cifar10", "svhn"}
        Which learned AutoAugment policy to use.
    """
    if callable(policy):
        return policy
    fill_value = None if fill is None else [float(fill)] * 3
    if policy == "autoaugment":
        if autoaugment_policy not in _AUTOAUGMENT_POLICIES:
            raise ValueError(f"autoaugment_policy must be one of {tuple(_AUTOAUGMENT_POLICIES)}, got {autoaugment_policy!r}")
        return v2.AutoAugment(_AUTOAUGMENT_POLICIES[autoaugment_policy], fill=fill_value)
    if policy == "randaugment":
        return v2.RandAugment(fill=fill_value)
    if policy == "trivialaugment":
        return v2.TrivialAugmentWide(fill=fill_value)
    raise ValueError(f"policy must be one of {POLICIES} or a callable, got {policy!r}")


def policy_operations(policy: str | Transform = "autoaugment", **options) -> list[str]:
    """Return the sorted names of the operations a policy can apply (e.g. ``"Rotate"``, ``"Invert"``).

    ``options`` go to :func:`augmentation_policy`. A callable policy that is not one of torchvision's
    automatic augmentations gives an empty list.
    """
    transform = augmentation_policy(policy, **options)
    subpolicies = getattr(transform, "_policies", None)
    if subpolicies:
        return sorted({name for steps in subpolicies for name, _, _ in steps})
    return sorted(getattr(transform, "_AUGMENTATION_SPACE", {}) or {})


def describe_policy(policy: str | Transform = "autoaugment", **options) -> str:
    """Return a readable description of an augmentation policy, one line per sub-policy.

    For AutoAugment it lists the learned sub-policies: each view picks one of them at random
    and applies its two operations, each with its own probability and magnitude (0-9 on
    AutoAugment's scale). RandAugment and TrivialAugmentWide apply operations drawn uniformly
    from a fixed list; for them the list and the settings are given. ``options`` go to
    :func:`augmentation_policy`.
    """
    transform = augmentation_policy(policy, **options)
    lines = [repr(transform)]
    subpolicies = getattr(transform, "_policies", None)
    if subpolicies:
        lines.append(f"{len(subpolicies)} sub-policies; each view applies one, chosen at random:")
        for number, steps in enumerate(subpolicies, start=1):
            parts = [
                f"{name} (p={probability:g}" + (f", magnitude {magnitude})" if magnitude is not None else ")")
                for name, probability, magnitude in steps
            ]
            lines.append(f"{number:3d}. " + " then ".join(parts))
    else:
        space = getattr(transform, "_AUGMENTATION_SPACE", None)
        if space:
            count = int(getattr(transform, "num_ops", 1))
            lines.append(f"operations ({count} drawn uniformly per view): " + ", ".join(space))
    return "\n".join(lines)


def augment_view(image: torch.Tensor, transform: Transform, seed: int) -> torch.Tensor:
    """Apply ``transform`` to one float image ``(3, H, W)`` with its own seed; return a float image.

    The image goes through the policy as uint8 (the form the policies were designed for). The global
    random state is forked, so calling this leaves the caller's random numbers untouched.
    """
    as_bytes = TF.to_dtype(image.detach().cpu().clamp(0, 1), torch.uint8, scale=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        augmented = transform(as_bytes)
    return TF.to_dtype(augmented, torch.float32, scale=True)


class AmplifiedDataset(Dataset):
    """``copies`` augmented views of every image of ``base``: exactly ``len(base) * copies`` items.

    Item ``i`` is view ``i % copies`` of base image ``i // copies``. Views are made on the fly
    (nothing is held in memory) or read from / written to ``cache_dir`` as PNG files.

    Parameters
    ----------
    base : Dataset
        Yields float images ``(3, H, W)`` in ``[0, 1]``. Use center crops, so that a view depends
        only on ``(seed, index)``.
    copies : int
        Views per image (the report's 298 paintings x 12 = 3,576 images).
    policy : {"autoaugment", "randaugment", "trivialaugment"} or callable
        See :func:`augmentation_policy`.
    seed : int or torch.Generator
        View ``v`` of image ``k`` is drawn from a generator seeded by ``(seed, k, v)``.
    cache_dir : str or path-like, optional
        Folder for PNG copies of the views. It records the settings it was made with and refuses
        other settings. It must be used with one base dataset only.
    include_originals : bool
        Make view 0 of every image the unaugmented original (then ``copies - 1`` views per image
        are augmented); the count stays ``len(base) * copies``.
    fill : float, optional
        Fill value (0-255) for uncovered pixels; black when None.
    autoaugment_policy : {"imagenet", "cifar10", "svhn"}
        The learned AutoAugment policy.
    """

    def __init__(
        self,
        base: Dataset,
        copies: int = 12,
        policy: str | Transform = "autoaugment",
        seed: int | torch.Generator = 0,
        cache_dir: str | os.PathLike | None = None,
        include_originals: bool = False,
        fill: float | None = None,
        autoaugment_policy: str = "imagenet",
    ) -> None:
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ValueError(f"copies must be a positive int, got {copies!r}")
        self.base = base
        self.copies = copies
        self.policy = policy if isinstance(policy, str) else getattr(policy, "__name__", type(policy).__name__)
        self.transform = augmentation_policy(policy, fill=fill, autoaugment_policy=autoaugment_policy)
        self.seed = as_int_seed(seed)
        self.include_originals = bool(include_originals)
        self.cache_dir = None if cache_dir is None else Path(cache_dir).expanduser()
        if self.cache_dir is not None:
            self._prepare_cache(fill, autoaugment_policy)

    def _prepare_cache(self, fill: float | None, autoaugment_policy: str) -> None:
        settings = {
            "policy": self.policy,
            "autoaugment_policy": autoaugment_policy,
            "seed": self.seed,
            "copies": self.copies,
            "base_length": len(self.base),
            "fill": fill,
        }
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        manifest = self.cache_dir / _CACHE_MANIFEST
        if manifest.exists():
            recorded = json.loads(manifest.read_text())
            if recorded != settings:
                raise ValueError(
                    f"cache_dir '{self.cache_dir}' holds views made with other settings ({recorded}); "
                    "choose another folder or delete it"
                )
        else:
            manifest.write_text(json.dumps(settings, indent=1))

    def __len__(self) -> int:
        return len(self.base) * self.copies

    def locate(self, index: int) -> tuple[int, int]:
        """Return ``(base_index, view)`` of item ``index``."""
        count = len(self)
        index = operator.index(index)
        if not -count <= index < count:
            raise IndexError(f"index {index} is out of range for {count} views")
        return divmod(index % count, self.copies)

    def _cache_path(self, base_index: int, view: int) -> Path:
        return self.cache_dir / f"{base_index:06d}_{view:03d}.png"

    def view(self, base_index: int, view: int) -> torch.Tensor:
        """Return view ``view`` of base image ``base_index`` as a float image ``(3, H, W)``."""
        if self.include_originals and view == 0:
            return self.base[base_index]
        path = self._cache_path(base_index, view) if self.cache_dir is not None else None
        if path is not None and path.exists():
            with open_image(path) as cached:
                return TF.to_dtype(TF.pil_to_tensor(cached.convert("RGB")), torch.float32, scale=True)
        image = augment_view(self.base[base_index], self.transform, item_seed(self.seed, base_index, view))
        if path is not None:
            temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
            TF.to_pil_image(TF.to_dtype(image, torch.uint8, scale=True)).save(temporary, format="PNG")
            os.replace(temporary, path)
        return image

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.view(*self.locate(index))

    def views(self, base_index: int) -> torch.Tensor:
        """Return every view of base image ``base_index`` as ``(copies, 3, H, W)``."""
        return torch.stack([self.view(base_index, view) for view in range(self.copies)])

    def precompute(self, progress: bool = True) -> Path:
        """Write every view to ``cache_dir`` (views already there are kept) and return the folder."""
        if self.cache_dir is None:
            raise ValueError("precompute needs a cache_dir")
        for index in tqdm(range(len(self)), desc="amplifying", unit="view", disable=not progress):
            base_index, view = self.locate(index)
            if not (self.include_originals and view == 0) and not self._cache_path(base_index, view).exists():
                self.view(base_index, view)
        return self.cache_dir

    def __repr__(self) -> str:
        return (
            f"AmplifiedDataset({len(self.base)} images x {self.copies} copies = {len(self)}, "
            f"policy={self.policy!r}, seed={self.seed}, cache_dir={str(self.cache_dir) if self.cache_dir else None!r})"
        )


def preview_views(
    image: torch.Tensor,
    n: int = 8,
    policy: str | Transform = "autoaugment",
    seed: int = 0,
    include_original: bool = True,
    **options,
) -> torch.Tensor:
    """Return ``n`` views of one image ``(3, H, W)`` as ``(n, 3, H, W)``, the original first.

    The views are those :class:`AmplifiedDataset` gives for base image 0 with the same settings.
    ``options`` go to :func:`augmentation_policy` (``fill``, ``autoaugment_policy``).
    """
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"image must be shaped (3, H, W), got {tuple(image.shape)}")
    amplified = AmplifiedDataset([image], copies=n, policy=policy, seed=seed, include_originals=include_original, **options)
    return amplified.views(0)
