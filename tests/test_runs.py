"""Tests for inpaintlib.runs: a run folder's paths, its latest checkpoint, notes, clearing and finding runs."""

from __future__ import annotations

import pytest

from inpaintlib.history import History
from inpaintlib.outputs import clear_run
from inpaintlib.runs import RUN_FILES, RunFolder, load_run_notes, save_run_notes


def test_paths_and_latest_checkpoint(tmp_path):
    run = RunFolder(tmp_path / "model2")
    assert (run.best.name, run.last.name, run.history.name, run.notes.name) == (
        "best.pt", "last.pt", "history.json", "run_notes.json"
    )
    assert run.latest is None and run.files() == []
    run.path.mkdir()
    run.last.write_bytes(b"last")
    assert run.latest == run.last
    run.best.write_bytes(b"best")
    assert run.latest == run.best  # best wins when both exist


def test_clear_removes_only_the_run_files(tmp_path):
    run = RunFolder(tmp_path)
    for name in RUN_FILES:
        (tmp_path / name).write_text("x")
    (tmp_path / ".last.pt.abc.tmp").write_text("partial")
    (tmp_path / "keep.txt").write_text("mine")
    save_run_notes(tmp_path, images=["a.jpg"])
    removed = clear_run(tmp_path)
    assert sorted(path.name for path in removed) == sorted(RUN_FILES)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["keep.txt", "run_notes.json"]
    assert run.clear(notes=True) == [run.notes]
    assert [path.name for path in tmp_path.iterdir()] == ["keep.txt"]


def test_notes_round_trip_and_reject_non_objects(tmp_path):
    assert load_run_notes(tmp_path) is None
    save_run_notes(tmp_path, train=["a", "b"], seed=3)
    assert RunFolder(tmp_path).load_notes() == {"seed": 3, "train": ["a", "b"]}
    (tmp_path / "run_notes.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        load_run_notes(tmp_path)


def test_find_lists_folders_with_a_history(tmp_path):
    history = History()
    history.append({"total": 1.0, "rec": 1.0}, {"total": 1.0, "rec": 1.0}, seconds=1.0, steps=1)
    for name in ("b", "a"):
        history.save(tmp_path / name)
    (tmp_path / "empty").mkdir()
    found = RunFolder.find(tmp_path)
    assert [run.name for run in found] == ["a", "b"]
    assert len(found[0].load_history()) == 1
