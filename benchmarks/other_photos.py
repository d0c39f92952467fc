"""A second folder of real photos, besides monet2photo: crops of scikit-image's sample photographs.

Run from the repository root::

    .venv/bin/python benchmarks/other_photos.py /tmp/other-photos
    .venv/bin/python -m inpaintlib evaluate --checkpoint runs/unet128/best.pt --data /tmp/other-photos \
        --split all --masks center,blocks,free_form --size 128 --json

A model trained on monet2photo's landscapes has never seen these: an astronaut's portrait, a cat, a
cup of coffee, a rocket on its pad and a motorcycle. Each color photograph ships with scikit-image
(no download); five 256x256 crops are taken from each (the four corners and the center, so they
overlap on small photos) and written as PNG files, 25 in all. The folder is written afresh each time
and is not part of the repository.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

#: scikit-image's color photographs of real scenes (not textures, scans or drawings).
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")
TILE = 256


def photographs() -> dict[str, np.ndarray]:
    """Return scikit-image's color photographs by name, as ``(H, W, 3)`` uint8 arrays."""
    photos = {name: getattr(data, name)() for name in PHOTOS}
    left, _right, _disparity = data.stereo_motorcycle()
    photos["motorcycle"] = left
    return photos


def five_crops(image: np.ndarray, tile: int = TILE) -> list[np.ndarray]:
    """The four corner crops and the center crop of side ``tile`` (the image is upscaled if smaller)."""
    height, width = image.shape[:2]
    if min(height, width) < tile:
        scale = tile / min(height, width)
        image = np.asarray(Image.fromarray(image).resize((round(width * scale), round(height * scale)), Image.BICUBIC))
        height, width = image.shape[:2]
    corners = [(0, 0), (0, width - tile), (height - tile, 0), (height - tile, width - tile)]
    corners.append(((height - tile) // 2, (width - tile) // 2))
    return [image[top:top + tile, left:left + tile] for top, left in corners]


def write_folder(folder: Path) -> list[Path]:
    """Write every crop of every photograph into ``folder`` as PNG; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, image in photographs().items():
        for number, crop in enumerate(five_crops(image)):
            path = folder / f"{name}_{number}.png"
            Image.fromarray(np.ascontiguousarray(crop[..., :3])).save(path)
            paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the crops (created if missing)")
    args = parser.parse_args()
    paths = write_folder(args.folder)
    print(f"wrote {len(paths)} crops of {len(PHOTOS) + 1} photographs to {args.folder}")


if __name__ == "__main__":
    main()
