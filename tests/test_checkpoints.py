"""Tests for inpaintlib.checkpoints: atomic writes, safe loading, refusing foreign or unsafe files."""

from __future__ import annotations

import os
import pickle

import pytest
import torch
from torch import nn

from inpaintlib.checkpoints import (
    FORMAT,
    CheckpointError,
    load_checkpoint,
    load_generator,
    rebuild_options,
    save_checkpoint,
)


def parts(**extra):
    model = nn.Linear(3, 2)
    values = {
        "model_name": "center",
        "model_options": {},
        "image_size": 128,
        "mask_kinds": {"center": 1.0},
        "generator": model.state_dict(),
        "epoch": 2,
        "history": {"records": []},
        "config": {"betas_g": [0.5, 0.999]},
        "rng": {"torch": torch.get_rng_state()},
    }
    values.update(extra)
    return values


class Payload:
    """Unpickling this object would run a shell command that creates a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_round_trip_keeps_every_entry(tmp_path):
    path = save_checkpoint(tmp_path / "sub" / "last.pt", **parts())
    checkpoint = load_checkpoint(path)
    assert checkpoint["format"] == FORMAT and checkpoint["version"] == 1
    assert checkpoint["epoch"] == 2 and checkpoint["mask_kinds"] == {"center": 1.0}
    assert torch.equal(checkpoint["rng"]["torch"], torch.get_rng_state())
    assert set(checkpoint["generator"]) == {"weight", "bias"}
    assert os.listdir(tmp_path / "sub") == ["last.pt"]  # no temporary file left


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = save_checkpoint(tmp_path / "last.pt", **parts(epoch=1))
    with pytest.raises(ValueError, match="Linear"):
        save_checkpoint(path, **parts(epoch=2, extra=nn.Linear(1, 1)))
    assert load_checkpoint(path)["epoch"] == 1
    assert os.listdir(tmp_path) == ["last.pt"]


def test_save_needs_the_required_entries(tmp_path):
    values = parts()
    del values["generator"]
    with pytest.raises(ValueError, match="generator"):
        save_checkpoint(tmp_path / "x.pt", **values)


def test_pickled_object_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"format": FORMAT, "version": 1, "payload": Payload(marker)}, path)
    with pytest.raises(CheckpointError, match="evil.pt") as error:
        load_checkpoint(path)
    assert isinstance(error.value, ValueError)
    assert "could run code" in str(error.value)
    assert not marker.exists()
    # A plain pickle file (not torch's zip format) is refused too.
    plain = tmp_path / "plain.pt"
    plain.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(CheckpointError, match="plain.pt"):
        load_checkpoint(plain)
    assert not marker.exists()


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.pt"
    path.write_bytes(torch.randint(0, 256, (4096,), generator=torch.Generator().manual_seed(0)).to(torch.uint8)
                     .numpy().tobytes())
    with pytest.raises(CheckpointError, match="noise.pt"):
        load_checkpoint(path)


def test_truncated_checkpoint_is_refused(tmp_path):
    path = save_checkpoint(tmp_path / "whole.pt", **parts())
    data = path.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="cut.pt"):
        load_checkpoint(cut)


def test_plain_state_dict_is_refused(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save(nn.Linear(3, 2).state_dict(), path)
    with pytest.raises(CheckpointError, match="not an inpaintlib checkpoint"):
        load_checkpoint(path)


def test_newer_version_and_missing_entries_are_refused(tmp_path):
    path = tmp_path / "future.pt"
    torch.save({**parts(), "format": FORMAT, "version": 99}, path)
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(path)
    torch.save({"format": FORMAT, "version": 1}, path)
    with pytest.raises(CheckpointError, match="missing"):
        load_checkpoint(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pt"):
        load_checkpoint(tmp_path / "nothing.pt")
    with pytest.raises(CheckpointError, match="not a file"):
        load_checkpoint(tmp_path)


def test_alexnet_is_rebuilt_without_looking_up_pretrained_weights():
    assert rebuild_options("alexnet", {"weights": "DEFAULT", "dropout": 0.1}) == {"weights": None, "dropout": 0.1}
    assert rebuild_options("center", {}) == {}


def test_load_generator_rebuilds_the_model_in_eval_mode(tmp_path):
    models = pytest.importorskip("inpaintlib.models")
    torch.manual_seed(0)
    model = models.build_model("center")
    path = save_checkpoint(tmp_path / "best.pt", **parts(generator=model.state_dict(), epoch=7))
    loaded = load_generator(path, device="cpu")
    assert isinstance(loaded, models.CenterContextEncoder) and not loaded.training
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, loaded.state_dict()[name]), name
    assert loaded.checkpoint_info["epoch"] == 7 and loaded.checkpoint_info["model_name"] == "center"
    # Weights that do not fit the named model give a clear error.
    bad = save_checkpoint(tmp_path / "bad.pt", **parts())
    with pytest.raises(CheckpointError, match="bad.pt"):
        load_generator(bad, device="cpu")
    unknown = save_checkpoint(tmp_path / "unknown.pt", **parts(model_name="nope"))
    with pytest.raises(CheckpointError, match="nope"):
        load_generator(unknown, device="cpu")
