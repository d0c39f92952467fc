"""Peak memory and speed of one epoch of streaming loading, against holding every image as a tensor.

Builds a dataset of 7,000 items at 224 px by cycling the 872 real monet2photo images (751 photos +
121 paintings, read in place) or, when they are absent, synthetic JPEGs written to a temporary
folder; reads one shuffled epoch through :func:`inpaintlib.data.make_loader`; prints the peak
resident memory (``resource.getrusage``) and the images per second. It then prints what the course
report's approach -- every image held as a float32 tensor -- needs for the same images (computed,
not allocated).

Usage::

    python benchmarks/bench_data_memory.py                  # 7,000 images, 224 px, batch 64
    python benchmarks/bench_data_memory.py --workers 2 --count 2000
    python benchmarks/bench_data_memory.py --synthetic   # without the real images
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm.auto import tqdm

from inpaintlib import runtime
from inpaintlib.data import ImageFolderDataset, find_layout, list_images, make_loader

#: The bar: one epoch over 7,000 images at 224 px stays under this peak RSS.
LIMIT_BYTES = 2 * 1024**3


def peak_rss_bytes(who: int = resource.RUSAGE_SELF) -> int:
    """Peak resident memory of this process (or of its largest finished child); Linux reports KiB."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss * scale


def current_rss_bytes() -> int:
    """Resident memory of this process now (from /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return peak_rss_bytes()


def real_images(data_dir: str | None) -> list[Path]:
    """The monet2photo photos and paintings, or an empty list when no copy is found."""
    for candidate in (data_dir, os.environ.get(runtime.DATA_ENV), runtime.data_root() / "monet2photo"):
        if candidate and Path(candidate).is_dir():
            layout = find_layout(candidate)
            if layout.has_domains:
                return [path for domain in ("photo", "monet") for folder in layout.domain_folders(domain) for path in list_images(folder)]
    return []


def synthetic_images(folder: Path, count: int = 872, side: int = 256) -> list[Path]:
    """Write ``count`` smooth random JPEGs (``side`` px) into ``folder``."""
    rng = np.random.default_rng(0)
    paths = []
    for i in tqdm(range(count), desc="writing synthetic JPEGs", leave=False):
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        image = Image.fromarray(small).resize((side, side), Image.Resampling.BICUBIC)
        path = folder / f"synthetic {i:04d}.jpg"
        image.save(path, quality=90)
        paths.append(path)
    return paths


def gib(value: float) -> str:
    return f"{value / 1024**3:.2f} GiB ({value / 1e9:.2f} GB)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=7000, help="items in the epoch (default 7000)")
    parser.add_argument("--size", type=int, default=224, help="image side in pixels (default 224)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=0, help="loader processes (default 0: main process)")
    parser.add_argument("--data-dir", default=None, help="a monet2photo copy (default: $INPAINTLIB_DATA, data/monet2photo)")
    parser.add_argument("--synthetic", action="store_true", help="use synthetic JPEGs even when real images are found")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    with tempfile.TemporaryDirectory() as scratch:
        sources = [] if args.synthetic else real_images(args.data_dir)
        origin = f"{len(sources)} real monet2photo images, cycled"
        if not sources:
            sources = synthetic_images(Path(scratch))
            origin = f"{len(sources)} synthetic JPEGs in a temporary folder, cycled"
        paths = list(itertools.islice(itertools.cycle(sources), args.count))
        dataset = ImageFolderDataset(paths, size=args.size)
        loader = make_loader(dataset, batch_size=args.batch_size, shuffle=True, seed=0, num_workers=args.workers)
        before = current_rss_bytes()
        children_before = peak_rss_bytes(resource.RUSAGE_CHILDREN)  # e.g. helper processes run at import
        checksum = 0.0
        start = time.perf_counter()
        for batch in tqdm(loader, desc="one epoch", unit="batch"):
            checksum += float(batch.mean())
        seconds = time.perf_counter() - start
        peak = peak_rss_bytes()
        worker_peak = peak_rss_bytes(resource.RUSAGE_CHILDREN)
        if args.workers and worker_peak > children_before:
            peak += args.workers * worker_peak  # an upper bound: every worker at the largest one's peak

    held = args.count * 3 * args.size * args.size * 4
    print(f"dataset: {args.count} items at {args.size} px from {origin}; batch {args.batch_size}, {args.workers} workers")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {os.cpu_count()} CPUs visible")
    print(f"RSS before the epoch:           {gib(before)}")
    label = f"peak RSS (process{f' + {args.workers} workers' if args.workers else ''}):"
    print(f"{label:<32}{gib(peak)}  -> {'under' if peak < LIMIT_BYTES else 'OVER'} the 2 GiB bar")
    print(f"speed:                          {args.count / seconds:.0f} images/s ({seconds:.1f} s for the epoch)")
    print(f"one batch as float32:           {args.batch_size * 3 * args.size * args.size * 4 / 1024**2:.1f} MiB")
    print(f"report's all-in-memory copy:    {gib(held)} of float32 tensors for the same images (computed, not allocated)")
    if args.workers:
        print(" " * 32 + "(workers are counted at their own peak RSS, shared library pages included: an upper bound)")
    if (args.count, args.size) == (7000, 224):
        print(" " * 32 + "the report's code kept more copies, about 14 GB in all")
    print(f"(mean pixel value over the epoch: {checksum / len(loader):.4f})")
    return 0 if peak < LIMIT_BYTES else 1


if __name__ == "__main__":
    raise SystemExit(main())
