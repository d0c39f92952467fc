"""One entry point for every dataset: :func:`load_dataset` returns a seeded train/validation/test split.

Taught in notebook 00 (``00_data.ipynb``); every training notebook loads its split here.

The split is 70/15/15 by default. Training fits on ``train``, the best epoch is chosen on ``val``,
and the comparisons with the classical methods score ``test``, which neither touched.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
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
    """A train/validation/test split and what it is made of.

    Attributes
    ----------
    train, val, test : Dataset
        Yield float32 images ``(3, size, size)`` in ``[0, 1]``. ``train`` is what a model fits,
        ``val`` chooses the best epoch, ``test`` is scored once at the end (it may be empty for a
        tiny dataset).
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
    test: Dataset = field(default_factory=lambda: Subset([], []))

    @property
    def counts(self) -> dict[str, int]:
        """Number of images in each part: ``{"train": ..., "val": ..., "test": ...}``."""
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


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


def _check_fractions(val_fraction: float, test_fraction: float) -> None:
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction!r}")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be below 1 (some images must train), got "
            f"{val_fraction!r} + {test_fraction!r}"
        )


def split_sizes(kept: int, val_fraction: float = 0.15, test_fraction: float = 0.15) -> tuple[int, int, int]:
    """Return how many of ``kept`` items go to train, validation and test.

    ``round(kept * fraction)`` each, with the small-dataset rules: at least one validation item
    when ``val_fraction > 0`` and two or more are kept, at least one test item when
    ``test_fraction > 0`` and three or more are kept, and always at least one training item when
    any is kept. So 1 item is 1/0/0, 2 items are 1/1/0 and 3 items are 1/1/1 (with both fractions
    above 0); the test part of a tiny dataset may be empty.
    """
    if isinstance(kept, bool) or not isinstance(kept, int) or kept < 0:
        raise ValueError(f"kept must be an int >= 0, got {kept!r}")
    _check_fractions(val_fraction, test_fraction)
    val_count = round(kept * val_fraction)
    if val_fraction > 0 and kept >= 2:
        val_count = min(max(val_count, 1), kept - 1)
    test_count = round(kept * test_fraction)
    if test_fraction > 0 and kept >= 3:
        test_count = max(test_count, 1)
    test_count = max(0, min(test_count, kept - val_count - 1))
    return kept - val_count - test_count, val_count, test_count


def split_indices(
    count: int,
    val_fraction: float = 0.15,
    seed: int = 0,
    limit: int | None = None,
    test_fraction: float = 0.15,
) -> tuple[list[int], list[int], list[int]]:
    """Return sorted, disjoint train, validation and test indices for ``count`` items, chosen by ``seed``.

    The items are shuffled with a generator seeded by ``seed``; the first ``limit`` (all when None)
    are kept. Of those, the first ``test`` go to test, the next ``val`` to validation and the rest
    to train, with the sizes of :func:`split_sizes` (70/15/15 by default). Same ``count`` and seed,
    same split. Pass items in a fixed order (e.g. sorted paths) so the split does not depend on how
    a folder is listed.

    Because test comes first in the shuffle, the test images of a run on ``limit`` items are test
    images of every run with the same seed on more items, and with ``test_fraction=0`` the split
    is the older two-way one (validation first): its validation part holds this test part.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count must be an int >= 0, got {count!r}")
    _check_fractions(val_fraction, test_fraction)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a positive int or None, got {limit!r}")
    generator = torch.Generator().manual_seed(int(seed))
    order = torch.randperm(count, generator=generator).tolist()
    kept = order[: min(count, limit)] if limit is not None else order
    _, val_count, test_count = split_sizes(len(kept), val_fraction, test_fraction)
    test = kept[:test_count]
    val = kept[test_count : test_count + val_count]
    return sorted(kept[test_count + val_count :]), sorted(val), sorted(test)


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


def _parts_text(train: int, val: int, test: int) -> str:
    return f"{train} train / {val} validation / {test} test"


def _split_text(counts: tuple[int, int, int], total: int, limit: int | None, seed: int, size: int, train_crop: str) -> str:
    limited = f", limited to {sum(counts)}" if limit is not None and limit < total else ""
    crops = "center crops" if train_crop == "center" else "random crops for training, center crops for validation and test"
    return f"{total} images{limited}, split by seed {seed} into {_parts_text(*counts)}, {size} px {crops}"


def _folder_split(
    layout: Layout,
    domain: str,
    size: int,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    limit: int | None,
    train_crop: str,
    verify: str,
) -> tuple[Dataset, Dataset, Dataset, str]:
    paths = _domain_paths(layout, domain)
    checked = ImageFolderDataset(paths, size, verify=verify)  # one warning for all bad files
    train_index, val_index, test_index = split_indices(len(checked.paths), val_fraction, seed, limit, test_fraction)
    train = ImageFolderDataset([checked.paths[i] for i in train_index], size, crop=train_crop, seed=seed, verify="none")

    def held_out(index: list[int]) -> Dataset:
        if not index:
            return Subset(checked, [])
        return ImageFolderDataset([checked.paths[i] for i in index], size, crop="center", verify="none")

    val, test = held_out(val_index), held_out(test_index)
    counts = (len(train), len(val), len(test))
    skipped = f" ({len(checked.bad_files)} unreadable files skipped)" if checked.bad_files else ""
    return train, val, test, _split_text(counts, len(checked.paths), limit, seed, size, train_crop) + skipped


def _sample_split(
    domain: str, size: int, val_fraction: float, test_fraction: float, seed: int, limit: int | None, sample_count: int
) -> tuple[Subset, Subset, Subset, str]:
    crops = SampleDataset(n=sample_count, size=size, seed=seed, domain=domain)
    parts = split_indices(len(crops), val_fraction, seed, limit, test_fraction)
    kept = sum(map(len, parts))
    what = "painterly stand-ins (cv2.stylization) cut from" if domain == "monet" else "random crops of"
    limited = f" (limited to {kept})" if limit is not None and limit < len(crops) else ""
    text = (
        f"{len(crops)} {what} the {len(SAMPLE_PHOTOS)} color photos bundled with scikit-image "
        f"({', '.join(SAMPLE_PHOTOS)}){limited}, split by seed {seed} into {_parts_text(*map(len, parts))}, "
        f"{size} px. Validation and test crops come from the same photos as the training crops, so "
        "their scores are optimiztic"
    )
    train, val, test = (Subset(crops, index) for index in parts)
    return train, val, test, text


def load_dataset(
    source: str | os.PathLike = "auto", domain: str = "photo", size: int = 128,
    data_dir: str | os.PathLike | None = None, val_fraction: float = 0.15, seed: int = 0, limit: int | None = None,
    *, test_fraction: float = 0.15, train_crop: str = "center", amplify: int | None = None,
    policy: str = "autoaugment", sample_count: int = DEFAULT_SAMPLE_COUNT, verify: str = "quick", verbose: bool = True,
) -> DatasetSplit:
    """Load a dataset as a seeded train/validation/test split of ``(3, size, size)`` float images.

    Parameters
    ----------
    source : {"auto", "monet2photo", "sample"} or path
        ``"auto"``: a local monet2photo copy when one is found (``data_dir``, then ``$INPAINTLIB_DATA``, then
        ``<project>/data/monet2photo``), else the offline default. ``"monet2photo"``: the local copy, or
        :class:`FileNotFoundError`. ``"sample"``: the offline default (crops of scikit-image's bundled photos).
        A path: any folder, in any layout of :mod:`inpaintlib.data.layouts`.
    domain : {"photo", "monet"}
        Which half of a two-domain dataset (ignored by a plain folder).
    size : int
        Side of every image (128 for the center model, 224 for the others).
    data_dir : str or path-like, optional
        Where the local copy is; with ``"auto"`` a missing ``data_dir`` is an error, not a fallback.
    val_fraction : float
        Share of the images kept for validation, which chooses the best epoch (0.15).
    seed : int
        Chooses the split (and the random crops); the same seed gives the same split.
    limit : int, optional
        Use at most this many images (a seeded subset, taken before splitting), e.g. for quick runs.
    test_fraction : float
        Share of the images kept for the final test, which no training run sees (0.15; with the
        default ``val_fraction`` a 70/15/15 split). ``0`` gives a train/validation split.
        See :func:`split_indices` for the small-dataset rules.
    train_crop : {"center", "random"}
        Crop of the training images; validation and test images are always center-cropped.
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
    _check_load_arguments(size, seed, train_crop, verify, val_fraction, test_fraction)
    name, layout, why = _find_source(source, data_dir)
    if layout is None:
        split = _sample_dataset(name, why, domain, size, val_fraction, test_fraction, seed, limit, sample_count)
    else:
        split = _folder_dataset(layout, why, domain, size, val_fraction, test_fraction, seed, limit, train_crop, verify)
    _amplify_training_part(split, amplify, policy, seed)
    logger.info(split.description)
    if verbose:
        print(f"data: {split.description}")
    return split


def _check_load_arguments(size, seed, train_crop: str, verify: str, val_fraction: float, test_fraction: float) -> None:
    """Raise :class:`ValueError` for a size, seed, crop, check mode or fraction :func:`load_dataset` does not take."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    if train_crop not in ("center", "random"):
        raise ValueError(f"train_crop must be 'center' or 'random', got {train_crop!r}")
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify must be one of {VERIFY_MODES}, got {verify!r}")
    _check_fractions(val_fraction, test_fraction)


def _find_source(source, data_dir) -> tuple[str, Layout | None, str]:
    """Return the source's name, its folder layout (None for the offline default) and why that data is used."""
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
    return name, layout, why


def _sample_dataset(
    name: str, why: str, domain: str, size: int, val_fraction: float, test_fraction: float, seed: int,
    limit: int | None, sample_count: int,
) -> DatasetSplit:
    """The offline default's split, described as asked for or as the fallback (with ``why`` no copy was found)."""
    train, val, test, text = _sample_split(domain, size, val_fraction, test_fraction, seed, limit, sample_count)
    if name == "sample":
        description = f"The offline default dataset (asked for): {text}."
    else:
        description = (
            f"No local monet2photo copy was found ({why}), so the offline default is used: "
            f"{text}. For the real data, {_DOWNLOAD_HINT}."
        )
    return DatasetSplit(train, val, "sample", description, None, None, domain, size, test)


def _folder_dataset(
    layout: Layout, why: str, domain: str, size: int, val_fraction: float, test_fraction: float, seed: int,
    limit: int | None, train_crop: str, verify: str,
) -> DatasetSplit:
    """A folder's split: a monet2photo copy (one domain of it) or a plain folder of images."""
    train, val, test, text = _folder_split(layout, domain, size, val_fraction, test_fraction, seed, limit, train_crop, verify)
    if layout.has_domains:
        noun = "Photos" if domain == "photo" else "Monet paintings"
        description = f"{noun} from the local monet2photo copy at {layout.root} (found via {why}; {layout.description}): {text}."
        kind = "monet2photo"
    else:
        description = f"Images from the folder {layout.root} ({layout.description}, so the domain does not apply): {text}."
        kind = "folder"
    return DatasetSplit(train, val, kind, description, layout.root, layout.name, domain, size, test)


def _amplify_training_part(split: DatasetSplit, amplify: int | None, policy: str, seed: int) -> None:
    """Wrap ``split.train`` in :class:`AmplifiedDataset` (``amplify`` views per image) and say so; None leaves it."""
    if amplify is None:
        return
    split.train = AmplifiedDataset(split.train, copies=amplify, policy=policy, seed=seed)
    split.description += f" The training part is amplified with {policy} to {len(split.train)} views ({amplify} per image)."
