"""One entry point for every dataset: :func:`load_dataset` returns a seeded train/validation split."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset, Subset

from .amplify import AmplifiedDataset
from .images import VERIFY_MODES, ImageFolderDataset, list_images
from .layouts import Layout, canonical_domain, find_layout, find_monet2photo
from .sample import DEFAULT_SAMPLE_COUNT, SAMPLE_PHOTOS, SampleDataset

logger = logging.getLogger("inpaintlib.data")

#: Named sources; anything else is taken as a folder path.
SOURCES = ("auto", "monet2photo", "sample")
_DOWNLOAD_HINT = "download it with `python -m inpaintlib.download` or point $INPAINTLIB_DATA at a copy (see data/README.md)"


@dataclass
class DatasetSplit:
    """A train/validation split and what it is made of.

    Attributes
    ----------
    train, val : Dataset
        Yield float32 images ``(3, size, size)`` in ``[0, 1]``.
    source : str
        ``"monet2photo"``, ``"sample"`` (the offline default) or ``"folder"``.
    description : str
        A sentence saying which data is used and why.
    root : pathlib.Path or None
        The dataset folder (None for the offline default).
    layout : str or None
        ``"cyclegan"``, ``"kaggle"``, ``"pair"``, ``"folder"``, or None for the offline default.
    domain : str
        ``"photo"`` or ``"monet"``.
    size : int
        Side of every image.
    """

    train: Dataset
    val: Dataset
    source: str
    description: str
    root: Path | None = None
    layout: str | None = None
    domain: str = "photo"
    size: int = 128

    @property
    def counts(self) -> dict[str, int]:
        """Number of images in each part: ``{"train": ..., "val": ...}``."""
        return {"train": len(self.train), "val": len(self.val)}


def image_names(dataset: Dataset) -> list[str]:
    """Return a name for every item of ``dataset``: file paths, ``"<photo>#crop<i>"`` or ``"...#view<v>"``.

    Works through :class:`~torch.utils.data.Subset` and :class:`AmplifiedDataset`; useful to compare
    splits or to label results.
    """
    if isinstance(dataset, Subset):
        names = image_names(dataset.dataset)
        return [names[i] for i in dataset.indices]
    if isinstance(dataset, AmplifiedDataset):
        return [f"{name}#view{view}" for name in image_names(dataset.base) for view in range(dataset.copies)]
    if hasattr(dataset, "paths"):
        return [str(path) for path in dataset.paths]
    return [f"#{i}" for i in range(len(dataset))]


def split_indices(count: int, val_fraction: float = 0.2, seed: int = 0, limit: int | None = None) -> tuple[list[int], list[int]]:
    """Return sorted train and validation indices for ``count`` items, chosen by ``seed``.

    The items are shuffled with a generator seeded by ``seed``; the first ``limit`` (all when None)
    are kept, and ``round(kept * val_fraction)`` of those (at least one when ``val_fraction > 0`` and
    two or more are kept) go to validation. Same ``count`` and seed, same split. Pass items in a fixed
    order (e.g. sorted paths) so the split does not depend on how a folder is listed.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be an int >= 0, got {count!r}")
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    generator = torch.Generator().manual_seed(int(seed))
    order = torch.randperm(count, generator=generator).tolist()
    kept = order[: min(count, limit)] if limit is not None else order
    val_count = round(len(kept) * val_fraction)
    if val_fraction > 0 and len(kept) >= 2:
        val_count = min(max(val_count, 1), len(kept) - 1)
    return sorted(kept[val_count:]), sorted(kept[:val_count])


def _domain_paths(layout: Layout, domain: str) -> list[Path]:
    folders = layout.domain_folders(domain)
    paths: list[Path] = []
    for folder in folders:
        try:
            paths.extend(list_images(folder))
        except ValueError:
            continue  # e.g. an empty testA/: the other folder may still hold images
    if not paths:
        raise ValueError(f"no images found in {', '.join(repr(str(folder)) for folder in folders)}")
    return sorted(set(paths), key=lambda path: path.as_posix())


def _split_text(split_train: int, split_val: int, total: int, limit: int | None, seed: int, size: int, train_crop: str) -> str:
    limited = f", limited to {split_train + split_val}" if limit is not None and limit < total else ""
    crops = "center crops" if train_crop == "center" else "random crops for training, center crops for validation"
    return f"{total} images{limited}, split by seed {seed} into {split_train} train / {split_val} validation, {size} px {crops}"


def _folder_split(
    layout: Layout,
    domain: str,
    size: int,
    val_fraction: float,
    seed: int,
    limit: int | None,
    train_crop: str,
    verify: str,
) -> tuple[ImageFolderDataset, ImageFolderDataset, str]:
    paths = _domain_paths(layout, domain)
    checked = ImageFolderDataset(paths, size, verify=verify)  # one warning for all bad files
    train_index, val_index = split_indices(len(checked.paths), val_fraction, seed, limit)
    train = ImageFolderDataset([checked.paths[i] for i in train_index], size, crop=train_crop, seed=seed, verify="none")
    val = (
        ImageFolderDataset([checked.paths[i] for i in val_index], size, crop="center", verify="none")
        if val_index
        else Subset(checked, [])
    )
    skipped = f" ({len(checked.bad_files)} unreadable files skipped)" if checked.bad_files else ""
    return train, val, _split_text(len(train), len(val), len(checked.paths), limit, seed, size, train_crop) + skipped


def _sample_split(
    domain: str, size: int, val_fraction: float, seed: int, limit: int | None, sample_count: int
) -> tuple[Subset, Subset, str]:
    crops = SampleDataset(n=sample_count, size=size, seed=seed, domain=domain)
    train_index, val_index = split_indices(len(crops), val_fraction, seed, limit)
    what = "painterly stand-ins (cv2.stylization) cut from" if domain == "monet" else "random crops of"
    limited = f" (limited to {len(train_index) + len(val_index)})" if limit is not None and limit < len(crops) else ""
    text = (
        f"{len(crops)} {what} the {len(SAMPLE_PHOTOS)} colour photos bundled with scikit-image "
        f"({', '.join(SAMPLE_PHOTOS)}){limited}, split by seed {seed} into {len(train_index)} train / "
        f"{len(val_index)} validation, {size} px. Validation crops come from the same photos, so "
        "validation scores are optimistic"
    )
    return Subset(crops, train_index), Subset(crops, val_index), text


def load_dataset(
    source: str | os.PathLike = "auto",
    domain: str = "photo",
    size: int = 128,
    data_dir: str | os.PathLike | None = None,
    val_fraction: float = 0.2,
    seed: int = 0,
    limit: int | None = None,
    *,
    train_crop: str = "center",
    amplify: int | None = None,
    policy: str = "autoaugment",
    sample_count: int = DEFAULT_SAMPLE_COUNT,
    verify: str = "quick",
    verbose: bool = True,
) -> DatasetSplit:
    """Load a dataset as a seeded train/validation split of ``(3, size, size)`` float images.

    Parameters
    ----------
    source : {"auto", "monet2photo", "sample"} or path
        ``"auto"``: a local monet2photo copy when one is found (``data_dir``, then
        ``$INPAINTLIB_DATA``, then ``<project>/data/monet2photo``), else the offline default.
        ``"monet2photo"``: the local copy, or :class:`FileNotFoundError`. ``"sample"``: the offline
        default (crops of scikit-image's bundled photos). A path: any folder, in any layout of
        :mod:`inpaintlib.data.layouts`.
    domain : {"photo", "monet"}
        Which half of a two-domain dataset (ignored by a plain folder).
    size : int
        Side of every image (128 for the center model, 224 for the others).
    data_dir : str or path-like, optional
        Where the local copy is; with ``"auto"`` a missing ``data_dir`` is an error, not a fallback.
    val_fraction : float
        Share of the images kept for validation (0.2: an 80/20 split).
    seed : int
        Chooses the split (and the random crops); the same seed gives the same split.
    limit : int, optional
        Use at most this many images (a seeded subset, taken before splitting), e.g. for quick runs.
    train_crop : {"center", "random"}
        Crop of the training images; validation images are always center-cropped.
    amplify : int, optional
        Wrap the training part in :class:`AmplifiedDataset` with this many views per image.
    policy : {"autoaugment", "randaugment", "trivialaugment"}
        The amplification policy.
    sample_count : int
        Number of crops in the offline default.
    verify : {"quick", "full", "none"}
        How image files are checked up front (see :func:`inpaintlib.data.check_image`).
    verbose : bool
        Print the description as one line (it is always logged to ``inpaintlib.data``).

    Returns
    -------
    DatasetSplit
    """
    domain = canonical_domain(domain)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if train_crop not in ("center", "random"):
        raise ValueError(f"train_crop must be 'center' or 'random', got {train_crop!r}")
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify must be one of {VERIFY_MODES}, got {verify!r}")
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    noun = "Photos" if domain == "photo" else "Monet paintings"
    layout: Layout | None = None
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else source
    if not isinstance(name, str):
        raise ValueError(f"source must be 'auto', 'monet2photo', 'sample' or a folder path, got {source!r}")

    if name == "auto" and data_dir not in (None, ""):
        if not Path(data_dir).expanduser().exists():
            raise FileNotFoundError(f"data_dir '{data_dir}' does not exist")
        layout, why = find_layout(data_dir), "the data_dir argument"
    elif name in ("auto", "monet2photo"):
        layout, why = find_monet2photo(data_dir)
        if layout is None and name == "monet2photo":
            raise FileNotFoundError(f"no local monet2photo copy found ({why}); {_DOWNLOAD_HINT}")
    elif name == "sample":
        why = "asked for"
    else:
        path = Path(name).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"source '{name}' is neither one of {SOURCES} nor an existing folder")
        layout, why = find_layout(path), "the source argument"

    if layout is None:
        train, val, text = _sample_split(domain, size, val_fraction, seed, limit, sample_count)
        if name == "sample":
            description = f"The offline default dataset (asked for): {text}."
        else:
            description = (
                f"No local monet2photo copy was found ({why}), so the offline default is used: "
                f"{text}. For the real data, {_DOWNLOAD_HINT}."
            )
        split = DatasetSplit(train, val, "sample", description, None, None, domain, size)
    else:
        train, val, text = _folder_split(layout, domain, size, val_fraction, seed, limit, train_crop, verify)
        if layout.has_domains:
            description = f"{noun} from the local monet2photo copy at {layout.root} (found via {why}; {layout.description}): {text}."
            kind = "monet2photo"
        else:
            description = f"Images from the folder {layout.root} ({layout.description}, so the domain does not apply): {text}."
            kind = "folder"
        split = DatasetSplit(train, val, kind, description, layout.root, layout.name, domain, size)

    if amplify is not None:
        split.train = AmplifiedDataset(split.train, copies=amplify, policy=policy, seed=seed)
        split.description += f" The training part is amplified with {policy} to {len(split.train)} views ({amplify} per image)."
    logger.info(split.description)
    if verbose:
        print(f"data: {split.description}")
    return split

