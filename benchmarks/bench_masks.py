"""How fast are masks drawn? inpaintlib.masks against the report's per-pixel loops.

Run from the repository root::

    .venv/bin/python benchmarks/bench_masks.py            # 128x128, batches of 16, 256 and 4096, 1 thread
    .venv/bin/python benchmarks/bench_masks.py --size 224 --threads 2

Prints masks per second for each kind at each batch size (the cost per mask should not grow
with the batch), and for a re-creation of
the course report's approach: one Python-level assignment per missing pixel of
each 40 px block (scaled to the image size), written into a tensor.
"""

from __future__ import annotations

import argparse
import platform
import random
import time

import torch

from inpaintlib.masks import MaskSampler, center_block, default_block_size, free_form, random_blocks


def report_random_blocks(size: int, block_size: int, rng: random.Random) -> torch.Tensor:
    """The report's random-block mask: 5 to 9 blocks, filled pixel by pixel in Python."""
    mask = torch.zeros(size, size)
    for _ in range(rng.randint(5, 9)):
        top = rng.randint(0, size - block_size)
        left = rng.randint(0, size - block_size)
        for row in range(top, top + block_size):
            for col in range(left, left + block_size):
                mask[row, col] = 1.0
    return mask


def rate(draw, per_call: int, seconds: float) -> float:
    """Masks per second: call ``draw`` (which makes ``per_call`` masks) for about ``seconds``."""
    draw()  # warm up
    calls, start = 0, time.perf_counter()
    while True:
        draw()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls * per_call / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128, help="image side in pixels (default 128)")
    parser.add_argument(
        "--batches", default="16,256,4096", help="comma-separated masks per call (default 16,256,4096)"
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement (default 2)")
    parser.add_argument("--loop-masks", type=int, default=5, help="masks drawn by the per-pixel loop (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    size, batches = args.size, [int(part) for part in args.batches.split(",")]
    block = default_block_size(size)
    generator = torch.Generator().manual_seed(0)
    sampler = MaskSampler(size, kinds=["center", "blocks", "free_form"], seed=0)
    rng = random.Random(0)
    kinds = {
        "center_block": lambda n: center_block(size, batch=n),
        "random_blocks": lambda n: random_blocks(size, batch=n, seed=generator),
        "free_form": lambda n: free_form(size, batch=n, seed=generator),
        "MaskSampler (1/3 each kind)": lambda n: sampler.sample(n),
    }
    rows = [(name, [rate(lambda: draw(n), n, args.seconds) for n in batches]) for name, draw in kinds.items()]
    loop_rate = rate(
        lambda: [report_random_blocks(size, block, rng) for _ in range(args.loop_masks)], args.loop_masks, 0.0
    )

    print(f"masks per second at {size}x{size}, blocks of {block} px, {args.threads} torch thread(s), "
          f"torch {torch.__version__}, {platform.processor() or platform.machine()}")
    width = max(len(name) for name in kinds)
    print(f"  {'batch':<{width}}" + "".join(f"  {n:>10,}" for n in batches))
    for name, values in rows:
        print(f"  {name:<{width}}" + "".join(f"  {value:>10,.0f}" for value in values))
    print(f"  report's per-pixel loop ({args.loop_masks} masks): {loop_rate:,.1f} masks/s; random_blocks in "
          f"batches of {batches[-1]} is {rows[1][1][-1] / loop_rate:,.0f}x faster")


if __name__ == "__main__":
    main()
