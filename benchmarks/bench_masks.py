"""How fast are masks drawn? inpaintlib.masks against the report's per-pixel loops.

Run from the repository root::

    .venv/bin/python benchmarks/bench_masks.py            # 128x128, batches of 256, 1 thread
    .venv/bin/python benchmarks/bench_masks.py --size 224 --threads 2

Prints masks per second for each kind, drawn in batches, and for a re-creation of
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
    parser.add_argument("--batch", type=int, default=256, help="masks per call (default 256)")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement (default 2)")
    parser.add_argument("--loop-masks", type=int, default=5, help="masks drawn by the per-pixel loop (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    size, batch = args.size, args.batch
    block = default_block_size(size)
    generator = torch.Generator().manual_seed(0)
    sampler = MaskSampler(size, kinds=["center", "blocks", "free_form"], seed=0)
    rng = random.Random(0)

    rows = [
        ("center_block", rate(lambda: center_block(size, batch=batch), batch, args.seconds)),
        ("random_blocks", rate(lambda: random_blocks(size, batch=batch, seed=generator), batch, args.seconds)),
        ("free_form", rate(lambda: free_form(size, batch=batch, seed=generator), batch, args.seconds)),
        ("MaskSampler (1/3 each kind)", rate(lambda: sampler.sample(batch), batch, args.seconds)),
    ]
    loop_rate = rate(
        lambda: [report_random_blocks(size, block, rng) for _ in range(args.loop_masks)], args.loop_masks, 0.0
    )
    rows.append((f"report's per-pixel loop ({args.loop_masks} masks)", loop_rate))

    print(f"masks per second at {size}x{size}, batches of {batch}, blocks of {block} px, "
          f"{args.threads} torch thread(s), torch {torch.__version__}, {platform.processor() or platform.machine()}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>12,.0f}")
    blocks_rate = rows[1][1]
    print(f"  random_blocks is {blocks_rate / loop_rate:,.0f}x faster than the per-pixel loop")


if __name__ == "__main__":
    main()
