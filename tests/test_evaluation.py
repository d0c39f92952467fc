"""Tests for inpaintlib.evaluation and the ``evaluate`` command."""

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from inpaintlib.baselines import BiharmonicInpainter, MeanColorInpainter, ModelInpainter, TeleaInpainter
from inpaintlib.evaluation import EvaluationResult, evaluate, evaluation_mask, mask_seed
from inpaintlib.metrics import METRIC_KEYS


@pytest.fixture(autouse=True)
def _one_thread():
    """Small tensors: one thread avoids oversubscribing the shared CPU cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _images(n=5, size=32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=generator)
    return nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)


class RecordingInpainter(MeanColorInpainter):
    """Mean colour fill that remembers every mask it was given."""

    def __init__(self, name):
        super().__init__(name=name)
        self.masks = []

    def fill(self, images, masks):
        self.masks.append(masks.clone())
        return super().fill(images, masks)


def _methods():
    return {"telea": TeleaInpainter(), "mean_color": MeanColorInpainter()}


def test_records_cover_every_method_kind_and_image():
    result = evaluate(_methods(), _images(), seed=0, progress=False, batch_size=2)
    assert len(result.records) == 2 * 3 * 5
    assert result.methods == ["telea", "mean_color"]
    assert result.mask_kinds == ["center", "blocks", "free_form"]
    first = result.records[0]
    assert (first["method"], first["mask_kind"], first["index"]) == ("telea", "center", 0)
    assert set(METRIC_KEYS) <= set(first) and {"hole_fraction", "area_bin", "height", "width"} <= set(first)
    assert first["hole_fraction"] == pytest.approx(0.25)  # 16x16 centre hole of a 32x32 image
    assert all(math.isfinite(record["psnr_hole"]) for record in result.records)


def test_evaluation_is_deterministic_by_seed_and_independent_of_batch_size():
    images = _images()
    first = evaluate(_methods(), images, seed=3, progress=False, batch_size=2)
    second = evaluate(_methods(), images, seed=3, progress=False, batch_size=5)
    assert first.records == second.records
    other = evaluate(_methods(), images, seed=4, progress=False, batch_size=2)
    assert [r["hole_fraction"] for r in other.records] != [r["hole_fraction"] for r in first.records]


def test_every_method_sees_the_same_holes():
    a, b = RecordingInpainter("a"), RecordingInpainter("b")
    evaluate([a, b], _images(n=3), mask_kinds=("blocks", "free_form"), seed=0, progress=False)
    assert len(a.masks) == len(b.masks) == 2
    assert all(torch.equal(x, y) for x, y in zip(a.masks, b.masks))
    assert not torch.equal(a.masks[0][0], a.masks[0][1])  # different images get different holes


def test_mask_for_image_and_kind_is_rebuilt_by_the_result():
    recorder = RecordingInpainter("r")
    result = evaluate([recorder], _images(n=3), mask_kinds="free_form", seed=7, progress=False)
    rebuilt = result.mask(2, "free_form")
    assert torch.equal(rebuilt.bool(), recorder.masks[0][2, 0])
    assert torch.equal(rebuilt, evaluation_mask("free_form", 2, 32, seed=7))
    assert mask_seed(7, 2, "free_form") != mask_seed(7, 2, "blocks") != mask_seed(7, 3, "blocks")


def test_tables_json_round_trip_and_best_and_worst(tmp_path):
    result = evaluate(_methods(), _images(), seed=0, progress=False)
    table = result.table()
    assert [(row["method"], row["mask_kind"]) for row in table][:3] == [
        ("telea", "center"),
        ("telea", "blocks"),
        ("telea", "free_form"),
    ]
    assert all(row["n"] == 5 for row in table)
    by_area = result.table(by=("method", "area_bin"))
    assert sum(row["n"] for row in by_area) == len(result.records)

    data = json.loads(result.to_json())
    assert data["settings"]["seed"] == 0 and len(data["records"]) == len(result.records)
    assert data["summary"][0]["psnr_hole"] == pytest.approx(table[0]["psnr_hole"])
    loaded = EvaluationResult.load_json(result.save_json(tmp_path / "out" / "eval.json"))
    assert loaded.records == result.records and loaded.table() == table

    best, worst = result.best_and_worst("telea", n=2, metric="l1_hole", mask_kind="blocks")
    scores = sorted(r["l1_hole"] for r in result.records if r["method"] == "telea" and r["mask_kind"] == "blocks")
    assert [r["l1_hole"] for r in best] == scores[:2]
    assert [r["l1_hole"] for r in worst] == scores[::-1][:2]
    with pytest.raises(ValueError, match="method"):
        result.best_and_worst("nope")


def test_limit_image_size_and_models_are_supported():
    class Grey(nn.Module):
        image_size = 24

        def forward(self, image, mask):
            return torch.full_like(image, 0.5)

    result = evaluate(
        {"grey": ModelInpainter(Grey(), device="cpu"), "mean": MeanColorInpainter()},
        list(_images(n=4)),
        mask_kinds=["center"],
        limit=2,
        image_size=40,
        progress=False,
    )
    assert result.image_count == 2 and len(result.records) == 4
    assert {(r["height"], r["width"]) for r in result.records} == {(40, 40)}


def test_biharmonic_beats_mean_colour_on_smooth_images():
    result = evaluate(
        [BiharmonicInpainter(), MeanColorInpainter()], _images(n=3), mask_kinds="center", progress=False
    )
    table = result.table()
    assert table.row(method="biharmonic")["psnr_hole"] > table.row(method="mean_color")["psnr_hole"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mask_kinds": ("center", "circles")}, "mask_kinds"),
        ({"limit": 0}, "limit"),
        ({"batch_size": 0}, "batch_size"),
        ({"seed": "zero"}, "seed"),
    ],
)
def test_bad_arguments_raise_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate(_methods(), _images(n=2), progress=False, **kwargs)


def test_duplicate_method_names_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        evaluate([MeanColorInpainter(), MeanColorInpainter()], _images(n=2), progress=False)


# ----------------------------------------------------------------------------------- command line
def _write_pngs(folder, count=6, size=40):
    folder.mkdir()
    generator = np.random.default_rng(0)
    for i in range(count):
        base = generator.random((4, 4, 3))
        image = Image.fromarray((base * 255).astype(np.uint8)).resize((size, size), Image.BILINEAR)
        image.save(folder / f"image {i}.png")
    return folder


def _run(argv, capsys):
    from inpaintlib.cli import main

    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_command_line_on_a_tiny_folder_prints_json(tmp_path, capsys):
    pytest.importorskip("inpaintlib.data")
    folder = _write_pngs(tmp_path / "pictures")
    out_file = tmp_path / "result.json"
    status, out, err = _run(
        ["evaluate", "--data", str(folder), "--masks", "center,free_form", "--size", "32", "--limit", "4",
         "--seed", "1", "--json", "--out", str(out_file), "--no-progress"],
        capsys,
    )
    assert status == 0, err
    data = json.loads(out)
    assert data["settings"]["mask_kinds"] == ["center", "free_form"]
    assert data["settings"]["image_count"] == 4
    assert {row["method"] for row in data["summary"]} == {"telea", "navier_stokes", "biharmonic", "mean_color"}
    assert len(data["records"]) == 4 * 2 * 4
    assert json.loads(out_file.read_text())["records"] == data["records"]


def test_command_line_prints_a_table(tmp_path, capsys):
    pytest.importorskip("inpaintlib.data")
    folder = _write_pngs(tmp_path / "pictures", count=2)
    status, out, err = _run(
        ["evaluate", "--data", str(folder), "--masks", "center", "--size", "32", "--no-progress"], capsys
    )
    assert status == 0, err
    assert "PSNR hole (dB)" in out and "biharmonic" in out


def test_command_line_bad_masks_value_gives_one_line_error(tmp_path, capsys):
    status, out, err = _run(["evaluate", "--data", str(tmp_path), "--masks", "center,circles"], capsys)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "circles" in err and "Traceback" not in err


def test_command_line_needs_something_to_evaluate(tmp_path, capsys):
    status, _, err = _run(["evaluate", "--data", str(tmp_path), "--no-baselines"], capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1


def test_command_line_missing_checkpoint_gives_one_line_error(tmp_path, capsys):
    status, _, err = _run(["evaluate", "--checkpoint", str(tmp_path / "none.pt"), "--data", str(tmp_path)], capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1 and "none.pt" in err


def test_command_line_evaluates_a_checkpoint_at_its_image_size(tmp_path, capsys):
    models = pytest.importorskip("inpaintlib.models")
    checkpoints = pytest.importorskip("inpaintlib.checkpoints")
    torch.manual_seed(0)
    path = checkpoints.save_checkpoint(
        tmp_path / "run" / "best.pt",
        model_name="center",
        model_options={},
        image_size=128,
        mask_kinds={"center": 1.0},
        generator=models.build_model("center").state_dict(),
    )
    folder = _write_pngs(tmp_path / "pictures", count=2)
    status, out, err = _run(
        ["evaluate", "--checkpoint", str(path), "--no-baselines", "--data", str(folder), "--masks", "center",
         "--json", "--no-progress", "--device", "cpu"],
        capsys,
    )
    assert status == 0, err
    data = json.loads(out)
    assert data["settings"]["methods"] == ["center"] and data["settings"]["image_size"] == 128
    assert [(r["height"], r["hole_fraction"]) for r in data["records"]] == [(128, 0.25), (128, 0.25)]
