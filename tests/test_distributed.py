"""Training on two CPU processes with torchrun (DistributedDataParallel over gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from inpaintlib.checkpoints import load_checkpoint, load_generator

pytestmark = [pytest.mark.distributed, pytest.mark.slow]


def test_two_processes_write_one_valid_history_and_checkpoint(tmp_path):
    torch_distributed = pytest.importorskip("torch.distributed")
    if not torch_distributed.is_available():
        pytest.skip("this PyTorch build has no torch.distributed")
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(8):
        pixels = np.random.default_rng(index).uniform(0, 255, (140, 150, 3)).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"photo {index}.png")
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
        "-m", "inpaintlib", "train", "--model", "center", "--data", str(folder), "--epochs", "1",
        "--batch-size", "2", "--out", str(out), "--no-progress", "--device", "cpu",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    # Rank 0 alone prints and writes.
    assert result.stdout.count("Trained 1 epoch") == 1, result.stdout
    assert "2 processes" in result.stdout
    assert sorted(path.name for path in out.iterdir()) == ["best.pt", "history.csv", "history.json", "last.pt"]
    history = json.loads((out / "history.json").read_text())
    assert len(history["records"]) == 1
    record = history["records"][0]
    assert record["steps"] == 1  # 6 training images over 2 processes, batch 2: one step each
    assert all(np.isfinite(record[split][term]) for split in ("train", "val") for term in ("total", "rec", "disc"))
    checkpoint = load_checkpoint(out / "last.pt")
    assert checkpoint["world_size"] == 2 and checkpoint["epoch"] == 1
    assert not any(key.startswith("module.") for key in checkpoint["generator"])
    model = load_generator(out / "best.pt", device="cpu")
    assert model.image_size == 128
