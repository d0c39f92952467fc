"""``python -m inpaintlib train``: train one of the four models from the command line.

Taught in notebook 03 (the training recipe); every default comes from the model's recipe
(:func:`inpaintlib.models.training_config`), so the command and the notebooks train alike.

Examples
--------
Train Model 1 on the local monet2photo photos (or the offline default when there is none)::

    python -m inpaintlib train --model center --epochs 20 --out runs/center

Continue the same run later, or after a crash::

    python -m inpaintlib train --model center --epochs 40 --out runs/center --resume

Train on several processes (one per GPU, or several on a CPU) with PyTorch's own launcher::

    torchrun --nproc_per_node=2 -m inpaintlib train --model masked --out runs/masked
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path

from inpaintlib.cli import UsageError
from inpaintlib.masks import KINDS
from inpaintlib.precision import AMP_DTYPES

#: Epochs of a run given only a time budget: the budget (or early stopping) ends it.
BUDGET_EPOCHS = 10_000


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` command."""
    parser = subparsers.add_parser(
        "train",
        help="train a model (center, masked, alexnet or unet) and save checkpoints",
        description="Train a model with its recipe: for masked and alexnet the course report's "
        "(Adam 6e-4 for the generator, SGD 1e-3 for the discriminator, loss 0.999 L2 + 0.001 adversarial); "
        "for center the same joint loss with L1 + L2 in the hole, Adam 3e-4 on a cosine decay and clip 1; "
        "for unet a correction to Telea's fill, L1 + L2 in the hole without a discriminator (Adam 3e-4, clip 1). "
        "Writes best.pt, last.pt, history.json and history.csv into --out after every epoch. "
        "Runs under torchrun for several processes.",
    )
    _add_data_arguments(parser)
    _add_optimizer_arguments(parser)
    _add_mask_and_image_arguments(parser)
    _add_loss_arguments(parser)
    _add_run_arguments(parser)
    parser.set_defaults(func=run)


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The model, the data it trains on, the run length and the output folder."""
    parser.add_argument(
        "--model", required=True, metavar="NAME", help="center (Model 1), masked (Model 2), alexnet (Model 3) or unet (Model 4)"
    )
    parser.add_argument(
        "--data", default="auto", metavar="DIR_OR_NAME",
        help="'auto', 'monet2photo', 'sample' or a folder of images (default: auto)",
    )
    parser.add_argument("--domain", default="photo", help="photo or monet, for two-domain datasets (default: photo)")
    parser.add_argument(
        "--epochs", type=int, default=None,
        help="total epochs of the run (default: 50; with --max-minutes, as many as the budget allows)",
    )
    parser.add_argument("--out", default=None, metavar="DIR", help="where checkpoints and history go (default: runs/<model>)")


def _add_optimizer_arguments(parser: argparse.ArgumentParser) -> None:
    """Batch size, learning rates and their schedule, model options, early stopping and the time budget."""
    parser.add_argument("--batch-size", type=int, default=None, help="images per step (default: the recipe's, 20)")
    parser.add_argument("--lr-g", type=float, default=None, help="generator Adam learning rate (default: the recipe's)")
    parser.add_argument("--lr-d", type=float, default=None, help="discriminator SGD learning rate (default: 1e-3)")
    parser.add_argument(
        "--lr-schedule", default=None, choices=("constant", "cosine"),
        help="learning-rate schedule over the run or its budget (default: constant; cosine for center and unet)",
    )
    parser.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE",
        help="a model option, e.g. --option base_fill=erase --option gated=true for unet (repeatable)",
    )
    parser.add_argument(
        "--patience", type=int, default=None,
        help="stop after this many epochs without a better validation loss while its running mean no longer "
        "falls; 0 never stops early (default: 5; 0 for center)",
    )
    parser.add_argument("--min-delta", type=float, default=None, help="smallest drop that counts as better (default: 0)")
    parser.add_argument(
        "--max-minutes", type=float, default=None,
        help="time budget; the first epoch always finishes, then the run stops cleanly with best.pt and last.pt saved",
    )


def _add_mask_and_image_arguments(parser: argparse.ArgumentParser) -> None:
    """Mask kinds, image size and count, amplification, seed and device."""
    parser.add_argument(
        "--masks", default=None,
        help="comma-separated mask kinds from center, blocks, free_form (default: the model's own kinds)",
    )
    parser.add_argument("--size", type=int, default=None, help="image side in pixels (default: the model's size)")
    parser.add_argument("--limit", type=int, default=None, help="use at most N images (a seeded subset)")
    parser.add_argument("--amplify", type=int, default=None, metavar="N", help="AutoAugment views per training image")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, shuffling and masks (default: 0)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")


def _add_loss_arguments(parser: argparse.ArgumentParser) -> None:
    """The adversarial, reconstruction and style losses, and gradient clipping."""
    parser.add_argument(
        "--adversarial", action=argparse.BooleanOptionalAction, default=None,
        help="train against the discriminator, or (--no-adversarial) with the reconstruction loss only "
        "(default: yes for center, masked, alexnet; no for unet)",
    )
    parser.add_argument(
        "--loss", dest="rec_norm", default=None, choices=("l2", "l1", "l1+l2"),
        help="reconstruction error (default: l2 for masked and alexnet, l1+l2 for center and unet)",
    )
    parser.add_argument(
        "--per-image-loss", dest="rec_per_image", action=argparse.BooleanOptionalAction, default=None,
        help="average the reconstruction error over each image's own hole first, so thin strokes weigh as much "
        "as large squares (default: no, every hole pixel of the batch alike)",
    )
    parser.add_argument("--style-weight", type=float, default=None, help="weight of the Gram style loss (report: 0.01 on Monet)")
    parser.add_argument(
        "--region", default=None, choices=("hole", "overlap", "image"),
        help="where the reconstruction loss is measured (default: hole)",
    )
    parser.add_argument("--grad-clip", type=float, default=None, help="gradient norm clip; 0 turns it off (default: 10; 1 for center and unet)")


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Resume or overwrite, mixed precision, AlexNet weights, data workers and progress bars."""
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt when it exists")
    parser.add_argument(
        "--overwrite", action="store_true",
        help="start a new run in an --out folder that holds one (its checkpoints and history are deleted)",
    )
    parser.add_argument(
        "--amp", default="auto", nargs="?", const="on", choices=("auto", "on", "off"),
        help="mixed precision (autocast): auto (default) uses it on CUDA and on CPUs where timed steps show "
        "bfloat16 faster; on (or --amp alone) always; off never",
    )
    parser.add_argument(
        "--amp-dtype", default=None, choices=tuple(AMP_DTYPES),
        help="autocast type with --amp on (default: bfloat16 where the device supports it, else float16)",
    )
    parser.add_argument(
        "--weights", default=None, metavar="PATH",
        help="alexnet only: AlexNet ImageNet weights file (default: torchvision's cache, else random)",
    )
    parser.add_argument("--num-workers", type=int, default=0, help="DataLoader worker processes (default: 0)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")


def parse_mask_kinds(text: str | None) -> list[str] | None:
    """Return the kinds named in ``--masks`` (``None`` when not given)."""
    if text is None:
        return None
    kinds = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if not kinds or unknown:
        raise UsageError(f"--masks {text!r} is not valid: choose comma-separated kinds from {', '.join(KINDS)}")
    return list(dict.fromkeys(kinds))


def _check_positive(args: argparse.Namespace) -> None:
    for option, value in (
        ("--epochs", args.epochs),
        ("--batch-size", args.batch_size),
        ("--limit", args.limit),
        ("--size", args.size),
        ("--amplify", args.amplify),
    ):
        if value is not None and value < 1:
            raise UsageError(f"{option} must be a positive integer, got {value}")
    for option, value in (("--lr-g", args.lr_g), ("--lr-d", args.lr_d), ("--max-minutes", args.max_minutes)):
        if value is not None and not value > 0:
            raise UsageError(f"{option} must be a positive number, got {value}")
    for option, value in (
        ("--patience", args.patience),
        ("--style-weight", args.style_weight),
        ("--min-delta", args.min_delta),
        ("--grad-clip", args.grad_clip),
        ("--num-workers", args.num_workers),
    ):
        if value is not None and value < 0:
            raise UsageError(f"{option} must be >= 0, got {value}")


def parse_model_options(pairs: list[str]) -> dict:
    """Return ``--option KEY=VALUE`` pairs as a dict (values read as JSON when they can be: 1, true, 0.5)."""
    options = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip().isidentifier():
            raise UsageError(f"--option {pair!r} is not KEY=VALUE (e.g. --option base_fill=telea)")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        options[key.strip()] = value
    return options


def config_overrides(args: argparse.Namespace) -> dict:
    """Return the :class:`~inpaintlib.train.TrainConfig` fields the command line sets explicitly.

    Options left out keep the model's recipe (:func:`inpaintlib.models.training_config`); a run
    given only ``--max-minutes`` gets :data:`BUDGET_EPOCHS` epochs, so the budget ends it.
    """
    values = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr_g": args.lr_g,
        "lr_d": args.lr_d,
        "lr_schedule": args.lr_schedule,
        "adversarial": args.adversarial,
        "rec_norm": args.rec_norm,
        "rec_per_image": args.rec_per_image,
        "style_weight": args.style_weight,
        "region": args.region,
        "min_delta": args.min_delta,
        "amp_dtype": args.amp_dtype,
        "num_workers": args.num_workers,
    }
    overrides = {name: value for name, value in values.items() if value is not None}
    if args.grad_clip is not None:
        overrides["grad_clip"] = args.grad_clip or None
    if args.patience is not None:
        overrides["patience"] = args.patience or None
    if args.epochs is None and args.max_minutes is not None:
        overrides["epochs"] = BUDGET_EPOCHS
    overrides["amp"] = {"auto": "auto", "on": True, "off": False}[args.amp]
    return overrides


def run(args: argparse.Namespace) -> int:
    """Train as the arguments say and print where the results are."""
    from inpaintlib.data import load_dataset
    from inpaintlib.models import build_discriminator, model_spec, training_config
    from inpaintlib.outputs import check_run_folder, clear_run
    from inpaintlib.runtime import runs_dir
    from inpaintlib.train import Trainer

    spec = model_spec(args.model)  # ValueError names the valid models
    _check_positive(args)
    out_dir = check_run_folder(
        Path(args.out) if args.out else runs_dir(spec.name), resume=args.resume, overwrite=args.overwrite,
        inputs=[("the --weights file", args.weights)],
    )
    kinds = parse_mask_kinds(args.masks) or list(spec.mask_kinds)
    options = _model_options(args, spec.name, spec.image_size)

    rank = int(os.environ.get("RANK", "0") or 0)
    generator = _build_generator(spec.name, options)
    size = int(generator.image_size)
    split = load_dataset(
        args.data, domain=args.domain, size=size, seed=args.seed, limit=args.limit, amplify=args.amplify,
        verbose=rank == 0,
    )
    config = training_config(spec.name, mask_kinds=kinds, seed=args.seed, **config_overrides(args))
    discriminator = build_discriminator(spec.name) if config.adversarial else None
    if args.overwrite and not args.resume and rank == 0:
        clear_run(out_dir)
    # The trained encoder weights live in the checkpoint: record only the options that shape the network.
    saved_options = {key: value for key, value in options.items() if key not in ("weights", "download")}
    trainer = Trainer(
        generator,
        discriminator,
        split.train,
        split.val,
        config,
        out_dir=out_dir,
        device=args.device,
        resume=args.resume,
        model_name=spec.name,
        model_options=saved_options,
        progress=not args.no_progress,
    )
    try:
        if trainer.dist.is_main:
            _print_start(trainer, spec.title, split.counts, size, kinds)
        history = trainer.fit(max_minutes=args.max_minutes)
    finally:
        trainer.close()
    if trainer.dist.is_main:
        _print_outcome(history, out_dir)
    return 0


def _model_options(args: argparse.Namespace, model_name: str, model_size: int) -> dict:
    """Return the options the model is built with: ``--option`` pairs, ``--size`` and (alexnet only) ``--weights``."""
    options: dict = parse_model_options(args.option)
    if args.size is not None and args.size != model_size:
        options["image_size"] = args.size  # the model says whether it can work at this size
    if args.weights is not None:
        if model_name != "alexnet":
            raise UsageError(f"--weights is for the alexnet model (pretrained AlexNet weights), not {model_name!r}")
        if args.weights.upper() not in ("DEFAULT", "IMAGENET1K_V1") and not Path(args.weights).is_file():
            raise FileNotFoundError(f"--weights file not found: {args.weights}")
        options["weights"] = args.weights
    return options


def _build_generator(model_name: str, options: dict):
    """Build the generator; an option the model does not take is a usage error that names the options."""
    from inpaintlib.models import build_model

    try:
        return build_model(model_name, **options)
    except TypeError as error:  # an --option the model does not take
        raise UsageError(f"{model_name} does not take the model options {sorted(options)}: {error}") from None


def _print_start(trainer, title: str, counts: dict, size: int, kinds: list[str]) -> None:
    """Print what is trained on which images, at which size, with which masks, on which device."""
    print(
        f"Training {title} on {counts['train']} images ({counts['val']} for validation), "
        f"{size}x{size}, masks {', '.join(kinds)}, device {trainer.device}"
        + (f", {trainer.dist.world_size} processes" if trainer.dist.enabled else "")
    )


def _print_outcome(history, out_dir: Path) -> None:
    """Print how many epochs ran, the best epoch, why the run stopped and where its files are."""
    done = len(history)
    line = f"Trained {done} epoch{'s' if done != 1 else ''}"
    if history.best_epoch is not None:
        line += f"; best epoch {history.best_epoch} (validation {history.monitor} loss {history.best_value:.5f})"
    if history.stop_reason:
        line += f"; stopped by {history.stop_reason}"
    print(line)
    print(f"Checkpoints and history in {out_dir} (best.pt, last.pt, history.json, history.csv)")
