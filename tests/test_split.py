"""The seeded train / validation / test split of every dataset, and ``evaluate --split``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from inpaintlib.data import image_names, load_dataset, split_indices, split_sizes


def _folder(root, count, prefix="img"):
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(root / f"{prefix} {i:03d}.png")
    return root


def _check_partition(parts, count):
    train, val, test = map(set, parts)
    assert not train & val and not train & test and not val & test
    assert train | val | test == set(range(count))
    assert all(list(part) == sorted(part) for part in parts)


def test_the_default_split_is_70_15_15_disjoint_and_covers_every_image():
    count = 751  # the photos of monet2photo
    train, val, test = split_indices(count, seed=0)
    _check_partition((train, val, test), count)
    assert len(val) == len(test) == round(0.15 * count)
    assert len(train) == count - 2 * round(0.15 * count)
    assert abs(len(train) / count - 0.70) < 0.01


def test_the_split_is_seeded_and_deterministic():
    first = split_indices(751, seed=3)
    assert split_indices(751, seed=3) == first
    other = split_indices(751, seed=4)
    assert other != first and set(other[2]) != set(first[2])


@pytest.mark.parametrize("count", range(0, 13))
def test_small_datasets_keep_every_part_sensible(count):
    parts = split_indices(count, seed=1)
    _check_partition(parts, count)
    train, val, test = map(len, parts)
    assert (train, val, test) == split_sizes(count)
    assert train >= 1 or count == 0
    assert val >= 1 or count < 2  # at least one validation image from two images on
    assert test >= 1 or count < 3  # the test part may be empty only for one or two images
    assert train >= max(val, test)


def test_limit_takes_a_seeded_subset_and_test_images_stay_test_in_larger_runs():
    small = split_indices(100, seed=5, limit=20)
    kept = set().union(*map(set, small))
    assert len(kept) == 20 and kept <= set(range(100))
    assert tuple(map(len, small)) == split_sizes(20)
    for limit in (40, 77, None):
        larger = split_indices(100, seed=5, limit=limit)
        assert set(small[2]) <= set(larger[2])
        assert not (set(small[1]) | set(small[2])) & set(larger[0])  # never trained on


def test_without_a_test_share_the_old_validation_holds_the_test_part():
    two_way = split_indices(751, 0.2, seed=0, test_fraction=0.0)
    three_way = split_indices(751, seed=0)
    assert two_way[2] == [] and len(two_way[1]) == round(0.2 * 751)
    assert set(three_way[2]) <= set(two_way[1])  # runs trained on the 80/20 split never saw the test images


def test_bad_fractions_name_themselves():
    with pytest.raises(ValueError, match="test_fraction"):
        split_indices(10, test_fraction=1.0)
    with pytest.raises(ValueError, match="below 1"):
        split_indices(10, 0.6, test_fraction=0.4)
    with pytest.raises(ValueError, match="kept"):
        split_sizes(-1)


def test_a_folder_splits_three_ways_and_says_so(tmp_path):
    folder = _folder(tmp_path / "pictures", 20)
    split = load_dataset(folder, size=16, seed=2, verbose=False)
    train, val, test = (set(image_names(part)) for part in (split.train, split.val, split.test))
    assert not train & val and not train & test and not val & test and len(train | val | test) == 20
    counts = split_sizes(20)
    assert split.counts == dict(zip(("train", "val", "test"), counts))
    assert f"{counts[0]} train / {counts[1]} validation / {counts[2]} test" in split.description
    assert split.test[0].shape == (3, 16, 16)


def test_the_offline_default_splits_three_ways(monkeypatch):
    split = load_dataset("sample", size=16, seed=0, sample_count=40, verbose=False)
    counts = split_sizes(40)
    assert split.counts == dict(zip(("train", "val", "test"), counts))
    assert f"{counts[0]} train / {counts[1]} validation / {counts[2]} test" in split.description
    assert split.test[0].shape == (3, 16, 16)


def test_a_two_domain_copy_splits_each_domain(tmp_path):
    _folder(tmp_path / "copy" / "monet", 7, prefix="monet")
    _folder(tmp_path / "copy" / "photo", 12, prefix="photo")
    photo = load_dataset(tmp_path / "copy", domain="photo", size=16, verbose=False)
    assert photo.source == "monet2photo" and len(photo.test) == split_sizes(12)[2]
    assert all("photo" in name for name in image_names(photo.test))


def _evaluate(argv, capsys):
    from inpaintlib.cli import main

    status = main(["evaluate", "--masks", "center", "--size", "16", "--json", "--no-progress", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("split", ["test", "val"])
def test_evaluate_scores_the_chosen_split_of_a_tiny_folder(tmp_path, capsys, split):
    folder = _folder(tmp_path / "pictures", 10)
    status, out, err = _evaluate(["--data", str(folder), "--split", split], capsys)
    assert status == 0, err
    data = json.loads(out)
    part = getattr(load_dataset(folder, size=16, verbose=False), split)
    assert data["settings"]["image_count"] == len(part) >= 1
    assert f"Evaluated split: {split} ({len(part)} images)" in data["settings"]["dataset"]


def test_evaluate_uses_the_test_split_of_a_two_domain_copy_by_default(tmp_path, capsys):
    _folder(tmp_path / "copy" / "monet", 4, prefix="monet")
    _folder(tmp_path / "copy" / "photo", 10, prefix="photo")
    status, out, err = _evaluate(["--data", str(tmp_path / "copy")], capsys)
    assert status == 0, err
    settings = json.loads(out)["settings"]
    assert "Evaluated split: test" in settings["dataset"]
    assert settings["image_count"] == split_sizes(10)[2]


def test_evaluate_says_when_the_test_split_is_empty(tmp_path, capsys):
    folder = _folder(tmp_path / "pictures", 2)  # one train, one validation image, no test image
    status, _, err = _evaluate(["--data", str(folder), "--split", "test"], capsys)
    assert status == 2 and "test split" in err and "Traceback" not in err
