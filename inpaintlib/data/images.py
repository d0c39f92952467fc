"""Reading image files: finding them, turning any mode into RGB, resizing and cropping, checking them.

Taught in notebook 00 (``00_data.ipynb``). The folder dataset built on them is in
:mod:`inpaintlib.data.folder` (re-exported here).

Every image leaves this module as a float32 tensor ``(3, size, size)`` with values in ``[0, 1]``.
Files are read from disk one item at a time, so memory does not grow with the number of images.

Bad files never stop an epoch. When a dataset is built, each file's header is read (and, for a JPEG
or PNG whose end-of-file marker is missing, the whole file is decoded); the files that fail are left
out with ONE warning that lists them. A file that still fails later, at load time, is skipped in
favor of the next image and recorded in ``dataset.bad_files`` (:meth:`ImageFolderDataset.item` raises
instead, for callers such as the evaluation that must not use another image in its place).

Every image and mask file the library decodes is opened with :func:`open_image`, which refuses a file
of more than :data:`MAX_PIXELS` pixels (40 megapixels unless the ``INPAINTLIB_MAX_PIXELS`` environment
variable says otherwise) before decoding it, with a message naming the file: a small compressed file
can otherwise unpack into gigabytes. PIL's own limit (about 89 megapixels, an error only at twice
that) is far higher.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision.transforms.v2 import functional as TF


#: File name endings recognized as images (compared case-insensitively).
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
#: How a dataset checks its files when it is built: see :func:`check_image`.
VERIFY_MODES = ("quick", "full", "none")
#: Crop modes: ``"center"`` for evaluation, ``"random"`` for training.
CROP_MODES = ("center", "random")

_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N"}
_TAIL_BYTES = 1024


def _max_pixels_from_environment(default: int = 40_000_000) -> int:
    text = os.environ.get("INPAINTLIB_MAX_PIXELS", "").strip().replace("_", "")
    if not text:
        return default
    try:
        value = int(float(text))
    except ValueError:
        warnings.warn(f"INPAINTLIB_MAX_PIXELS={text!r} is not a number; using {default}", stacklevel=2)
        return default
    return value if value > 0 else default


#: The decode budget: the most pixels (width x height) any image or mask file may have. Set the
#: ``INPAINTLIB_MAX_PIXELS`` environment variable before importing inpaintlib, or assign
#: ``inpaintlib.data.images.MAX_PIXELS``, to change it.
MAX_PIXELS: int = _max_pixels_from_environment()


class UnreadableImageWarning(UserWarning):
    """Warned (once per dataset) when image files cannot be read and are skipped."""


class ImageTooLargeError(OSError, ValueError):
    """An image file with more pixels than :data:`MAX_PIXELS` (the decode budget); names the file."""


class UnreadableImageError(OSError, ValueError):
    """An image file that cannot be decoded (raised by :meth:`ImageFolderDataset.item`); names the file."""


def check_pixel_budget(height: int, width: int, what: str, limit: int | None = None) -> None:
    """Raise :class:`ImageTooLargeError` when ``height x width`` exceeds the decode budget.

    Parameters
    ----------
    height, width : int
        The size in pixels.
    what : str
        What is that large (a file name, ``"size=(...)"``), for the message.
    limit : int, optional
        The budget; :data:`MAX_PIXELS` when ``None``.
    """
    limit = MAX_PIXELS if limit is None else int(limit)
    if int(height) * int(width) > limit:
        raise ImageTooLargeError(
            f"{what} is {width}x{height} ({int(height) * int(width) / 1e6:.1f} megapixels), more than the "
            f"decode limit of {limit / 1e6:.1f} megapixels; downscale it or raise INPAINTLIB_MAX_PIXELS"
        )


@contextlib.contextmanager
def open_image(path: str | os.PathLike):
    """Open an image file with PIL after checking its size against the decode budget.

    The header is read, the pixel count compared with :data:`MAX_PIXELS`, and only then may the
    caller decode it. PIL's decompression-bomb warning and error are replaced by one
    :class:`ImageTooLargeError` naming the file.

    Raises
    ------
    ImageTooLargeError
        If the image has more than :data:`MAX_PIXELS` pixels.
    OSError
        If the file is missing or not an image (PIL's :class:`~PIL.UnidentifiedImageError`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except Image.DecompressionBombError as error:
            raise ImageTooLargeError(
                f"{path} is larger than the decode limit of {MAX_PIXELS / 1e6:.1f} megapixels ({error}); "
                "downscale it"
            ) from error
    with image:
        width, height = image.size
        check_pixel_budget(height, width, str(path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield image


def is_image_file(path: str | os.PathLike) -> bool:
    """Return True when ``path`` has an image ending and is not a hidden file (``._x.jpg``)."""
    path = Path(path)
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def list_images(root: str | os.PathLike, recursive: bool = True) -> list[Path]:
    """Return the image files under ``root``, sorted by path.

    Sorting makes every later step (splits, limits) independent of the order in which the file
    system lists a folder. Hidden files and folders (names starting with ``.``) are ignored.

    Parameters
    ----------
    root : str or path-like
        A folder; sub-folders are searched too when ``recursive`` is True.
    recursive : bool
        Search nested folders.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    NotADirectoryError
        If ``root`` is a file.
    ValueError
        If ``root`` holds no image files.
    """
    root = Path(root).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"image folder '{root}' does not exist")
    if not root.is_dir():
        raise NotADirectoryError(f"'{root}' is a file, not a folder of images")
    paths: list[Path] = []
    for folder, subfolders, files in os.walk(root, followlinks=True):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        paths.extend(Path(folder) / name for name in files if is_image_file(name))
        if not recursive:
            break
    if not paths:
        endings = ", ".join(sorted(IMAGE_EXTENSIONS))
        raise ValueError(f"no images ({endings}) found in '{root}'")
    return sorted(paths, key=lambda path: path.as_posix())


def to_rgb(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Return ``image`` as an 8-bit RGB image, whatever its mode.

    * grayscale (``1``, ``L``), CMYK and YCbCr are converted directly;
    * 16-bit grayscale (``I;16``) is scaled from 0..65535 to 0..255 (a plain ``convert`` would clip
      everything above 255 to white); 32-bit ``I`` is scaled the same way when its values exceed 255;
    * anything with transparency (RGBA, LA, a palette with a transparent color) is composited onto
      ``background``, so hidden pixels do not leak their arbitrary colors;
    * EXIF orientation is applied, so phone photos stand upright.
    """
    image = ImageOps.exif_transpose(image)
    mode = image.mode
    if mode in _SIXTEEN_BIT_MODES or mode == "I":
        values = np.asarray(image).astype(np.float64)
        if mode in _SIXTEEN_BIT_MODES or values.max(initial=0) > 255:
            values = values / 257.0
        gray = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(gray, mode="L").convert("RGB")
    if mode == "F":
        values = np.asarray(image).astype(np.float64)
        if values.max(initial=0) <= 1.0:
            values = values * 255.0
        gray = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(gray, mode="L").convert("RGB")
    if mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB")


def read_rgb(path: str | os.PathLike, min_size: int | None = None) -> Image.Image:
    """Read one image file as a loaded 8-bit RGB :class:`PIL.Image.Image` (see :func:`to_rgb`).

    Parameters
    ----------
    path : str or path-like
        The image file.
    min_size : int, optional
        The shorter side that will be kept afterwards. A large JPEG is then decoded at a reduced
        scale (never below ``min_size`` pixels on either side), which is much faster.

    Raises
    ------
    OSError
        If the file is missing, not an image, or truncated; :class:`ImageTooLargeError` (also a
        :class:`ValueError`) if it has more pixels than :data:`MAX_PIXELS`.
    """
    with open_image(path) as image:
        if min_size is not None and image.format == "JPEG":
            image.draft(None, (min_size, min_size))
        image.load()
        return to_rgb(image)


def resize_and_crop(
    image: Image.Image,
    size: int,
    crop: str = "center",
    resize: int | None = None,
    generator: torch.Generator | None = None,
) -> Image.Image:
    """Resize the shorter side to ``resize`` (default ``size``), then crop a ``size`` x ``size`` square.

    Parameters
    ----------
    image : PIL.Image.Image
        An RGB image.
    size : int
        Side of the square crop.
    crop : {"center", "random"}
        Where the square is taken from.
    resize : int, optional
        Shorter side after resizing; at least ``size``.
    generator : torch.Generator, optional
        Draws the position of a random crop.
    """
    resize = size if resize is None else resize
    image = TF.resize(image, [resize], antialias=True)
    if crop == "center":
        return TF.center_crop(image, [size, size])
    width, height = image.size
    top = int(torch.randint(0, height - size + 1, (1,), generator=generator))
    left = int(torch.randint(0, width - size + 1, (1,), generator=generator))
    return TF.crop(image, top, left, size, size)


def pil_to_float(image: Image.Image) -> torch.Tensor:
    """Return an RGB PIL image as a float32 tensor ``(3, H, W)`` in ``[0, 1]``."""
    return TF.to_dtype(TF.pil_to_tensor(image), torch.float32, scale=True)


def load_image(
    path: str | os.PathLike,
    size: int | None = None,
    crop: str = "center",
    resize: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Read an image file as a float32 tensor ``(3, H, W)`` in ``[0, 1]``.

    Parameters
    ----------
    path : str or path-like
        Any file PIL reads; every mode is turned into RGB (see :func:`to_rgb`).
    size : int, optional
        When given, resize the shorter side and crop a ``size`` x ``size`` square (see
        :func:`resize_and_crop`); otherwise the image keeps its own size.
    crop, resize, generator
        Passed to :func:`resize_and_crop`.
    """
    if size is not None:
        _check_size(size, crop, resize)
    image = read_rgb(path, min_size=None if size is None else (resize or size))
    if size is not None:
        image = resize_and_crop(image, size, crop=crop, resize=resize, generator=generator)
    return pil_to_float(image)


def check_image(path: str | os.PathLike, verify: str = "quick") -> str | None:
    """Return why ``path`` cannot be read, or None when it looks fine.

    Parameters
    ----------
    path : str or path-like
        The file to check.
    verify : {"quick", "full", "none"}
        ``"quick"`` reads the header (catches empty files and files that are not images) and the
        last kilobyte: a JPEG without its end-of-image marker or a PNG without its ``IEND`` chunk
        (the signs of a truncated file) is decoded in full, as is any other format. ``"full"`` decodes
        every file. ``"none"`` checks nothing.
    """
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify must be one of {VERIFY_MODES}, got {verify!r}")
    if verify == "none":
        return None
    try:
        with open_image(path) as image:
            decode = verify == "full" or not _has_end_marker(path, image.format)
            if decode:
                image.load()
                to_rgb(image)
    except Exception as error:  # PIL raises many kinds (OSError, SyntaxError, struct.error, ...)
        return f"{type(error).__name__}: {error}"
    return None


def _has_end_marker(path: str | os.PathLike, image_format: str | None) -> bool:
    """True when a JPEG/PNG file ends as a complete one should; False for every other format."""
    markers = {"JPEG": b"\xff\xd9", "PNG": b"IEND"}
    marker = markers.get(image_format or "")
    if marker is None:
        return False
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - _TAIL_BYTES))
        return marker in handle.read()


def _check_size(size: int, crop: str, resize: int | None) -> None:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if crop not in CROP_MODES:
        raise ValueError(f"crop must be one of {CROP_MODES}, got {crop!r}")
    if resize is not None and (not isinstance(resize, (int, np.integer)) or resize < size):
        raise ValueError(f"resize must be an int >= size ({size}), got {resize!r}")


# The folder dataset reads its files with the functions above; it is importable from here too.
from .folder import ImageFolderDataset, stack_images  # noqa: E402,F401  (data/load.py and scoring.py import them from here)
