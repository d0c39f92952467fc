"""``python -m inpaintlib inpaint``: fill the hole of one photo with a trained model.

Taught in notebook 08 (``08_evaluation.ipynb``), whose models it applies to one photo.

The photo may have any size and mode. It is resized to the model's square input, inpainted,
and the prediction is resized back and pasted into the hole of the **original** photo, so
every known pixel of the result is exactly the input's.

Example::

    python -m inpaintlib inpaint --checkpoint runs/masked/best.pt photo.jpg scribble.png --out filled.png
    python -m inpaintlib inpaint --checkpoint runs/center/best.pt photo.jpg center --out filled.png
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from inpaintlib.cli import UsageError

#: Words accepted instead of a mask file.
MASK_WORDS = ("center",)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``inpaint`` command."""
    parser = subparsers.add_parser(
        "inpaint",
        help="inpaint one image with a trained checkpoint",
        description="Fill the missing pixels of IMAGE (white in MASK) with a trained model and write the result "
        "at the image's own size; pixels outside the hole are copied unchanged.",
    )
    parser.add_argument("--checkpoint", required=True, metavar="CKPT", help="a best.pt or last.pt from `train`")
    parser.add_argument("image", metavar="IMAGE", help="the image to fill (any size, any mode)")
    parser.add_argument(
        "mask", metavar="MASK",
        help="a mask image (white = missing; resized to the image when sizes differ) or the word 'center'",
    )
    parser.add_argument("--out", required=True, metavar="OUT.png", help="where to write the result")
    parser.add_argument(
        "--overwrite", action="store_true",
        help="replace --out when it exists (never the image, the mask or the checkpoint)",
    )
    parser.add_argument("--invert-mask", action="store_true", help="the mask marks missing pixels in black")
    parser.add_argument(
        "--mask-threshold", type=float, default=0.5, metavar="T",
        help="mask pixels brighter than this fraction of white are missing (default: 0.5)",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    parser.set_defaults(func=run)


def read_mask(
    mask: str, height: int, width: int, model_size: int, invert: bool = False, threshold: float = 0.5
) -> torch.Tensor:
    """Return the ``(height, width)`` float mask (1 = missing) for ``mask`` (a file or ``"center"``)."""
    from inpaintlib.masks import center_block, load_mask

    if mask.lower() == "center":
        hole = center_block(model_size)[None, None]
        return F.interpolate(hole, size=(height, width), mode="nearest")[0, 0]
    path = Path(mask)
    if not path.exists():
        raise FileNotFoundError(f"mask file not found: {mask} (or use the word 'center')")
    loaded = load_mask(path, invert=invert, threshold=threshold)
    if tuple(loaded.shape) != (height, width):
        warnings.warn(
            f"the mask {mask} is {loaded.shape[1]}x{loaded.shape[0]} but the image is {width}x{height}: "
            "resizing the mask (nearest neighbor)",
            stacklevel=2,
        )
        loaded = F.interpolate(loaded[None, None], size=(height, width), mode="nearest-exact")[0, 0]
    return loaded


def inpaint_image(model: torch.nn.Module, image: np.ndarray, mask: torch.Tensor, center: bool = False) -> np.ndarray:
    """Inpaint one RGB ``uint8`` image ``(H, W, 3)`` where ``mask`` ``(H, W)`` is 1; return ``uint8`` ``(H, W, 3)``.

    The image is resized to the model's square size, the prediction resized back, and only the
    hole is taken from it: known pixels are returned exactly as they came in.

    Parameters
    ----------
    model : torch.nn.Module
        A generator in eval mode (see :func:`inpaintlib.checkpoints.load_generator`).
    image : numpy.ndarray
        ``(H, W, 3)`` ``uint8`` RGB.
    mask : torch.Tensor
        ``(H, W)``, 1 = missing pixel.
    center : bool
        The hole is the model's center square: give the model its exact center mask.
    """
    from inpaintlib.masks import center_block

    size = int(model.image_size)
    device = next(model.parameters()).device
    height, width = image.shape[:2]
    pixels = torch.from_numpy(np.array(image, dtype=np.uint8, copy=True)).permute(2, 0, 1).float().div(255)[None]
    small = F.interpolate(pixels, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    if center:
        small_mask = center_block(size)[None, None]
    else:
        # A pixel of the small image is missing when any original pixel under it is.
        small_mask = (F.interpolate(mask[None, None].float(), size=(size, size), mode="area") > 0).float()
    with torch.no_grad():
        prediction = model(small.clamp(0, 1).to(device), small_mask.to(device)).float().cpu()
    if not bool(torch.isfinite(prediction).all()):
        where = (getattr(model, "checkpoint_info", None) or {}).get("path", "the model")
        raise ValueError(f"{where} produced NaN or infinite pixels: the checkpoint is unusable; use another one")
    full = F.interpolate(prediction, size=(height, width), mode="bilinear", align_corners=False)
    predicted = full[0].clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    hole = mask.numpy().astype(bool)[..., None]
    return np.where(hole, predicted, image)


def run(args: argparse.Namespace) -> int:
    """Inpaint ``args.image`` and write ``args.out``."""
    from PIL import Image

    from inpaintlib.checkpoints import atomic_write, load_generator
    from inpaintlib.data import read_rgb
    from inpaintlib.outputs import check_output_file

    image_path = Path(args.image)
    checkpoint = Path(args.checkpoint)
    for what, path in (("image", image_path), ("checkpoint", checkpoint)):
        if not path.exists():
            raise FileNotFoundError(f"{what} not found: {path}")
        if path.is_dir():
            raise UsageError(f"the {what} {path} is a folder; give a file")
    out = Path(args.out)
    mask_file = None if args.mask.lower() in MASK_WORDS else args.mask
    inputs = [("the image", image_path), ("the mask", mask_file), ("the checkpoint", checkpoint)]
    check_output_file(out, inputs=inputs, overwrite=args.overwrite)
    image_format = Image.registered_extensions().get(out.suffix.lower())
    if image_format is None:
        raise UsageError(f"--out {args.out!r} needs an image file extension such as .png")
    if out.suffix.lower() in (".jpg", ".jpeg", ".webp"):
        warnings.warn(
            f"{out.suffix} is a lossy format: known pixels will change slightly when saved; use .png to keep them exact",
            stacklevel=2,
        )
    model = load_generator(checkpoint, device=args.device)
    try:
        rgb = np.asarray(read_rgb(image_path))
    except OSError as error:
        if isinstance(error, ValueError):  # too large: the message names the file
            raise
        raise ValueError(f"cannot read the image {args.image}: {error}") from error
    height, width = rgb.shape[:2]
    center = args.mask.lower() in MASK_WORDS
    mask = read_mask(
        args.mask, height, width, int(model.image_size), invert=args.invert_mask, threshold=args.mask_threshold
    )
    missing = int(mask.sum().item())
    if missing == 0:
        warnings.warn("the mask has no missing pixels: the output is the input image", stacklevel=2)
        result = rgb
    else:
        result = inpaint_image(model, rgb, mask, center=center)
    with atomic_write(out, "wb") as stream:
        Image.fromarray(result).save(stream, format=image_format)
    share = 100.0 * missing / (height * width)
    print(f"Wrote {out} ({width}x{height}); filled {missing} pixels ({share:.1f}%) with {model.checkpoint_info['model_name']}")
    return 0
