"""Downloading the monet2photo dataset (CycleGAN's public archive) into the project's ``data/`` folder.

Taught in notebook 00 (``00_data.ipynb``).

The archive is streamed to ``<root>/monet2photo.zip.part`` with a progress bar; an interrupted
download resumes from where it stopped (HTTP ``Range``), both within one call (``retries``) and on
the next call. Before unpacking, the size is checked against what the server announced and every
member's CRC-32 is tested; a SHA-256 can be checked too. Without a network connection the
function raises :class:`DownloadError` with a one-line message.

From a terminal::

    python -m inpaintlib.download            # into <project>/data/monet2photo
    python -m inpaintlib.download --root /big/disk
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import shutil
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from tqdm.auto import tqdm

from . import runtime

#: CycleGAN's public monet2photo archive (about 300 MB: trainA/testA = Monet, trainB/testB = photos).
MONET2PHOTO_URL = "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/monet2photo.zip"
_CHUNK = 1 << 16


class DownloadError(ConnectionError):
    """A download that could not be completed; the message is one line saying what to do."""


def _open(url: str, start: int, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": "inpaintlib"})
    if start:
        request.add_header("Range", f"bytes={start}-")
    return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) URLs chosen by the user


def _total_size(response, start: int) -> int | None:
    """Full size of the file, from Content-Range (resumed) or Content-Length (fresh)."""
    content_range = response.headers.get("Content-Range", "")
    if response.status == 206 and "/" in content_range:
        total = content_range.rsplit("/", 1)[1].strip()
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _offline_message(url: str, error: BaseException, root: Path) -> str:
    reason = getattr(error, "reason", None) or error
    return (
        f"cannot download {url} ({reason}): check the network connection, or fetch the archive by hand "
        f"and unzip it into {root} (see data/README.md)"
    )


def fetch(url: str, destination: str | os.PathLike, progress: bool = True, retries: int = 3, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``destination``, resuming a ``<destination>.part`` file when there is one.

    Parameters
    ----------
    url : str
        An http(s) URL (or any URL ``urllib`` opens).
    destination : str or path-like
        The finished file. While downloading, bytes go to ``<destination>.part``.
    progress : bool
        Show a tqdm progress bar.
    retries : int
        How many times a dropped connection is resumed within this call.
    timeout : float
        Seconds to wait for the server.

    Returns
    -------
    pathlib.Path
        ``destination``, complete (its size equals what the server announced, when it did).

    Raises
    ------
    DownloadError
        When the server cannot be reached, answers with an error, or the file stays incomplete.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + ".part")
    total: int | None = None
    for attempt in range(retries + 1):
        start = part.stat().st_size if part.exists() else 0
        try:
            response = _open(url, start, timeout)
        except urllib.error.HTTPError as error:
            if error.code == 416:  # nothing left to send from `start`
                announced = (error.headers.get("Content-Range") or "").rsplit("/", 1)[-1].strip()
                total = int(announced) if announced.isdigit() else total
                if total is not None and start == total:
                    break  # the .part file already holds everything
                part.unlink()  # a stale .part that does not fit this file: start again
                continue
            raise DownloadError(f"cannot download {url}: the server answered {error.code} {error.reason}") from None
        except (urllib.error.URLError, socket.timeout, ConnectionError, http.client.HTTPException, OSError) as error:
            raise DownloadError(_offline_message(url, error, destination.parent)) from None
        with response:
            if start and response.status != 206:
                start = 0  # the server ignored the Range header: start from scratch
            total = _total_size(response, start)
            mode = "ab" if start else "wb"
            bar = tqdm(
                total=total,
                initial=start,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=destination.name,
                disable=not progress,
            )
            try:
                with open(part, mode) as handle:
                    while chunk := response.read(_CHUNK):
                        handle.write(chunk)
                        bar.update(len(chunk))
            except (socket.timeout, ConnectionError, http.client.HTTPException, OSError):
                pass  # resumed below
            finally:
                bar.close()
        size = part.stat().st_size
        if total is None or size >= total:
            break
    if not part.exists():
        raise DownloadError(f"download of {url} did not complete; run again")
    size = part.stat().st_size
    if total is not None and size != total:
        raise DownloadError(
            f"download of {url} stopped at {size:,} of {total:,} bytes; run again to resume from {part}"
        )
    os.replace(part, destination)
    return destination


def sha256sum(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_archive(path: str | os.PathLike, sha256: str | None = None) -> int:
    """Check a zip archive: a matching SHA-256 (when given) and every member's CRC-32.

    Returns the number of members. Raises :class:`ValueError` for a corrupt archive.
    """
    if sha256 is not None and sha256sum(path).lower() != sha256.lower():
        raise ValueError(f"'{path}' does not have the expected SHA-256 {sha256}; delete it and download again")
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
            count = len(archive.infolist())
    except zipfile.BadZipFile as error:
        raise ValueError(f"'{path}' is not a valid zip archive ({error}); delete it and download again") from None
    if broken is not None:
        raise ValueError(f"'{path}' is corrupt (bad CRC in {broken}); delete it and download again")
    return count


def extract_archive(path: str | os.PathLike, root: str | os.PathLike) -> Path:
    """Unpack a zip archive into ``root``, refusing members that would land outside it."""
    root = Path(root).resolve()
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            target = (root / member.filename).resolve()
            if root != target and root not in target.parents:
                raise ValueError(f"'{path}' holds a member outside the target folder: {member.filename!r}")
        archive.extractall(root)
    return root


def download_monet2photo(
    root: str | os.PathLike | None = None,
    url: str = MONET2PHOTO_URL,
    progress: bool = True,
    force: bool = False,
    sha256: str | None = None,
    keep_archive: bool = False,
    retries: int = 3,
    timeout: float = 30.0,
) -> Path:
    """Download and unpack monet2photo; return the dataset folder (``<root>/monet2photo``).

    Nothing is downloaded when the folder already holds the dataset (unless ``force``).

    Parameters
    ----------
    root : str or path-like, optional
        Where the archive is unpacked; the project's ``data/`` folder by default (where
        :func:`inpaintlib.data.load_dataset` looks).
    url : str
        The archive's address (CycleGAN's public copy by default).
    progress : bool
        Show a progress bar.
    force : bool
        Download and unpack again even when the dataset is there.
    sha256 : str, optional
        Expected SHA-256 of the archive; the size and the CRC of every member are checked anyway.
    keep_archive : bool
        Keep ``monet2photo.zip`` after unpacking.
    retries : int
        Times a dropped connection is resumed within this call.
    timeout : float
        Seconds to wait for the server.

    Raises
    ------
    DownloadError
        When offline or when the download cannot be completed (a one-line message).
    ValueError
        When the archive is corrupt.
    """
    from .data.layouts import find_layout  # local import: the data package is heavier

    root = Path(root).expanduser() if root is not None else runtime.data_root()
    name = Path(urllib.parse.urlparse(url).path).stem or "monet2photo"
    target = root / name
    if target.is_dir() and not force and find_layout(target).has_domains:
        return target
    archive = root / f"{name}.zip"
    if force:
        for stale in (archive, archive.with_name(archive.name + ".part")):
            stale.unlink(missing_ok=True)
    if not archive.exists():
        fetch(url, archive, progress=progress, retries=retries, timeout=timeout)
    check_archive(archive, sha256=sha256)
    if force and target.is_dir():
        shutil.rmtree(target)
    extract_archive(archive, root)
    if not keep_archive:
        archive.unlink()
    if not target.is_dir():
        raise ValueError(f"'{url}' did not unpack into a '{name}' folder under {root}")
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m inpaintlib.download [--root DIR] [--url URL]``."""
    parser = argparse.ArgumentParser(prog="python -m inpaintlib.download", description="Download the monet2photo dataset.")
    parser.add_argument("--root", default=None, help="folder to unpack into (default: the project's data/ folder)")
    parser.add_argument("--url", default=MONET2PHOTO_URL, help="archive address (default: CycleGAN's public copy)")
    parser.add_argument("--force", action="store_true", help="download again even if the dataset is there")
    parser.add_argument("--keep-archive", action="store_true", help="keep the zip file after unpacking")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    try:
        folder = download_monet2photo(
            args.root, url=args.url, progress=not args.no_progress, force=args.force, keep_archive=args.keep_archive
        )
    except (DownloadError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"monet2photo is in {folder} (set {runtime.DATA_ENV}={folder} or leave it there: load_dataset finds it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
