"""Recognizing how a dataset folder is laid out, and finding a local copy of monet2photo.

Taught in notebook 00 (``00_data.ipynb``).

Layouts, checked in this order:

``"cyclegan"``
    CycleGAN's monet2photo archive: ``trainA/`` and ``testA/`` hold the Monet paintings,
    ``trainB/`` and ``testB/`` the photos. The archive unpacks into a ``monet2photo/`` folder;
    pointing at its parent works too.
``"kaggle"``
    Kaggle's "I'm Something of a Painter Myself": ``monet_jpg/`` and ``photo_jpg/``.
``"pair"``
    A ``monet/`` folder and a ``photo/`` folder (``paintings/`` and ``photos/`` are accepted too).
``"folder"``
    Any other folder of images: one domain, the whole folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import runtime

#: The two domains of monet2photo.
DOMAINS = ("photo", "monet")
_DOMAIN_ALIASES = {
    "photo": "photo",
    "photos": "photo",
    "b": "photo",
    "monet": "monet",
    "painting": "monet",
    "paintings": "monet",
    "a": "monet",
}
_LAYOUTS = (
    ("cyclegan", {"monet": ("trainA", "testA"), "photo": ("trainB", "testB")}),
    ("kaggle", {"monet": ("monet_jpg",), "photo": ("photo_jpg",)}),
    ("pair", {"monet": ("monet", "paintings"), "photo": ("photo", "photos")}),
)
#: A one-line description of each layout, for messages and notebooks.
LAYOUT_DESCRIPTIONS = {
    "cyclegan": "CycleGAN layout: trainA/testA = Monet, trainB/testB = photos",
    "kaggle": "Kaggle layout: monet_jpg/ + photo_jpg/",
    "pair": "monet/ + photo/ layout",
    "folder": "a plain folder of images",
}


def canonical_domain(domain: str) -> str:
    """Return ``"photo"`` or ``"monet"`` for ``domain`` (aliases: photos, painting(s), A, B)."""
    key = str(domain).strip().lower()
    if key not in _DOMAIN_ALIASES:
        raise ValueError(f"domain must be 'photo' or 'monet', got {domain!r}")
    return _DOMAIN_ALIASES[key]


@dataclass(frozen=True)
class Layout:
    """How a dataset folder is organized.

    Attributes
    ----------
    name : str
        ``"cyclegan"``, ``"kaggle"``, ``"pair"`` or ``"folder"``.
    root : pathlib.Path
        The folder the layout was found in.
    folders : dict
        Domain name (``"photo"``, ``"monet"``; ``"images"`` for a plain folder) -> existing folders.
    """

    name: str
    root: Path
    folders: dict[str, tuple[Path, ...]] = field(default_factory=dict)

    @property
    def has_domains(self) -> bool:
        """True for the two-domain layouts (everything but a plain folder)."""
        return self.name != "folder"

    def domain_folders(self, domain: str) -> tuple[Path, ...]:
        """Return the folders holding ``domain`` (all of a plain folder, whatever the domain)."""
        if not self.has_domains:
            return self.folders["images"]
        domain = canonical_domain(domain)
        folders = self.folders.get(domain, ())
        if not folders:
            raise FileNotFoundError(f"'{self.root}' ({LAYOUT_DESCRIPTIONS[self.name]}) has no {domain} folder")
        return folders

    @property
    def description(self) -> str:
        """One line naming the layout."""
        return LAYOUT_DESCRIPTIONS[self.name]


def _match_layout(root: Path) -> Layout | None:
    for name, domains in _LAYOUTS:
        folders = {
            domain: tuple(root / sub for sub in subfolders if (root / sub).is_dir())
            for domain, subfolders in domains.items()
        }
        if any(folders.values()):
            return Layout(name, root, {domain: paths for domain, paths in folders.items() if paths})
    return None


def find_layout(root: str | os.PathLike) -> Layout:
    """Recognize the layout of the dataset folder ``root`` (see the module docstring).

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is a file.
    """
    root = Path(root).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"dataset folder '{root}' does not exist")
    if not root.is_dir():
        raise NotADirectoryError(f"'{root}' is a file, not a dataset folder")
    layout = _match_layout(root)
    if layout is not None:
        return layout
    nested = root / "monet2photo"
    if nested.is_dir() and (layout := _match_layout(nested)) is not None:
        return layout
    return Layout("folder", root, {"images": (root,)})


def monet2photo_candidates(data_dir: str | os.PathLike | None = None) -> list[tuple[Path, str]]:
    """Return the places searched for a local monet2photo copy, in order, with where each came from.

    1. the ``data_dir`` argument; 2. ``$INPAINTLIB_DATA``; 3. the project's ``data/monet2photo``.
    """
    candidates: list[tuple[Path, str]] = []
    if data_dir not in (None, ""):
        candidates.append((Path(data_dir).expanduser(), "data_dir"))
    env_value = os.environ.get(runtime.DATA_ENV, "").strip()
    if env_value:
        candidates.append((Path(env_value).expanduser(), f"${runtime.DATA_ENV}"))
    candidates.append((runtime.data_root() / "monet2photo", "the project's data folder"))
    return candidates


def find_monet2photo(data_dir: str | os.PathLike | None = None) -> tuple[Layout | None, str]:
    """Look for a local monet2photo copy.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Looked at first; then ``$INPAINTLIB_DATA``, then ``<project>/data/monet2photo``.

    Returns
    -------
    layout : Layout or None
        The first candidate that exists and has a Monet/photo layout.
    reason : str
        Where it was found (e.g. ``"$INPAINTLIB_DATA"``), or, when nothing was found, what was looked at.
    """
    looked: list[str] = []
    for path, origin in monet2photo_candidates(data_dir):
        if not path.is_dir():
            looked.append(f"{origin} {path} is missing")
            continue
        layout = find_layout(path)
        if layout.has_domains:
            return layout, origin
        looked.append(f"{origin} {path} has no trainA/trainB, monet_jpg/photo_jpg or monet/photo folders")
    return None, "; ".join(looked)
