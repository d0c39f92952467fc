"""Hostile and careless inputs: every command fails in one line with status 2, touches no file, and
checkpoints survive a SIGKILL at any point of their writing.

The command-line cases are one table (``CASES``); each asserts the one-line message, the exit
status and that no file of the test's folder changed. The kill test forks a tiny training run and
SIGKILLs it at many points of the end-of-epoch save (``best.pt``, ``last.pt``, the history), then
checks that a resume gives the same best checkpoint and history as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import signal
import struct
import sys
import tracemalloc
import warnings
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from inpaintlib.checkpoints import load_checkpoint, save_checkpoint
from inpaintlib.cli import main
from inpaintlib.data import images as image_module
from inpaintlib.history import History
from inpaintlib.masks import center_block, free_form, load_mask, random_blocks
from inpaintlib.train import TrainConfig, TrainingDiverged

import test_train
from test_train import CtrlCAt, TinyGenerator, make_trainer, values

# --------------------------------------------------------------------------- files


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width x height`` 8-bit gray pixels (its data is never decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def photo(width: int = 40, height: int = 30, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def broken_at_decode(path: Path) -> None:
    """Write a PNG whose header and end marker are fine but whose pixel data is not."""
    buffer = bytearray(Path(path).read_bytes()) if Path(path).exists() else None
    if buffer is None:
        photo(seed=9).save(path)
        buffer = bytearray(Path(path).read_bytes())
    start = buffer.index(b"IDAT") + 8
    buffer[start : start + 40] = bytes(40)
    Path(path).write_bytes(bytes(buffer))


def centered_hole(value: int, width: int = 40, height: int = 30) -> np.ndarray:
    """A mask of ``value`` inside the middle of a ``width x height`` image, where Model 1 fills."""
    hole = np.zeros((height, width), np.uint8)
    hole[height // 3 : 2 * height // 3, width // 3 : 2 * width // 3] = value
    return hole


def good_checkpoint(path: Path, **changes) -> Path:
    from inpaintlib.models import build_model

    torch.manual_seed(0)
    parts = {"model_name": "center", "model_options": {}, "image_size": 128,
             "generator": build_model("center").state_dict(), "epoch": 1, **changes}
    return save_checkpoint(path, **parts)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Every input a case needs, in one folder whose files must never change."""
    root = tmp_path_factory.mktemp("world")
    w = SimpleNamespace(root=root)
    w.photos = root / "photos"
    w.photos.mkdir()
    for index in range(6):
        photo(seed=index).save(w.photos / f"p{index}.png")
    w.image = root / "photo.png"
    photo(seed=7).save(w.image)
    w.mask = root / "mask.png"
    Image.fromarray(centered_hole(255)).save(w.mask)
    w.ckpt = good_checkpoint(root / "model.pt")
    w.ckpt_png = Path(shutil.copyfile(w.ckpt, root / "model.png"))
    checkpoint = torch.load(w.ckpt, weights_only=True)
    data = bytearray(w.ckpt.read_bytes())
    data[len(data) // 2] ^= 0x04
    w.flipped = root / "flipped.pt"
    w.flipped.write_bytes(bytes(data))
    w.truncated = root / "truncated.pt"
    w.truncated.write_bytes(w.ckpt.read_bytes()[: len(data) // 2])
    nan_state = {name: torch.full_like(t, math.nan) if t.is_floating_point() else t
                 for name, t in checkpoint["generator"].items()}
    w.nan = good_checkpoint(root / "nan.pt", generator=nan_state)
    w.listed = good_checkpoint(root / "listed.pt", generator=[1, 2, 3])
    w.bare = root / "bare.pt"
    torch.save(checkpoint["generator"], w.bare)
    w.text = root / "notes.png"
    w.text.write_text("not an image")
    w.empty = root / "empty.png"
    w.empty.write_bytes(b"")
    w.truncated_png = root / "cut.png"
    w.truncated_png.write_bytes(w.image.read_bytes()[:200])
    w.bomb = root / "bomb.png"
    w.bomb.write_bytes(png_header(100_000, 100_000))  # past PIL's own limit
    w.big = root / "big.png"
    w.big.write_bytes(png_header(8000, 8000))  # 64 megapixels: under PIL's limit, over the budget
    w.existing = root / "existing.png"
    photo(seed=8).save(w.existing)
    w.folder = root / "a folder"
    w.folder.mkdir()
    w.bombs = root / "bombs"
    w.bombs.mkdir()
    for index in range(2):
        (w.bombs / f"b{index}.png").write_bytes(png_header(100_000, 100_000))
    w.run = root / "run"
    w.run.mkdir()
    good_checkpoint(w.run / "best.pt")
    shutil.copyfile(w.flipped, w.run / "last.pt")
    w.notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    w.foreign = root / "executed"
    w.foreign.mkdir()
    (w.foreign / "00_data.ipynb").write_text("my own notes")
    w.pickle = root / "evil.pt"
    torch.save({"format": "inpaintlib-checkpoint", "x": SimpleNamespace()}, w.pickle)
    return w


def snapshot(root: Path) -> dict:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def inpaint(w, image, mask, out, *extra, checkpoint=None):
    return ["inpaint", "--checkpoint", str(checkpoint or w.ckpt), str(image), str(mask), "--out", str(out),
            "--device", "cpu", *extra]


def evaluate(w, *extra, data=None):
    return ["evaluate", "--data", str(data or w.photos), "--masks", "center", "--size", "32", "--no-progress",
            "--device", "cpu", *extra]


def train(w, *extra, data=None):
    return ["train", "--model", "center", "--data", str(data or w.photos), "--epochs", "1", "--batch-size", "2",
            "--no-progress", "--device", "cpu", "--amp", "off", *extra]


def with_checkpoint(choose):
    """Arguments of a sound inpaint call with the checkpoint ``choose(world)``."""
    return lambda w: inpaint(w, w.image, w.mask, w.root / "o.png", checkpoint=choose(w))


#: (id, arguments built from the world, words the one-line message must hold).
CASES = [
    ("inpaint-out-is-the-image", lambda w: inpaint(w, w.image, w.mask, w.image, "--overwrite"), "is the image"),
    ("inpaint-out-is-the-mask", lambda w: inpaint(w, w.image, w.mask, w.mask, "--overwrite"), "is the mask"),
    ("inpaint-out-is-the-checkpoint",
     lambda w: inpaint(w, w.image, w.mask, w.ckpt_png, "--overwrite", checkpoint=w.ckpt_png), "is the checkpoint"),
    ("inpaint-out-exists", lambda w: inpaint(w, w.image, w.mask, w.existing), "pass --overwrite"),
    ("inpaint-out-is-a-folder", lambda w: inpaint(w, w.image, w.mask, w.folder), "is a folder"),
    ("inpaint-out-under-a-file", lambda w: inpaint(w, w.image, w.mask, w.image / "x.png"), "is a file, not a folder"),
    ("inpaint-out-without-extension", lambda w: inpaint(w, w.image, w.mask, w.root / "result"), "extension"),
    ("inpaint-image-is-a-bomb", lambda w: inpaint(w, w.bomb, w.mask, w.root / "o.png"), "bomb.png"),
    ("inpaint-image-over-budget", lambda w: inpaint(w, w.big, w.mask, w.root / "o.png"), "big.png is 8000x8000"),
    ("inpaint-mask-is-a-bomb", lambda w: inpaint(w, w.image, w.bomb, w.root / "o.png"), "bomb.png"),
    ("inpaint-mask-over-budget", lambda w: inpaint(w, w.image, w.big, w.root / "o.png"), "INPAINTLIB_MAX_PIXELS"),
    ("inpaint-image-is-a-folder", lambda w: inpaint(w, w.folder, w.mask, w.root / "o.png"), "is a folder"),
    ("inpaint-image-is-text", lambda w: inpaint(w, w.text, w.mask, w.root / "o.png"), "cannot read the image"),
    ("inpaint-image-is-empty", lambda w: inpaint(w, w.empty, w.mask, w.root / "o.png"), "empty.png"),
    ("inpaint-image-is-truncated", lambda w: inpaint(w, w.truncated_png, w.mask, w.root / "o.png"), "cut.png"),
    ("inpaint-image-missing", lambda w: inpaint(w, w.root / "nowhere.jpg", w.mask, w.root / "o.png"), "not found"),
    ("inpaint-mask-missing", lambda w: inpaint(w, w.image, w.root / "nowhere.png", w.root / "o.png"), "'center'"),
    ("inpaint-mask-is-a-folder", lambda w: inpaint(w, w.image, w.folder, w.root / "o.png"), "is not a file"),
    ("inpaint-mask-is-text", lambda w: inpaint(w, w.image, w.text, w.root / "o.png"), "notes.png"),
    ("inpaint-mask-threshold-out-of-range",
     lambda w: inpaint(w, w.image, w.mask, w.root / "o.png", "--mask-threshold", "1.5"), "threshold"),
    ("inpaint-checkpoint-missing", with_checkpoint(lambda w: w.root / "none.pt"), "not found"),
    ("inpaint-checkpoint-is-text", with_checkpoint(lambda w: w.text), "not a readable checkpoint"),
    ("inpaint-checkpoint-flipped-bit", with_checkpoint(lambda w: w.flipped), "fails its checksum"),
    ("inpaint-checkpoint-truncated", with_checkpoint(lambda w: w.truncated), "truncated.pt"),
    ("inpaint-checkpoint-nan-weights", with_checkpoint(lambda w: w.nan), "NaN or infinite weights"),
    ("inpaint-checkpoint-generator-not-a-state-dict", with_checkpoint(lambda w: w.listed), "not a state dict"),
    ("inpaint-checkpoint-bare-state-dict", with_checkpoint(lambda w: w.bare), "not an inpaintlib checkpoint"),
    ("inpaint-checkpoint-unsafe-pickle", with_checkpoint(lambda w: w.pickle), "evil.pt"),
    ("evaluate-out-is-a-checkpoint",
     lambda w: evaluate(w, "--checkpoint", str(w.ckpt), "--out", str(w.ckpt), "--overwrite"), "is a checkpoint"),
    ("evaluate-out-is-an-evaluated-image",
     lambda w: evaluate(w, "--out", str(w.photos / "p0.png"), "--overwrite"), "an evaluated image"),
    ("evaluate-out-exists", lambda w: evaluate(w, "--out", str(w.existing)), "pass --overwrite"),
    ("evaluate-out-is-a-folder", lambda w: evaluate(w, "--out", str(w.folder)), "is a folder"),
    ("evaluate-checkpoint-nan-weights", lambda w: evaluate(w, "--checkpoint", str(w.nan)), "nan.pt"),
    ("evaluate-checkpoint-flipped-bit", lambda w: evaluate(w, "--checkpoint", str(w.flipped)), "fails its checksum"),
    ("evaluate-data-all-bombs", lambda w: evaluate(w, data=w.bombs), "b0.png"),
    ("train-out-is-a-file", lambda w: train(w, "--out", str(w.image)), "is a file, not a folder"),
    ("train-out-holds-a-run", lambda w: train(w, "--out", str(w.run)), "--resume"),
    ("train-resume-from-a-corrupted-last", lambda w: train(w, "--out", str(w.run), "--resume"), "fails its checksum"),
    ("train-data-all-bombs", lambda w: train(w, "--out", str(w.root / "new run"), data=w.bombs), "b1.png"),
    ("train-data-missing", lambda w: train(w, "--out", str(w.root / "new run"), data=w.root / "nowhere"), "nowhere"),
    ("run-notebooks-into-the-notebooks",
     lambda w: ["run-notebooks", "--output-dir", str(w.notebooks), "--only", "00"], "--in-place"),
    ("run-notebooks-over-a-foreign-file",
     lambda w: ["run-notebooks", "--output-dir", str(w.foreign), "--only", "00"], "not an executed notebook"),
    ("run-notebooks-output-dir-is-a-file",
     lambda w: ["run-notebooks", "--output-dir", str(w.image), "--only", "00"], "is a file, not a folder"),
    ("argument-of-the-wrong-type", lambda w: evaluate(w, "--limit", "many"), "invalid int value"),
]


def run(arguments: list[str]) -> int:
    """The command line's exit status, also for argparse's own errors."""
    try:
        return main(arguments)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize("arguments, expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hostile_input_fails_in_one_line_and_changes_nothing(world, arguments, expected, capsys):
    before = snapshot(world.root)
    status = run(arguments(world))
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    others = [line for line in err.splitlines() if not line.startswith(("error:", "warning:", "note:"))]
    assert status == 2, err
    assert len(errors) == 1 and not others, err
    assert expected in errors[0], errors[0]
    assert snapshot(world.root) == before


def test_the_table_counts_at_least_thirty_cases():
    assert len(CASES) >= 30
    assert {case[0].split("-")[0] for case in CASES} >= {"inpaint", "evaluate", "train", "run"}


# --------------------------------------------------------------------------- outputs that work


def test_inpaint_overwrites_only_with_overwrite_and_writes_atomically(world, tmp_path, capsys):
    out = tmp_path / "filled.png"
    out.write_bytes(b"old")
    assert main(inpaint(world, world.image, world.mask, out, "--overwrite")) == 0
    assert Image.open(out).size == (40, 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["filled.png"]
    leftover = tmp_path / ".again.png.x1.tmp"
    leftover.write_bytes(b"left by a killed write")
    assert main(inpaint(world, world.image, "center", tmp_path / "again.png")) == 0
    assert not leftover.exists()


def test_evaluate_skips_an_image_that_fails_at_full_decode_and_says_so(tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(7):
        photo(seed=index).save(folder / f"p{index}.png")
    broken_at_decode(folder / "p3.png")
    assert main(["evaluate", "--data", str(folder), "--masks", "center", "--size", "32", "--no-progress",
                 "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["settings"]["image_count"] == 6
    assert list(result["settings"]["skipped"]) == ["3"] and "p3.png" in result["settings"]["skipped"]["3"]
    assert sorted({record["index"] for record in result["records"]}) == [0, 1, 2, 4, 5, 6]
    assert "skipped 1 of 7 images" in captured.err and "p3.png" in captured.err


def test_evaluate_flags_nan_outputs():
    from inpaintlib.evaluation import evaluate as run_evaluation

    class Broken(torch.nn.Module):
        image_size = 32

        def forward(self, image, mask):
            return image * math.nan

    with pytest.warns(UserWarning, match="NaN or infinite pixels for 2"):
        result = run_evaluation({"broken": Broken()}, torch.rand(2, 3, 32, 32), mask_kinds="center", progress=False)
    assert result.nonfinite == {"broken": 2}


def test_train_overwrite_starts_a_new_run_and_resume_continues(world, tmp_path, capsys):
    out = tmp_path / "run"
    shutil.copytree(world.run, out)
    (out / "last.pt").unlink()
    (out / "history.json").write_text("{}")
    before = snapshot(world.root)
    assert main(train(world, "--out", str(out), "--overwrite", "--max-minutes", "0.001")) == 0
    history = json.loads((out / "history.json").read_text())
    assert load_checkpoint(out / "best.pt")["epoch"] == history["best_epoch"] == 1
    assert snapshot(world.root) == before


# --------------------------------------------------------------------------- library arguments


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: random_blocks(128, count=10**7), "count must be at most"),
        (lambda: free_form(128, vertices=10**6), "vertices must be at most"),
        (lambda: free_form(128, strokes=10**6), "strokes must be at most"),
        (lambda: free_form(128, width=10**6), "width must be at most"),
        (lambda: center_block(1), "too small"),
        (lambda: center_block(100_000), "decode limit"),
        (lambda: random_blocks((100_000, 100_000)), "decode limit"),
    ],
    ids=["blocks-count", "free-form-vertices", "free-form-strokes", "free-form-width", "center-1", "center-huge",
         "blocks-huge"],
)
def test_mask_arguments_have_upper_bounds(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_load_mask_size_is_bounded(world):
    with pytest.raises(ValueError, match=r"size=\(100000, 100000\).*decode limit"):
        load_mask(world.mask, size=(100_000, 100_000))


def test_decode_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("INPAINTLIB_MAX_PIXELS", "1_000_000")
    assert image_module._max_pixels_from_environment() == 1_000_000
    monkeypatch.setenv("INPAINTLIB_MAX_PIXELS", "lots")
    with pytest.warns(UserWarning, match="INPAINTLIB_MAX_PIXELS"):
        assert image_module._max_pixels_from_environment() == 40_000_000


def test_decode_budget_applies_to_photos_and_masks(world, monkeypatch):
    monkeypatch.setattr(image_module, "MAX_PIXELS", 1000)
    for read in (image_module.read_rgb, load_mask):
        with pytest.raises(image_module.ImageTooLargeError, match="photo.png is 40x30"):
            read(world.image)
    assert image_module.check_image(world.image).startswith("ImageTooLargeError")


def test_a_large_mask_is_decoded_as_one_channel(tmp_path):
    path = tmp_path / "large.png"
    Image.fromarray(np.full((3000, 3000), 255, np.uint8)).save(path)
    tracemalloc.start()
    try:
        with pytest.warns(UserWarning, match="every pixel"):
            load_mask(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3000 * 3000 * 7  # the mask as float32 and bool; float64 RGBA alone would be 32 bytes a pixel


# --------------------------------------------------------------------------- masks that are probably mistakes


def test_gray_mask_warns_with_the_threshold_and_the_threshold_can_be_chosen(tmp_path):
    path = tmp_path / "soft.png"
    Image.fromarray(np.array([[0, 100, 160, 255]], np.uint8)).save(path)
    with pytest.warns(UserWarning, match=r"soft.png is not binary: 50.0% .* brighter than 50% of white"):
        assert load_mask(path).tolist() == [[0.0, 0.0, 1.0, 1.0]]
    with pytest.warns(UserWarning, match="brighter than 30% of white"):
        assert load_mask(path, threshold=0.3).tolist() == [[0.0, 1.0, 1.0, 1.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Image.fromarray(np.array([[0, 255]], np.uint8)).save(tmp_path / "sharp.png")
        load_mask(tmp_path / "sharp.png")  # binary: no warning


def test_gray_and_all_missing_masks_warn_on_the_command_line(world, tmp_path, capsys):
    gray = tmp_path / "gray.png"
    Image.fromarray(centered_hole(200)).save(gray)
    assert main(inpaint(world, world.image, gray, tmp_path / "o.png", "--mask-threshold", "0.6")) == 0
    err = capsys.readouterr().err
    assert "gray.png is not binary" in err and "60% of white" in err
    Image.new("L", (40, 30), 255).save(tmp_path / "white.png")
    with pytest.warns(UserWarning, match="white.png marks every pixel as missing"):
        assert load_mask(tmp_path / "white.png").all()


def test_mask_exif_orientation_is_applied_like_the_photo(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    hole = np.zeros((20, 30), np.uint8)
    hole[2:6, 3:9] = 255
    Image.fromarray(hole).save(tmp_path / "mask.png", exif=exif)
    pixels = np.zeros((20, 30, 3), np.uint8)
    pixels[2:6, 3:9] = 255
    Image.fromarray(pixels).save(tmp_path / "photo.png", exif=exif)
    upright = np.asarray(image_module.read_rgb(tmp_path / "photo.png"))[..., 0] > 127
    mask = load_mask(tmp_path / "mask.png").numpy().astype(bool)
    assert mask.shape == upright.shape == (30, 20)
    assert np.array_equal(mask, upright)


# --------------------------------------------------------------------------- checkpoints under stress

#: How many evenly spread points of the end-of-epoch save the kill test SIGKILLs a run at, over its
#: write, fsync and rename calls (best.pt, last.pt, history.json, history.csv); the last ten calls
#: are all added.
KILL_POINTS = 48

CONFIG = dict(batch_size=4, mask_kinds=["center"], seed=3, patience=None, amp=False, lr_g=2e-3)  # epoch 2 is best


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
def test_sigterm_saves_progress_like_ctrl_c(tmp_path, monkeypatch):
    config = TrainConfig(epochs=2, **CONFIG)
    expected = make_trainer(tmp_path / "straight", config=config).fit()
    monkeypatch.setattr(test_train, "signal", SimpleNamespace(SIGINT=signal.SIGTERM))  # CtrlCAt sends SIGTERM
    trainer = make_trainer(tmp_path / "stopped", generator=CtrlCAt(2), config=config)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    checkpoint = load_checkpoint(tmp_path / "stopped" / "last.pt")
    assert (checkpoint["epoch"], checkpoint["step"]) == (0, 2)
    assert values(make_trainer(tmp_path / "stopped", config=config, resume=True).fit()) == values(expected)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_second_ctrl_c_while_a_checkpoint_is_written_waits_for_it(tmp_path, monkeypatch):
    real_fsync = os.fsync
    sent = []

    def fsync_and_interrupt(descriptor):
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C, in the middle of writing last.pt
        return real_fsync(descriptor)

    trainer = make_trainer(tmp_path, generator=CtrlCAt(2), config=TrainConfig(epochs=1, **CONFIG))
    monkeypatch.setattr(os, "fsync", fsync_and_interrupt)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert sent
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 2
    assert not list(tmp_path.glob(".*.tmp"))


def test_nan_only_in_validation_is_caught(tmp_path):
    class NaNWhenEvaluated(TinyGenerator):
        def forward(self, image, mask):
            out = super().forward(image, mask)
            return out if self.training else out * math.nan

    trainer = make_trainer(tmp_path, generator=NaNWhenEvaluated(), config=TrainConfig(epochs=1, **CONFIG))
    with pytest.raises(TrainingDiverged, match="validation"):
        trainer.fit()
    assert not (tmp_path / "best.pt").exists()


def test_resume_repairs_a_best_checkpoint_older_than_the_history(tmp_path):
    """The layout the old write order (last.pt before best.pt) left after a kill between the two."""
    config = TrainConfig(epochs=2, **CONFIG)
    make_trainer(tmp_path / "one", config=config).fit(epochs=1)
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    make_trainer(tmp_path / "two", config=config, resume=True).fit(epochs=2)
    assert load_checkpoint(tmp_path / "two" / "best.pt")["epoch"] == 2
    shutil.copyfile(tmp_path / "one" / "best.pt", tmp_path / "two" / "best.pt")  # stale: epoch 1
    make_trainer(tmp_path / "two", config=config, resume=True)
    assert load_checkpoint(tmp_path / "two" / "best.pt")["epoch"] == History.load(tmp_path / "two").best_epoch == 2


class _Killer:
    """Counts the write, fsync and rename calls of checkpoint and history saves; SIGKILLs the process at one."""

    def __init__(self, at: int | None) -> None:
        self.at, self.count = at, 0
        self._fdopen, self._replace, self._fsync = os.fdopen, os.replace, os.fsync
        killer = self

        class Stream:
            def __init__(self, raw):
                self._raw = raw

            def write(self, data):
                if killer.at is not None and killer.count + 1 >= killer.at and len(data) > 1:
                    self._raw.write(data[: len(data) // 2])  # die in the middle of a write
                    self._raw.flush()
                killer.tick()
                return self._raw.write(data)

            def __getattr__(self, name):
                return getattr(self._raw, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self._raw.__exit__(*exc)

        self.stream = Stream

    def tick(self) -> None:
        self.count += 1
        if self.at is not None and self.count >= self.at:
            os.kill(os.getpid(), signal.SIGKILL)

    def install(self, monkeypatch=None) -> None:
        def fdopen(*args, **kwargs):
            return self.stream(self._fdopen(*args, **kwargs))

        def replace(*args, **kwargs):
            self.tick()
            return self._replace(*args, **kwargs)

        def fsync(descriptor):
            self.tick()
            return self._fsync(descriptor)

        for name, function in (("fdopen", fdopen), ("replace", replace), ("fsync", fsync)):
            if monkeypatch is None:
                setattr(os, name, function)
            else:
                monkeypatch.setattr(os, name, function)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="needs fork")
def test_sigkill_at_any_point_of_a_save_leaves_a_consistent_run_after_resume(tmp_path, monkeypatch):
    config = TrainConfig(epochs=2, **CONFIG)
    base = tmp_path / "after one epoch"
    make_trainer(base, config=config).fit(epochs=1)
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    counter = _Killer(None)
    with monkeypatch.context() as patch:
        counter.install(patch)
        expected = make_trainer(reference, config=config, resume=True).fit(epochs=2)
    assert expected.best_epoch == 2  # the second epoch writes best.pt too: both files are in the save
    total = counter.count
    expected_best = load_checkpoint(reference / "best.pt")["generator"]
    # Evenly spread, plus every call of the short history writes at the end (and the rename of last.pt).
    spread = np.linspace(1, total, num=min(total, KILL_POINTS)).round().astype(int).tolist()
    points = sorted(set(spread) | set(range(max(1, total - 9), total + 1)))
    assert len(points) >= 20
    states = set()
    for point in points:
        work = tmp_path / f"killed at {point}"
        shutil.copytree(base, work)
        child = os.fork()
        if child == 0:  # the child trains epoch 2 and is killed during its save
            try:
                _Killer(point).install()
                make_trainer(work, config=config, resume=True).fit(epochs=2)
            finally:
                os._exit(3)  # only reached when no kill came
        _, status = os.waitpid(child, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (point, status)
        states.add(tuple(load_checkpoint(work / name)["epoch"] for name in ("best.pt", "last.pt"))
                   + (len(History.load(work)),))
        resumed = make_trainer(work, config=config, resume=True).fit(epochs=2)
        best = load_checkpoint(work / "best.pt")
        saved = History.load(work)
        assert not list(work.glob(".*.tmp")), point
        assert best["epoch"] == saved.best_epoch == resumed.best_epoch == 2, point
        assert values(saved) == values(expected), point
        assert load_checkpoint(work / "last.pt")["epoch"] == 2, point
        assert all(torch.equal(best["generator"][name], tensor) for name, tensor in expected_best.items()), point
    # Killed before best.pt was replaced, between best.pt and last.pt, before the history, after it.
    assert {(1, 1, 1), (2, 1, 1), (2, 2, 1), (2, 2, 2)} <= states, states
