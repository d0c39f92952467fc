"""Model 4's recipe with two changes aimed at free-form strokes, for the stroke-margin figures in BENCHMARKS.md.

Run from the repository root (it trains like ``train --model unet --size 128 --max-minutes 15``)::

    .venv/bin/python benchmarks/unet_loss_variants.py perimage runs/unet_perimage --data /path/to/monet2photo
    .venv/bin/python -m inpaintlib evaluate --checkpoint runs/unet_perimage/best.pt --data /path/to/monet2photo \
        --split test --masks center,blocks,free_form --size 128 --json

Variants:

* ``perimage``: the reconstruction loss is each image's mean error inside its own hole, then averaged over
  the batch (``TrainConfig(rec_per_image=True)``, ``train --per-image-loss``). The recipe divides the
  batch's summed error by the batch's hole pixels, so a center square (a quarter of the image) outweighs
  a thin stroke several times over.
* ``ffweight``: free-form strokes drawn twice as often as blocks or center squares.
* ``both``: the two together.

``--base-fill harmonic`` trains each variant on the harmonic fill (:func:`inpaintlib.models.base.harmonic_fill`)
instead of Telea's, as ``train --option base_fill=harmonic`` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from inpaintlib.data import load_dataset
from inpaintlib.models import build_model, training_config
from inpaintlib.train import Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variant", choices=("perimage", "ffweight", "both"))
    parser.add_argument("out", type=Path, help="run folder (best.pt, last.pt, history)")
    parser.add_argument("--data", default="auto", help="dataset folder or name (default: auto)")
    parser.add_argument("--max-minutes", type=float, default=15.0, help="training budget (default: 15)")
    parser.add_argument("--base-fill", default="telea", choices=("erase", "telea", "harmonic"),
                        help="the fill Model 4 corrects (default: telea, the recipe's)")
    args = parser.parse_args()
    kinds = ["blocks", "free_form", "center"]
    if args.variant in ("ffweight", "both"):
        kinds = {"blocks": 1.0, "free_form": 2.0, "center": 1.0}
    split = load_dataset(args.data, domain="photo", size=128, seed=0)
    per_image = args.variant in ("perimage", "both")
    config = training_config("unet", mask_kinds=kinds, seed=0, epochs=10_000, amp="auto", rec_per_image=per_image)
    model = build_model("unet", base_fill=args.base_fill)
    trainer = Trainer(model, None, split.train, split.val, config, out_dir=args.out, model_name="unet", progress=False)
    try:
        history = trainer.fit(max_minutes=args.max_minutes)
    finally:
        trainer.close()
    print(f"{len(history)} epochs, best epoch {history.best_epoch} ({history.best_value:.5f}), stopped by {history.stop_reason}")


if __name__ == "__main__":
    main()
