"""Does keeping freed memory speed up Model 4's CPU training step? Step time and peak memory, both ways.

Run from the repository root::

    .venv/bin/python benchmarks/unet_step_memory.py              # 128 px, batch 20, 6 steps each way
    .venv/bin/python benchmarks/unet_step_memory.py --size 224 --batch 8

Each allocator setting runs in a fresh process (glibc's setting is process-wide and a process keeps
its peak): once with the C library's defaults, once with ``inpaintlib.runtime.reuse_freed_memory``
(what ``TrainConfig(reuse_memory=True)``, part of Model 4's recipe, turns on). A step is Model 4's
forward pass, its recipe's reconstruction loss, the backward pass and an Adam update, in the recipe's
channels-last layout and float32. Prints the time of every step (the first ones warm up), the
steady-state median and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import subprocess
import sys
import time


def one_setting(reuse: bool, size: int, batch: int, steps: int) -> None:
    """Time ``steps`` training steps of Model 4 in this process and print one line."""
    import torch

    from inpaintlib.runtime import reuse_freed_memory

    took = reuse_freed_memory(True) if reuse else False
    from inpaintlib.masks import MaskSampler
    from inpaintlib.models import build_model, model_spec, training_config
    from inpaintlib.train.steps import _default_loss

    torch.manual_seed(0)
    config = training_config("unet")
    model = build_model("unet", image_size=size).to(memory_format=torch.channels_last)
    loss = _default_loss(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr_g, betas=config.betas_g)
    images = torch.rand(batch, 3, size, size).contiguous(memory_format=torch.channels_last)
    masks = MaskSampler(size, kinds=model_spec("unet").mask_kinds, seed=0).sample(batch)
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        total = loss(model(images, masks), images, masks).total
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        seconds.append(time.perf_counter() - start)
    steady = statistics.median(seconds[2:]) if len(seconds) > 2 else min(seconds)
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # Linux reports KiB
    label = "freed memory kept" if took else "C library defaults"
    print(f"{label:>19}: steps {' '.join(f'{s:.2f}' for s in seconds)} s; steady {steady:.2f} s; peak {peak_gb:.2f} GB")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128, help="image side (default: 128)")
    parser.add_argument("--batch", type=int, default=20, help="batch size (default: 20)")
    parser.add_argument("--steps", type=int, default=6, help="timed steps per setting (default: 6)")
    parser.add_argument("--one", choices=("default", "reuse"), help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.one:
        one_setting(args.one == "reuse", args.size, args.batch, args.steps)
        return
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}; "
          f"Model 4, {args.size} px, batch {args.batch}")
    for which in ("default", "reuse"):
        subprocess.run([sys.executable, __file__, "--one", which, "--size", str(args.size), "--batch", str(args.batch),
                        "--steps", str(args.steps)], check=True)


if __name__ == "__main__":
    main()
