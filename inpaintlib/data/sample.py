"""The offline default dataset: random crops of the color photos scikit-image ships in its wheel.

Taught in notebook 00 (``00_data.ipynb``).

Seven photos are bundled with scikit-image (no download ever happens): ``astronaut``, ``chelsea``,
``coffee``, ``rocket``, ``hubble_deep_field`` and the two views of ``stereo_motorcycle``. Crops of
random position, scale and flip, resized to the requested size, give a few hundred varied training
images, so every notebook runs without a network connection.

There are no paintings among them. For ``domain="monet"`` the same crops are taken from a painterly
version of each photo (OpenCV's edge-preserving ``cv2.stylization``) — a stand-in, not Monet.
"""

from __future__ import annotations

import operator
from functools import lru_cache

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset
from torchvision.transforms.v2 import functional as TF

from ._seeding import as_int_seed
from .layouts import canonical_domain

#: The bundled scikit-image photos the offline default is cut from.
SAMPLE_PHOTOS = (
    "astronaut",
    "chelsea",
    "coffee",
    "rocket",
    "hubble_deep_field",
    "stereo_motorcycle_left",
    "stereo_motorcycle_right",
)
#: Number of crops in the offline default dataset.
DEFAULT_SAMPLE_COUNT = 240
_MAX_SOURCE_SIDE = 512
_SCALE_RANGE = (0.4, 1.0)


def _load_photo(name: str) -> np.ndarray:
    from skimage import data  # imported here: scikit-image is slow to import

    if name.startswith("stereo_motorcycle"):
        left, right, _disparity = data.stereo_motorcycle()
        return left if name.endswith("left") else right
    return getattr(data, name)()


@lru_cache(maxsize=2)
def sample_sources(domain: str = "photo") -> tuple[torch.Tensor, ...]:
    """Return the bundled photos as uint8 tensors ``(3, H, W)``, shorter side at most 512 pixels.

    For ``domain="monet"`` each photo is passed through ``cv2.stylization`` first.
    """
    domain = canonical_domain(domain)
    sources = []
    for name in SAMPLE_PHOTOS:
        photo = np.ascontiguousarray(_load_photo(name)[..., :3])
        height, width = photo.shape[:2]
        scale = _MAX_SOURCE_SIDE / min(height, width)
        if scale < 1:
            photo = cv2.resize(photo, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        if domain == "monet":
            photo = cv2.stylization(photo, sigma_s=60, sigma_r=0.45)
        sources.append(torch.from_numpy(np.ascontiguousarray(photo)).permute(2, 0, 1).contiguous())
    return tuple(sources)


class SampleDataset(Dataset):
    """Deterministic random crops of the bundled scikit-image photos, made on the fly.

    Crop ``i`` comes from photo ``i % 7``; its position, scale (40-100 % of the shorter side) and
    horizontal flip are drawn once from ``seed`` when the dataset is built, so ``dataset[i]`` is the
    same whatever order items are read in. Only the seven source photos are held in memory (about
    7 MB); each crop is cut and resized when it is read.

    Parameters
    ----------
    n : int
        Number of crops.
    size : int
        Side of each (square) crop after resizing.
    seed : int or torch.Generator
        Chooses the crops.
    domain : {"photo", "monet"}
        ``"monet"`` crops painterly versions of the photos (see the module docstring).
    """

    def __init__(self, n: int = DEFAULT_SAMPLE_COUNT, size: int = 128, seed: int | torch.Generator = 0, domain: str = "photo"):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"size must be a positive int, got {size!r}")
        self.n = int(n)
        self.size = int(size)
        self.domain = canonical_domain(domain)
        self.seed = as_int_seed(seed)
        generator = torch.Generator().manual_seed(self.seed)
        # One row per crop: scale, vertical position, horizontal position, flip draw (all in [0, 1)).
        self._draws = torch.rand(self.n, 4, generator=generator, dtype=torch.float64)
        self.paths = [f"{SAMPLE_PHOTOS[i % len(SAMPLE_PHOTOS)]}#crop{i}" for i in range(self.n)]

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> torch.Tensor:
        index = operator.index(index)
        if not -self.n <= index < self.n:
            raise IndexError(f"index {index} is out of range for {self.n} crops")
        index %= self.n
        source = sample_sources(self.domain)[index % len(SAMPLE_PHOTOS)]
        scale_draw, top_draw, left_draw, flip_draw = self._draws[index].tolist()
        height, width = source.shape[-2:]
        low, high = _SCALE_RANGE
        side = max(1, round(min(height, width) * (low + (high - low) * scale_draw)))
        top = int(top_draw * (height - side + 1))
        left = int(left_draw * (width - side + 1))
        crop = source[:, top : top + side, left : left + side]
        if flip_draw < 0.5:
            crop = crop.flip(-1)
        crop = TF.resize(crop, [self.size, self.size], antialias=True)
        return TF.to_dtype(crop, torch.float32, scale=True)

    def __repr__(self) -> str:
        return f"SampleDataset(n={self.n}, size={self.size}, seed={self.seed}, domain={self.domain!r})"


def sample_images(
    n: int = 16,
    size: int = 128,
    seed: int | torch.Generator = 0,
    domain: str = "photo",
    as_dataset: bool = False,
) -> torch.Tensor | SampleDataset:
    """Return ``n`` offline sample images, cut from the photos bundled with scikit-image.

    Parameters
    ----------
    n : int
        Number of crops.
    size : int
        Side of each square image.
    seed : int or torch.Generator
        Same seed, same crops.
    domain : {"photo", "monet"}
        ``"monet"`` gives painterly stand-ins (no real paintings ship offline).
    as_dataset : bool
        Return the lazy :class:`SampleDataset` instead of a tensor.

    Returns
    -------
    torch.Tensor or SampleDataset
        A float32 tensor ``(n, 3, size, size)`` in ``[0, 1]`` (or the dataset).
    """
    dataset = SampleDataset(n=n, size=size, seed=seed, domain=domain)
    if as_dataset:
        return dataset
    return torch.stack([dataset[i] for i in range(len(dataset))])
