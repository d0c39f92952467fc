"""Saving and loading training checkpoints safely.

Taught in notebook 03 (``03_center_block.ipynb``), which loads its best checkpoint back; notebooks 04 to 08 do the same.

A checkpoint is one file holding a dict of tensors and plain Python values only::

    {"format": "inpaintlib-checkpoint", "version": 1,
     "model_name": "center", "model_options": {...}, "image_size": 128,
     "mask_kinds": {"center": 1.0},
     "generator": state_dict, "discriminator": state_dict,
     "optimizer_g": state_dict, "optimizer_d": state_dict,
     "epoch": 3, "step": 0, "history": {...}, "config": {...}, "rng": {...}}

* **Written atomically**: the file is written to a temporary file in the same folder and
  moved into place with :func:`os.replace`, so a crash or a full disk never leaves a
  half-written ``best.pt`` or ``last.pt`` behind.
* **Loaded with** ``torch.load(..., weights_only=True)``: unpickling can only build tensors
  and plain containers, so a checkpoint can never run code. A file that is corrupted,
  truncated, holds other objects, or is a plain ``state_dict`` from elsewhere gives a
  :class:`CheckpointError` (a :class:`ValueError`) naming the file.
* **Checked**: every checkpoint carries a ``"checksum"`` entry, the SHA-256 of all its entries
  (each tensor's type, shape and bytes; every other value's type and value). A file whose
  contents no longer match it (a flipped bit, an edited entry) is refused, as is one whose
  ``generator`` entry is not a state dict of tensors, or whose network weights hold NaN or
  infinite values (the run diverged). Files written before checksums existed still load.
* **Temporary files** left by a killed write (``.last.pt.*.tmp``) are removed by
  :func:`remove_temporaries`, which the trainer calls when it starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from inpaintlib.runtime import resolve_device
from inpaintlib.runs import BEST, LAST  # noqa: F401  (the run folder spells the file names; notebooks import them here)

#: The value of a checkpoint's ``"format"`` entry.
FORMAT = "inpaintlib-checkpoint"
#: The newest checkpoint layout this module writes and reads.
VERSION = 1
#: Entries every checkpoint must hold.
REQUIRED = ("format", "version", "model_name", "model_options", "image_size", "generator")

#: The entry holding the SHA-256 of every other entry (see :func:`checkpoint_checksum`).
CHECKSUM = "checksum"
#: The entries whose tensors are network weights, checked for NaN and infinite values on loading.
WEIGHTS = ("generator", "discriminator")


def _current_umask() -> int:
    """Return the process's umask (without changing it for long)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Open a temporary file next to ``path`` for writing; move it onto ``path`` only when the block succeeds.

    A crash, an exception or a full disk in the block leaves any existing ``path`` untouched and
    no temporary file behind.

    Examples
    --------
    >>> with atomic_write("notes.txt", "w") as stream:  # doctest: +SKIP
    ...     stream.write("done")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the usual permissions
        newline = "" if "b" not in mode else None
        with os.fdopen(handle, mode, **({"encoding": "utf-8", "newline": newline} if "b" not in mode else {})) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def remove_temporaries(folder: str | os.PathLike, names) -> list[Path]:
    """Delete the temporary files :func:`atomic_write` left in ``folder`` for ``names`` when a write was killed.

    Parameters
    ----------
    folder : str or Path
        The folder the files are written into.
    names : iterable of str
        The final file names (``"last.pt"``, ``"history.json"``, ...); their temporaries are
        ``.<name>.<random>.tmp``.

    Returns
    -------
    list of Path
        The files removed.
    """
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for name in names:
        for temporary in folder.glob(f".{name}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
                removed.append(temporary)
    return removed


class CheckpointError(ValueError):
    """A file that is not a usable inpaintlib checkpoint (corrupted, truncated, foreign or unsafe)."""


def _feed(digest, value: Any) -> None:
    """Add ``value`` (tensors and plain values, nested) to a hash, in a layout independent of memory strides."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        digest.update(f"T{tensor.dtype}{tuple(tensor.shape)}:".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
    elif isinstance(value, Mapping):
        digest.update(f"D{len(value)}:".encode())
        for key, item in value.items():
            digest.update(f"{type(key).__name__}:{key!r}=".encode())
            _feed(digest, item)
    elif isinstance(value, (list, tuple)):
        digest.update(f"L{len(value)}:".encode())
        for item in value:
            _feed(digest, item)
    else:
        digest.update(f"{type(value).__name__}:{value!r};".encode())


def checkpoint_checksum(checkpoint: Mapping) -> str:
    """Return the SHA-256 (hex) of every entry of ``checkpoint`` except ``"checksum"`` itself."""
    digest = hashlib.sha256()
    _feed(digest, {key: value for key, value in checkpoint.items() if key != CHECKSUM})
    return digest.hexdigest()


def _check_contents(checkpoint: Mapping, path: Path) -> None:
    """Raise :class:`CheckpointError` for a checksum mismatch, a malformed state dict or non-finite weights."""
    stored = checkpoint.get(CHECKSUM)
    if stored is not None and stored != checkpoint_checksum(checkpoint):
        raise CheckpointError(
            f"{path} fails its checksum: the file changed after it was written (corrupted or edited); "
            "use another checkpoint or train again"
        )
    for entry in WEIGHTS:
        state = checkpoint.get(entry)
        if state is None and entry != "generator":
            continue
        if not isinstance(state, Mapping) or not all(
            isinstance(key, str) and isinstance(item, torch.Tensor) for key, item in state.items()
        ):
            kind = type(state).__name__ if not isinstance(state, Mapping) else "dict holding other values"
            raise CheckpointError(
                f"{path}: its {entry!r} entry is a {kind}, not a state dict of tensors; "
                "use a best.pt or last.pt written by inpaintlib's trainer"
            )
        for name, tensor in state.items():
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                raise CheckpointError(
                    f"{path} holds NaN or infinite weights ({entry}.{name}): the run it comes from diverged; "
                    "use an earlier checkpoint or train again with a lower learning rate"
                )

def _check_plain(value: Any, where: str) -> None:
    """Raise :class:`TypeError` unless ``value`` holds only tensors and plain Python values."""
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor, torch.dtype, torch.Size)):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"checkpoint entry {where} has a key of type {type(key).__name__}")
            _check_plain(item, f"{where}[{key!r}]")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
        return
    raise TypeError(
        f"checkpoint entry {where} is a {type(value).__name__}; checkpoints hold only tensors, "
        "numbers, strings, None, lists, tuples and dicts"
    )


def save_checkpoint(path: str | os.PathLike, **parts: Any) -> Path:
    """Write a checkpoint atomically and return its path.

    Parameters
    ----------
    path : str or Path
        Where to write (the folder is created when missing).
    **parts
        The checkpoint's entries (see the module docstring); ``format`` and ``version`` are
        added. Every value must be a tensor or a plain Python value (or containers of them),
        so the file can be read back with ``weights_only=True``.

    Raises
    ------
    ValueError
        If a required entry is missing or an entry holds another kind of object.
    """
    path = Path(path)
    checkpoint = {"format": FORMAT, "version": VERSION, **parts}
    missing = [name for name in REQUIRED if name not in checkpoint]
    if missing:
        raise ValueError(f"save_checkpoint needs the entries {missing} for {path}")
    try:
        _check_plain(checkpoint, "checkpoint")
    except TypeError as error:
        raise ValueError(str(error)) from error
    checkpoint[CHECKSUM] = checkpoint_checksum(checkpoint)
    with atomic_write(path, "wb") as stream:
        torch.save(checkpoint, stream)
    return path


def _unpickling_detail(message: str) -> str:
    """Return the informative line of a ``weights_only`` unpickling error (not PyTorch's general advice)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:
        if "GLOBAL" in line or line.startswith("Unsupported") or "Unsupported global" in line:
            return line.rstrip(".")
    return lines[-1] if lines else "unpickling failed"


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`, safely.

    Parameters
    ----------
    path : str or Path
        The checkpoint file.
    map_location : str or torch.device
        Where tensors are loaded (``"cpu"`` by default).

    Returns
    -------
    dict
        The checkpoint's entries.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    CheckpointError
        (a :class:`ValueError`) if the file is corrupted or truncated, fails its checksum, holds
        objects other than tensors and plain values, is not an inpaintlib checkpoint (e.g. a bare
        ``state_dict``), or holds NaN or infinite network weights.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if not path.is_file():
        raise CheckpointError(f"checkpoint path {path} is not a file")
    checkpoint = _read_checkpoint_file(path, map_location)
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT:
        kind = "a state_dict or other dict" if isinstance(checkpoint, dict) else f"a {type(checkpoint).__name__}"
        raise CheckpointError(
            f"{path} is not an inpaintlib checkpoint (it holds {kind} without format={FORMAT!r}); "
            "use a best.pt or last.pt written by inpaintlib's trainer"
        )
    version = checkpoint.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise CheckpointError(f"{path} has checkpoint version {version!r}; this inpaintlib reads version {VERSION}")
    missing = [name for name in REQUIRED if name not in checkpoint]
    if missing:
        raise CheckpointError(f"{path} is missing the checkpoint entries {missing}")
    _check_contents(checkpoint, path)
    return checkpoint


def _read_checkpoint_file(path: Path, map_location: str | torch.device):
    """Unpickle ``path`` with ``weights_only=True``; every way that fails becomes a :class:`CheckpointError`."""
    try:
        with warnings.catch_warnings():
            # A foreign pickle file triggers a protocol note before it is refused below.
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        detail = _unpickling_detail(str(error))
        if "GLOBAL" in detail or "global" in detail:
            raise CheckpointError(
                f"{path} was refused: it holds objects other than tensors and plain values, "
                f"and loading it could run code ({detail})"
            ) from error
        raise CheckpointError(f"{path} is not a readable checkpoint (not a PyTorch file, or corrupted): {detail}") from error
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, UnicodeDecodeError, KeyError) as error:
        text = str(error).strip()
        detail = text.splitlines()[0].split(". ")[0].rstrip(".") if text else "the file ends too early"
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupted or truncated file?): {detail}") from error
    except Exception as error:  # any other failure of the unpickler on foreign bytes
        raise CheckpointError(f"{path} is not a readable checkpoint: {type(error).__name__}: {error}") from error


def rebuild_options(model_name: str, model_options: Mapping | None) -> dict:
    """Return the options that rebuild ``model_name`` without looking up pretrained weights.

    The AlexNet encoder's trained weights are in the checkpoint, so it is rebuilt with
    ``weights=None``.
    """
    options = dict(model_options or {})
    if model_name == "alexnet":
        options["weights"] = None
    return options


def build_generator(checkpoint: Mapping, device: str | torch.device = "cpu", path: str = "checkpoint") -> nn.Module:
    """Rebuild a checkpoint's generator with :func:`inpaintlib.models.build_model` and load its weights."""
    from inpaintlib.models import build_model

    name = checkpoint["model_name"]
    try:
        model = build_model(name, **rebuild_options(name, checkpoint.get("model_options")))
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path} names model {name!r}, which cannot be rebuilt: {error}") from error
    try:
        model.load_state_dict(checkpoint["generator"])
    except (RuntimeError, TypeError, AttributeError) as error:
        raise CheckpointError(f"{path}: the generator weights do not fit model {name!r}: {error}") from error
    return model.to(resolve_device(device))


def load_generator(path: str | os.PathLike, device: str | torch.device = "auto") -> nn.Module:
    """Rebuild the trained generator stored in a checkpoint, in eval mode.

    Parameters
    ----------
    path : str or Path
        A ``best.pt`` or ``last.pt`` written by :class:`inpaintlib.train.Trainer`.
    device : str or torch.device
        ``"auto"`` uses CUDA when present.

    Returns
    -------
    torch.nn.Module
        The generator, in eval mode, with ``model.checkpoint_info`` holding the checkpoint's
        ``model_name``, ``model_options``, ``image_size``, ``mask_kinds``, ``epoch`` and ``path``.

    Raises
    ------
    FileNotFoundError, CheckpointError
        See :func:`load_checkpoint`.
    """
    device = resolve_device(device)
    checkpoint = load_checkpoint(path, map_location="cpu")
    model = build_generator(checkpoint, device=device, path=str(path))
    size = getattr(model, "image_size", None)
    if size is not None and checkpoint.get("image_size") not in (None, size):
        warnings.warn(
            f"{path} says image_size={checkpoint.get('image_size')} but the rebuilt model has {size}",
            stacklevel=2,
        )
    model.checkpoint_info = {
        "path": str(path),
        "model_name": checkpoint["model_name"],
        "model_options": dict(checkpoint.get("model_options") or {}),
        "image_size": checkpoint.get("image_size"),
        "mask_kinds": checkpoint.get("mask_kinds"),
        "epoch": checkpoint.get("epoch"),
    }
    return model.eval()
