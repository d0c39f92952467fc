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


def _images(n=5, size=32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=generator)
    return nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)


class RecordingInpainter(MeanColorInpainter):
    """Mean color fill that remembers every mask it was given."""

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
    assert first["hole_fraction"] == pytest.approx(0.25)  # 16x16 center hole of a 32x32 image
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
    class Gray(nn.Module):
        image_size = 24

        def forward(self, image, mask):
            return torch.full_like(image, 0.5)

    result = evaluate(
        {"gray": ModelInpainter(Gray(), device="cpu"), "mean": MeanColorInpainter()},
        list(_images(n=4)),
        mask_kinds=["center"],
        limit=2,
        image_size=40,
        progress=False,
    )
    assert result.image_count == 2 and len(result.records) == 4
    assert {(r["height"], r["width"]) for r in result.records} == {(40, 40)}


def test_biharmonic_beats_mean_color_on_smooth_images():
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


def test_command_line_runs_model_1_only_on_center_holes(tmp_path, capsys):
    models = pytest.importorskip("inpaintlib.models")
    checkpoints = pytest.importorskip("inpaintlib.checkpoints")
    torch.manual_seed(0)
    path = checkpoints.save_checkpoint(
        tmp_path / "run" / "best.pt", model_name="center", model_options={}, image_size=128,
        mask_kinds={"center": 1.0}, generator=models.build_model("center").state_dict(),
    )
    folder = _write_pngs(tmp_path / "pictures", count=1)
    status, out, err = _run(
        ["evaluate", "--checkpoint", str(path), "--data", str(folder), "--masks", "center,blocks",
         "--json", "--no-progress", "--device", "cpu"],
        capsys,
    )
    assert status == 0, err
    assert "not run on blocks" in err
    records = json.loads(out)["records"]
    assert {r["mask_kind"] for r in records if r["method"] == "center"} == {"center"}
    assert {r["mask_kind"] for r in records if r["method"] == "telea"} == {"center", "blocks"}


# ------------------------------------------------------------------------ comparing trained runs
from inpaintlib.evaluation import (  # noqa: E402
    TrainedRun,
    describe_comparison,
    evaluate_by_size,
    find_runs,
    held_out_images,
    learned_vs_classical,
    mark_trained,
    runs_table,
    supported_kinds,
)
from inpaintlib.metrics import SummaryTable  # noqa: E402


def test_method_kinds_restrict_a_method_and_survive_json_and_subset(tmp_path):
    result = evaluate(
        _methods(), _images(n=2), seed=0, progress=False, method_kinds={"telea": ["center", "free_form"]}
    )
    kinds_run = {(r["method"], r["mask_kind"]) for r in result.records}
    assert ("telea", "blocks") not in kinds_run and ("mean_color", "blocks") in kinds_run
    assert len(result.records) == 2 * (2 + 3)
    assert result.kinds_of("telea") == ["center", "free_form"]
    assert result.kinds_of("mean_color") == ["center", "blocks", "free_form"]
    loaded = EvaluationResult.load_json(result.save_json(tmp_path / "r.json"))
    assert loaded.method_kinds == {"telea": ["center", "free_form"]}
    part = result.subset(methods=["telea"], mask_kinds=["free_form"])
    assert {(r["method"], r["mask_kind"]) for r in part.records} == {("telea", "free_form")}
    assert part.methods == ["telea"] and part.mask_kinds == ["free_form"] and len(part) == 2
    with pytest.raises(ValueError, match="method_kinds"):
        evaluate(_methods(), _images(n=1), progress=False, method_kinds={"nope": ["center"]})
    with pytest.raises(ValueError, match="method_kinds"):
        evaluate(_methods(), _images(n=1), progress=False, method_kinds={"telea": ["circles"]})
    with pytest.raises(ValueError, match="methods"):
        result.subset(methods=["nope"])


def test_held_out_images_are_in_every_larger_runs_test_split(tmp_path):
    from inpaintlib.data import image_names, load_dataset

    folder = _write_pngs(tmp_path / "pictures", count=30, size=24)
    held = held_out_images(16, count=3, source=str(folder), seed=2)
    names = set(image_names(held.val))
    assert names == set(image_names(held.test))  # evaluate() scores the val part: the test images
    assert len(names) == 3 and "Held out for evaluation" in held.description
    for limit in (20, 25, None):  # runs trained on at least 20 images (or on all 30)
        run = load_dataset(str(folder), size=16, seed=2, limit=limit, verbose=False)
        assert names <= set(image_names(run.test))
        assert not names & set(image_names(run.train) + image_names(run.val))
    everything = held_out_images(16, source=str(folder), seed=2)
    whole = load_dataset(str(folder), size=16, seed=2, verbose=False)
    assert image_names(everything.val) == image_names(whole.test)  # the whole test split
    validation = held_out_images(16, count=2, source=str(folder), seed=2, split="val")
    val_names = set(image_names(validation.val))
    assert len(val_names) == 2 and "validation images" in validation.description
    assert not val_names & set(image_names(whole.train))  # no run on more images trains on them
    with pytest.raises(ValueError, match="count"):
        held_out_images(16, count=0, source=str(folder))
    with pytest.raises(ValueError, match="split"):
        held_out_images(16, count=1, source=str(folder), split="train")


def _fake_run(root, name, model_name="center", epochs=3, kinds=None, checkpoint=True):
    from inpaintlib.checkpoints import save_checkpoint
    from inpaintlib.history import History

    folder = root / name
    folder.mkdir(parents=True)
    history = History(monitor="rec")
    for epoch in range(epochs):
        history.append({"total": 1.0 / (epoch + 1), "rec": 0.5 / (epoch + 1)}, {"total": 0.9, "rec": 0.4 - 0.01 * epoch})
    history.save(folder)
    if checkpoint:
        from inpaintlib.models import build_model

        save_checkpoint(
            folder / "best.pt", model_name=model_name, model_options={}, image_size=128,
            mask_kinds=kinds or {"center": 1.0}, generator=build_model(model_name).state_dict(), epoch=epochs,
        )
    return folder


def test_find_runs_reads_histories_and_loads_checkpoints(tmp_path):
    _fake_run(tmp_path, "03_center")
    _fake_run(tmp_path, "b_no_checkpoint", checkpoint=False, epochs=2)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "history.json").write_text("not json")
    (tmp_path / "not_a_run").mkdir()
    with pytest.warns(UserWarning, match="broken"):
        runs = find_runs(tmp_path)
    assert [run.name for run in runs] == ["03_center", "b_no_checkpoint"]
    first, second = runs
    assert first.checkpoint.name == "best.pt" and second.checkpoint is None
    assert len(first.history) == 3 and first.history.best_epoch == 3
    assert first.model_name is None and first.trained_kinds == []
    model = first.load(device="cpu")
    assert model.image_size == 128 and not model.training
    assert first.model_name == "center" and first.image_size == 128
    assert first.trained_kinds == ["center"] and first.supported_kinds == ["center"]
    with pytest.raises(FileNotFoundError, match="b_no_checkpoint"):
        second.load()
    table = runs_table(runs)
    assert table[0]["run"] == "03_center" and table[0]["best epoch"] == "3" and table[0]["model"] == "center"
    assert table[1]["model"] == "?" and table[1]["epochs"] == "2"


def test_supported_kinds_follow_the_model():
    assert supported_kinds("center") == ["center"]
    assert supported_kinds("masked") == ["center", "blocks", "free_form"]
    assert supported_kinds(None) == ["center", "blocks", "free_form"]
    assert TrainedRun("x", None, None, None, info={"mask_kinds": "blocks"}).trained_kinds == ["blocks"]


class _Flat(nn.Module):
    """A tiny generator: fills with mid gray; works at its own image size."""

    def __init__(self, image_size):
        super().__init__()
        self.image_size = image_size

    def forward(self, image, mask):
        assert image.shape[-1] == self.image_size
        return torch.full_like(image, 0.5)


def test_evaluate_by_size_groups_models_with_the_baselines(tmp_path):
    folder = _write_pngs(tmp_path / "pictures", count=20, size=40)
    results = evaluate_by_size(
        {"small": _Flat(16), "large": _Flat(32), "center_only": _Flat(16)},
        [MeanColorInpainter()],
        mask_kinds=("center", "blocks"),
        count=2,
        source=str(folder),
        method_kinds={"center_only": ["center"]},
        device="cpu",
        progress=False,
    )
    assert list(results) == [16, 32]
    small, large = results[16], results[32]
    assert small.methods == ["small", "center_only", "mean_color"] and large.methods == ["large", "mean_color"]
    assert {(r["height"], r["width"]) for r in small.records} == {(16, 16)}
    assert {(r["height"], r["width"]) for r in large.records} == {(32, 32)}
    assert small.kinds_of("center_only") == ["center"] and small.image_count == 2
    assert "Images at 32x32" in large.dataset
    only_baselines = evaluate_by_size({}, [MeanColorInpainter()], mask_kinds="center", count=1, source=str(folder), progress=False)
    assert list(only_baselines) == [128]
    with pytest.raises(ValueError, match="both named"):
        evaluate_by_size({"mean_color": _Flat(16)}, [MeanColorInpainter()], count=1, source=str(folder), progress=False)


def _table(rows):
    return SummaryTable(rows, columns=["method", "mask_kind", "n", "psnr_hole", "l1_hole"])


def test_mark_trained_labels_models_and_leaves_baselines():
    table = _table(
        [
            {"method": "m2", "mask_kind": "center", "n": 1, "psnr_hole": 20.0, "l1_hole": 0.1},
            {"method": "m2", "mask_kind": "blocks", "n": 1, "psnr_hole": 22.0, "l1_hole": 0.1},
            {"method": "telea", "mask_kind": "center", "n": 1, "psnr_hole": 18.0, "l1_hole": 0.1},
        ]
    )
    marked = mark_trained(table, {"m2": ["blocks"]})
    assert [row["trained_on"] for row in marked] == ["no", "yes", "–"]
    assert marked.columns[:3] == ["method", "mask_kind", "trained_on"]
    assert "trained_on" not in table.columns
    with pytest.raises(ValueError, match="mask_kind"):
        mark_trained(SummaryTable([{"method": "a"}]), {})


def test_learned_vs_classical_sentences_follow_the_numbers():
    table = _table(
        [
            {"method": "model", "mask_kind": "center", "n": 2, "psnr_hole": 21.0, "l1_hole": 0.05},
            {"method": "telea", "mask_kind": "center", "n": 2, "psnr_hole": 18.5, "l1_hole": 0.08},
            {"method": "biharmonic", "mask_kind": "center", "n": 2, "psnr_hole": 19.0, "l1_hole": 0.07},
            {"method": "model", "mask_kind": "free_form", "n": 2, "psnr_hole": 20.0, "l1_hole": 0.06},
            {"method": "telea", "mask_kind": "free_form", "n": 2, "psnr_hole": 23.0, "l1_hole": 0.04},
            {"method": "telea", "mask_kind": "blocks", "n": 2, "psnr_hole": 22.0, "l1_hole": 0.05},
        ]
    )
    rows = learned_vs_classical(table, ["model"])
    center, free_form, blocks = rows
    assert (center["learned"], center["classical"], center["winner"]) == ("model", "biharmonic", "learned")
    assert center["margin"] == pytest.approx(2.0)
    assert (free_form["winner"], free_form["margin"]) == ("classical", pytest.approx(-3.0))
    assert blocks["learned"] is None and blocks["margin"] is None
    sentences = describe_comparison(rows, trained_kinds={"model": ["center"]})
    assert sentences[0].startswith("center holes: the best learned model, model (21.00 dB)")
    assert "by 2.00 dB" in sentences[0] and "biharmonic (19.00 dB)" in sentences[0]
    assert "telea (23.00 dB), stays ahead" in sentences[1] and "not trained on these holes" in sentences[1]
    assert "no learned model" in sentences[2]
    by_l1 = learned_vs_classical(table, ["model"], metric="l1_hole")
    assert by_l1[0]["margin"] == pytest.approx(0.02)  # lower L1 is better: positive margin, model wins
    assert "2.00 percentage points" in describe_comparison(by_l1, metric="l1_hole")[0]
    area = SummaryTable(
        [{"method": "telea", "area_bin": "0-10%", "n": 1, "psnr_hole": 30.0}], columns=["method", "area_bin", "n", "psnr_hole"]
    )
    assert describe_comparison(learned_vs_classical(area, ["model"], by="area_bin"))[0].startswith(
        "holes covering 0-10% of the image"
    )
    with pytest.raises(ValueError, match="metric"):
        learned_vs_classical(table, ["model"], metric="lpips")


def test_comparison_table_shows_winners_and_signed_margins():
    from inpaintlib.evaluation import comparison_table

    rows = [
        {"group": "center", "learned": "m", "learned_value": 20.0, "classical": "telea", "classical_value": 18.0,
         "margin": 2.0, "winner": "learned"},
        {"group": "blocks", "learned": "m", "learned_value": 17.0, "classical": "telea", "classical_value": 18.5,
         "margin": -1.5, "winner": "classical"},
        {"group": "free_form", "learned": None, "learned_value": None, "classical": "telea", "classical_value": 19.0,
         "margin": None, "winner": "classical"},
    ]
    table = comparison_table(rows, label="mask")
    assert table.columns[0] == "mask" and len(table) == 3
    assert table[0]["learned ahead by"] == "2.00 dB" and table[1]["learned ahead by"] == "-1.50 dB"
    assert table[2]["best learned"] == "–" and table[2]["classical score"] == "19.00 dB"
    assert "telea" in table.to_text()
