"""``python -m inpaintlib evaluate``: compare trained generators with the classical baselines.

Taught in notebook 08 (``08_evaluation.ipynb``), which runs the same evaluation in code.

Every method sees the same images and the same holes (see :mod:`inpaintlib.evaluation`).

Which images are used (``--split``):

* ``test``: the test part of :func:`inpaintlib.data.load_dataset` with its default 70/15/15
  train / validation / test split chosen by ``--split-seed`` (0, as in training), so trained
  models are scored on images they neither trained on nor chose their best epoch on. This is
  the default for a named dataset (``auto``, ``monet2photo``, ``sample``) and for a folder in a
  monet2photo layout.
* ``val``: the validation part of the same split (the images that chose the best epoch).
* ``all``: every image of the source. This is the default for a plain folder of images,
  which a model was presumably not trained on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inpaintlib.cli import UsageError

_GROUP_KEYS = ("method", "mask_kind", "area_bin")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``evaluate`` command."""
    parser = subparsers.add_parser(
        "evaluate",
        help="score trained models and classical baselines (PSNR, SSIM, L1 in the hole)",
        description="Inpaint the same images under the same masks with every checkpoint and the classical "
        "baselines (OpenCV Telea and Navier-Stokes, scikit-image biharmonic, mean color), and print "
        "PSNR, SSIM and L1 inside the hole and over the whole image.",
    )
    parser.add_argument(
        "--checkpoint", action="append", default=[], metavar="CKPT",
        help="a generator checkpoint (best.pt / last.pt); repeat for several models",
    )
    parser.add_argument(
        "--data", default="auto", metavar="DIR_OR_NAME",
        help="'auto', 'monet2photo', 'sample' or a folder of images (default: auto)",
    )
    parser.add_argument("--domain", default="photo", help="photo or monet, for two-domain datasets (default: photo)")
    parser.add_argument(
        "--split", choices=("auto", "test", "val", "all"), default="auto",
        help="test: the test split; val: the validation split; all: every image "
        "(default: all for a plain folder, test otherwise)",
    )
    parser.add_argument(
        "--split-seed", type=int, default=0, help="seed of the train/validation/test split (default: 0)"
    )
    parser.add_argument(
        "--masks", default="center,blocks,free_form",
        help="comma-separated mask kinds from center, blocks, free_form (default: all three)",
    )
    parser.add_argument(
        "--size", type=int, default=None,
        help="image side in pixels (default: the first checkpoint's image_size, else 128)",
    )
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N images")
    parser.add_argument("--seed", type=int, default=0, help="seed that fixes every mask (default: 0)")
    parser.add_argument(
        "--by", default="method,mask_kind",
        help="comma-separated grouping of the table from method, mask_kind, area_bin (default: method,mask_kind)",
    )
    parser.add_argument("--json", action="store_true", help="print the full result (summary and records) as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--out", default=None, metavar="FILE", help="also write the full result as JSON to FILE")
    parser.add_argument(
        "--overwrite", action="store_true",
        help="replace --out when it exists (never a checkpoint or an evaluated image)",
    )
    parser.add_argument("--no-baselines", action="store_true", help="evaluate only the checkpoints")
    parser.add_argument("--batch-size", type=int, default=8, help="images per batch (default: 8)")
    parser.add_argument("--device", default="auto", help="device for the models: auto, cpu, cuda (default: auto)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run)


def _comma_list(text: str, option: str, allowed: tuple[str, ...]) -> list[str]:
    values = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [value for value in values if value not in allowed]
    if not values or unknown:
        raise UsageError(
            f"{option} {text!r} is not valid: choose comma-separated values from {', '.join(allowed)}"
        )
    if len(set(values)) != len(values):
        raise UsageError(f"{option} {text!r} repeats a value")
    return values


def _check_positive(value, option: str) -> None:
    if value is not None and value < 1:
        raise UsageError(f"{option} must be a positive integer, got {value}")


def _load_models(paths: list[str], device: str) -> dict:
    """Load every checkpoint; name each by its model name (with its run folder when names collide)."""
    from inpaintlib.checkpoints import load_generator

    loaded = []
    for text in paths:
        path = Path(text)
        model = load_generator(path, device=device)
        info = getattr(model, "checkpoint_info", {}) or {}
        loaded.append((path, str(info.get("model_name") or type(model).__name__), model))
    names = [name for _, name, _ in loaded]
    models = {}
    for path, name, model in loaded:
        if names.count(name) > 1:
            name = f"{name} ({path.parent.name}/{path.stem})" if path.parent.name else f"{name} ({path.stem})"
        if name in models:
            name = f"{name} [{len(models)}]"
        models[name] = model
    return models


def _resolve_split(data: str, split: str) -> str:
    if split != "auto":
        return split
    path = Path(data).expanduser()
    if data not in ("auto", "monet2photo", "sample") and path.is_dir():
        from inpaintlib.data import find_layout

        return "all" if find_layout(path).name == "folder" else "test"
    return "test"


def run(args: argparse.Namespace) -> int:
    """Evaluate and print the table (or JSON); return 0."""
    kinds, by = _check_arguments(args)
    from inpaintlib.outputs import check_output_file

    inputs = [("a checkpoint", path) for path in args.checkpoint]
    if args.out:
        check_output_file(args.out, inputs=inputs, overwrite=args.overwrite, example="results.json")

    from inpaintlib.evaluation import evaluate

    models = _load_models(args.checkpoint, args.device)
    size = args.size
    if size is None:
        first = next(iter(models.values()), None)
        size = int(getattr(first, "image_size", None) or 128)
    methods, method_kinds = _methods(models, kinds, args)
    images, description = _images(args, size, inputs)
    result = evaluate(
        methods, images, mask_kinds=kinds, seed=args.seed, limit=args.limit, image_size=size,
        batch_size=args.batch_size, progress=not args.no_progress, description=description,
        method_kinds=method_kinds,
    )
    if args.out:
        result.save_json(args.out, by=by)
    if args.json:
        print(result.to_json(by=by))
        return 0
    _print_table(result, by, description, size, kinds, args)
    return 0


def _check_arguments(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """Check the options that need no file; return the mask kinds and the table's grouping."""
    from inpaintlib.masks import KINDS

    kinds = _comma_list(args.masks, "--masks", KINDS)
    by = _comma_list(args.by, "--by", _GROUP_KEYS)
    for value, option in ((args.size, "--size"), (args.limit, "--limit"), (args.batch_size, "--batch-size")):
        _check_positive(value, option)
    if args.size is not None and args.size < 16:
        raise UsageError(f"--size must be at least 16 pixels, got {args.size}")
    if args.no_baselines and not args.checkpoint:
        raise UsageError("nothing to evaluate: give --checkpoint or drop --no-baselines")
    return kinds, by


def _methods(models: dict, kinds: list[str], args: argparse.Namespace) -> tuple[dict, dict]:
    """Return the methods to evaluate (the models, then the baselines) and the kinds each model can fill."""
    from inpaintlib.baselines import ModelInpainter, MeanColorInpainter, classical_baselines
    from inpaintlib.evaluation import supported_kinds

    # Model 1 fills only the center square: run each model on the kinds it can fill.
    method_kinds = {}
    for name, model in models.items():
        can = supported_kinds((getattr(model, "checkpoint_info", None) or {}).get("model_name"))
        skipped = [kind for kind in kinds if kind not in can]
        if skipped:
            method_kinds[name] = can
            print(f"note: {name} fills only {', '.join(can)} holes; it is not run on {', '.join(skipped)}", file=sys.stderr)

    methods = {name: ModelInpainter(model, name=name, device=args.device, batch_size=args.batch_size)
               for name, model in models.items()}
    if not args.no_baselines:
        for baseline in [*classical_baselines(), MeanColorInpainter()]:
            methods[baseline.name] = baseline
    return methods, method_kinds


def _images(args: argparse.Namespace, size: int, inputs: list) -> tuple:
    """Return the images of the chosen split and a sentence describing them; ``--out`` may be none of them."""
    from inpaintlib.data import load_dataset
    from inpaintlib.outputs import check_output_file

    split = _resolve_split(args.data, args.split)
    fractions = {"val_fraction": 0.0, "test_fraction": 0.0} if split == "all" else {}
    dataset = load_dataset(args.data, domain=args.domain, size=size, seed=args.split_seed, verbose=False, **fractions)
    images = {"all": dataset.train, "val": dataset.val, "test": dataset.test}[split]
    if len(images) == 0:
        raise UsageError(f"the {split} split of {args.data!r} holds no images")
    description = f"{dataset.description} Evaluated split: {split} ({len(images)} images)."
    if args.out:
        evaluated = getattr(images, "paths", None) or []
        check_output_file(args.out, inputs=[*inputs, *(("an evaluated image", path) for path in evaluated)],
                          overwrite=args.overwrite, example="results.json")
    return images, description


def _print_table(result, by: list[str], description: str, size: int, kinds: list[str], args: argparse.Namespace) -> None:
    """Print the data, the settings, the table (text or Markdown) and the time per image of each method."""
    table = result.table(by=by)
    print(f"data: {description}")
    unread = f" ({len(result.skipped)} unreadable images skipped)" if result.skipped else ""
    print(f"{result.image_count} images at {size}x{size}, masks {', '.join(kinds)}, seed {args.seed}{unread}")
    print()
    print(table.to_markdown() if args.markdown else table.to_text())
    timings = ", ".join(f"{name} {seconds * 1000:.1f}" for name, seconds in result.seconds_per_image.items())
    print(f"\nmilliseconds per image and mask: {timings}")
    if args.out:
        print(f"wrote {args.out}", file=sys.stderr)
