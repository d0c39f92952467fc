"""End-to-end tests of ``python -m inpaintlib train`` and ``inpaint`` on a tiny folder of images."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from inpaintlib.checkpoints import load_checkpoint
from inpaintlib.cli import main
from inpaintlib.data import to_rgb


def smooth_image(width: int, height: int, seed: int, mode: str = "RGB") -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    channels = [np.sin(6 * x * rng.uniform(0.5, 2) + rng.uniform(0, 6)) * np.cos(5 * y * rng.uniform(0.5, 2))
                for _ in range(3)]
    pixels = ((np.stack(channels, -1) * 0.5 + 0.5) * 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    if mode == "RGBA":
        alpha = (rng.uniform(0, 1, (height, width)) * 255).astype(np.uint8)
        image.putalpha(Image.fromarray(alpha, "L"))
        return image
    return image.convert(mode)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train Model 1 for one epoch on 8 small photos (6 train, 1 validation, 1 test)."""
    root = tmp_path_factory.mktemp("cli")
    folder = root / "photos"
    folder.mkdir()
    for index in range(8):
        smooth_image(150 + 4 * index, 140, index).save(folder / f"photo {index}.png")
    out = root / "run"
    code = main(
        ["train", "--model", "center", "--data", str(folder), "--epochs", "1", "--batch-size", "2",
         "--out", str(out), "--no-progress", "--device", "cpu"]
    )
    assert code == 0
    return root, out


def test_train_writes_checkpoints_and_history(trained, capsys):
    _, out = trained
    for name in ("best.pt", "last.pt", "history.json", "history.csv"):
        assert (out / name).is_file(), name
    history = json.loads((out / "history.json").read_text())
    assert len(history["records"]) == 1 and history["best_epoch"] == 1
    assert history["records"][0]["steps"] == 3  # 6 training images, batch 2


def test_resume_continues_to_more_epochs(trained, tmp_path):
    root, out = trained
    copy = tmp_path / "run"
    copy.mkdir()
    for name in ("last.pt", "best.pt", "history.json"):
        (copy / name).write_bytes((out / name).read_bytes())
    code = main(
        ["train", "--model", "center", "--data", str(root / "photos"), "--epochs", "2", "--batch-size", "2",
         "--out", str(copy), "--no-progress", "--device", "cpu", "--resume"]
    )
    assert code == 0
    history = json.loads((copy / "history.json").read_text())
    assert [r["epoch"] for r in history["records"]] == [1, 2]
    assert history["records"][0] == json.loads((out / "history.json").read_text())["records"][0]


@pytest.mark.parametrize("mode", ["L", "RGBA"])
def test_inpaint_keeps_size_and_known_pixels(trained, tmp_path, mode, capsys):
    _, out = trained
    image = smooth_image(200, 150, 42, mode)
    image_path = tmp_path / f"input {mode}.png"
    image.save(image_path)
    # A mask file at half the image's size, with a hole inside the model's center square.
    mask = np.zeros((75, 100), np.uint8)
    mask[28:47, 37:63] = 255
    mask_path = tmp_path / "mask.png"
    Image.fromarray(mask).save(mask_path)
    result_path = tmp_path / "out" / "filled.png"
    code = main(["inpaint", "--checkpoint", str(out / "best.pt"), str(image_path), str(mask_path),
                 "--out", str(result_path), "--device", "cpu"])
    assert code == 0
    err = capsys.readouterr().err
    assert "mask.png is 100x75 but the image is 200x150: resizing the mask" in err
    assert "UserWarning" not in err
    result = np.asarray(Image.open(result_path))
    assert result.shape == (150, 200, 3)
    original = np.asarray(to_rgb(image))
    hole = np.asarray(Image.fromarray(mask).resize((200, 150), Image.Resampling.NEAREST)) > 127
    assert np.array_equal(result[~hole], original[~hole])
    assert not np.array_equal(result[hole], original[hole])


def test_inpaint_with_the_center_word(trained, tmp_path):
    _, out = trained
    image_path = tmp_path / "wide.jpg"
    smooth_image(260, 130, 7).save(image_path)
    result_path = tmp_path / "filled.png"
    code = main(["inpaint", "--checkpoint", str(out / "last.pt"), str(image_path), "center",
                 "--out", str(result_path), "--device", "cpu"])
    assert code == 0
    result = np.asarray(Image.open(result_path))
    original = np.asarray(Image.open(image_path).convert("RGB"))
    assert result.shape == original.shape == (130, 260, 3)
    known = np.ones((130, 260), bool)
    known[33:98, 65:195] = False  # the center half in each direction, with a pixel of slack
    assert np.array_equal(result[known], original[known])
    assert not np.array_equal(result[~known], original[~known])


def test_train_with_float16_mixed_precision(trained, tmp_path):
    root, _ = trained
    out = tmp_path / "amp"
    code = main(
        ["train", "--model", "center", "--data", str(root / "photos"), "--epochs", "1", "--batch-size", "2",
         "--out", str(out), "--no-progress", "--device", "cpu", "--amp", "--amp-dtype", "float16"]
    )
    assert code == 0
    checkpoint = load_checkpoint(out / "last.pt")
    assert checkpoint["config"]["amp"] is True and checkpoint["config"]["amp_dtype"] == "float16"
    assert checkpoint["scaler_g"]["scale"] > 0
    history = json.loads((out / "history.json").read_text())
    assert all(math.isfinite(value) for value in history["records"][0]["train"].values() if value is not None)


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_bad_arguments_give_one_line_errors(trained, tmp_path, capsys):
    root, out = trained
    folder = str(root / "photos")
    cases = [
        (["inpaint", "--checkpoint", str(tmp_path / "missing.pt"), folder + "/photo 0.png", "center",
          "--out", str(tmp_path / "x.png")], "checkpoint not found"),
        (["inpaint", "--checkpoint", str(out / "best.pt"), str(tmp_path / "nope.png"), "center",
          "--out", str(tmp_path / "x.png")], "image not found"),
        (["inpaint", "--checkpoint", str(out / "best.pt"), folder + "/photo 0.png", str(tmp_path / "nomask.png"),
          "--out", str(tmp_path / "x.png")], "mask file not found"),
        (["train", "--model", "model9", "--data", folder, "--out", str(tmp_path / "r")], "unknown model name"),
        (["train", "--model", "center", "--data", folder, "--masks", "center,triangles",
          "--out", str(tmp_path / "r")], "--masks"),
        (["train", "--model", "center", "--data", folder, "--epochs", "0", "--out", str(tmp_path / "r")], "--epochs"),
        (["train", "--model", "center", "--data", folder, "--weights", "w.pth", "--out", str(tmp_path / "r")],
         "--weights"),
        (["train", "--model", "center", "--data", folder, "--size", "64", "--out", str(tmp_path / "r")], "128"),
        (["train", "--model", "center", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "r")],
         "nowhere"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        assert words in one_line_error(capsys), argv
    truncated = tmp_path / "cut.pt"
    data = (out / "best.pt").read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    argv = ["inpaint", "--checkpoint", str(truncated), folder + "/photo 0.png", "center", "--out", str(tmp_path / "x.png")]
    assert main(argv) == 2
    assert "cut.pt" in one_line_error(capsys)


@pytest.mark.parametrize("command, option", [("train", "--max-minutes"), ("inpaint", "--checkpoint")])
def test_help(command, option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert option in capsys.readouterr().out


def test_model_1_from_the_command_line_uses_its_registered_recipe():
    from inpaintlib.cli import build_parser
    from inpaintlib.commands.train import config_overrides
    from inpaintlib.models import training_config

    args = build_parser().parse_args(["train", "--model", "center", "--max-minutes", "10"])
    config = training_config("center", **config_overrides(args))
    # The report's joint loss and optimizers, with the measured changes of Model 1's recipe.
    assert config.adversarial and (config.rec_weight, config.adv_weight, config.lr_d) == (0.999, 0.001, 1e-3)
    assert (config.lr_g, config.lr_schedule, config.rec_norm, config.grad_clip) == (3e-4, "cosine", "l1+l2", 1.0)
    assert config.patience is None  # a budget is used to the end of the decay; best.pt keeps the best epoch
    # Models 2 and 3 keep the report's recipe as written.
    report = training_config("masked", **config_overrides(build_parser().parse_args(["train", "--model", "masked"])))
    assert (report.lr_g, report.lr_schedule, report.rec_norm) == (6e-4, "constant", "l2")


def test_per_image_loss_flag_reaches_the_training_config():
    from inpaintlib.cli import build_parser
    from inpaintlib.commands.train import config_overrides
    from inpaintlib.models import training_config

    parse = build_parser().parse_args
    assert not training_config("unet", **config_overrides(parse(["train", "--model", "unet"]))).rec_per_image
    assert training_config("unet", **config_overrides(parse(["train", "--model", "unet", "--per-image-loss"]))).rec_per_image
