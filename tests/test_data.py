"""Tests for inpaintlib.data: reading files, layouts, splits, normalization, amplification, loaders."""

from __future__ import annotations

import os
import socket
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from inpaintlib import runtime
from inpaintlib.data import (
    AmplifiedDataset,
    ImageFolderDataset,
    UnreadableImageWarning,
    check_image,
    denormalize,
    describe_policy,
    find_layout,
    image_names,
    list_images,
    load_dataset,
    load_image,
    make_loader,
    normalize,
    policy_operations,
    preview_views,
    sample_images,
    split_indices,
    split_sizes,
)

REAL_DATA = Path(os.environ.get(runtime.DATA_ENV) or runtime.data_root() / "monet2photo")
SIZE = 32


def write_image(path: Path, seed: int = 0, size: tuple[int, int] = (48, 40), mode: str = "RGB") -> Path:
    """Write a small random image in ``mode`` to ``path`` (format from the file ending)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    width, height = size
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    if mode != "RGB":
        image = image.convert(mode)
    image.save(path)
    return path


def make_folder(root: Path, count: int, prefix: str = "img", start: int = 0) -> list[Path]:
    return [write_image(root / f"{prefix} {i:03d}.jpg", seed=start + i) for i in range(count)]


def parts(kept: int) -> dict[str, int]:
    """The counts a split of ``kept`` images has with the default fractions."""
    return dict(zip(("train", "val", "test"), split_sizes(kept)))


@pytest.fixture
def no_network(monkeypatch):
    """Fail any attempt to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def no_local_copy(monkeypatch, tmp_path):
    """No $INPAINTLIB_DATA and an empty project data folder."""
    monkeypatch.delenv(runtime.DATA_ENV, raising=False)
    empty = tmp_path / "project-data"
    empty.mkdir()
    monkeypatch.setattr(runtime, "data_root", lambda: empty)


# --- reading files -------------------------------------------------------------------------------


def test_every_mode_becomes_rgb_float(tmp_path):
    for mode in ("L", "P", "RGBA", "LA", "1", "CMYK"):
        path = write_image(tmp_path / f"{mode}.{'jpg' if mode == 'CMYK' else 'png'}", mode=mode)
        image = load_image(path, size=SIZE)
        assert image.shape == (3, SIZE, SIZE), mode
        assert image.dtype == torch.float32
        assert 0 <= float(image.min()) and float(image.max()) <= 1


def test_grayscale_gives_three_equal_channels(tmp_path):
    path = write_image(tmp_path / "gray.png", mode="L")
    image = load_image(path)
    assert torch.equal(image[0], image[1]) and torch.equal(image[1], image[2])


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path):
    values = np.full((20, 30), 32896, dtype=np.uint16)  # 128 * 257: mid-gray in 16 bits
    values[:, :10] = 65535
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I")
    image = load_image(path)
    assert image.shape == (3, 20, 30)
    assert torch.allclose(image[:, :, 15], torch.full((3, 20), 128 / 255))
    assert torch.allclose(image[:, :, 0], torch.ones(3, 20))


def test_transparent_pixels_become_background_white(tmp_path):
    pixels = np.zeros((10, 10, 4), dtype=np.uint8)
    pixels[..., 0] = 255  # red everywhere, but only the left half is opaque
    pixels[:, :5, 3] = 255
    path = tmp_path / "alpha.png"
    Image.fromarray(pixels, mode="RGBA").save(path)
    image = load_image(path)
    assert torch.allclose(image[:, :, 0], torch.tensor([1.0, 0.0, 0.0]).view(3, 1).expand(3, 10))
    assert torch.allclose(image[:, :, -1], torch.ones(3, 10))


def test_palette_colors_are_kept(tmp_path):
    pixels = np.zeros((8, 8, 3), dtype=np.uint8)
    pixels[:4] = (10, 200, 30)
    pixels[4:] = (250, 5, 120)
    path = tmp_path / "palette.png"
    Image.fromarray(pixels).convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(path)
    assert Image.open(path).mode == "P"
    image = load_image(path)
    assert torch.allclose(image[:, 0, 0], torch.tensor([10, 200, 30]) / 255.0)
    assert torch.allclose(image[:, -1, -1], torch.tensor([250, 5, 120]) / 255.0)


def test_resize_shorter_side_then_center_crop(tmp_path):
    pixels = np.zeros((40, 120, 3), dtype=np.uint8)
    pixels[:, 40:80] = 255  # a white middle third
    path = tmp_path / "wide.png"
    Image.fromarray(pixels).save(path)
    image = load_image(path, size=20)
    assert image.shape == (3, 20, 20)
    assert float(image[:, :, 2:-2].min()) > 0.9  # the crop is the white middle


def test_check_image_flags_truncated_and_garbage(tmp_path):
    good = write_image(tmp_path / "good.jpg")
    data = good.read_bytes()
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(os.urandom(500))
    assert check_image(good) is None
    assert "truncated" in check_image(truncated)
    assert check_image(garbage) is not None
    assert check_image(truncated, verify="none") is None


def test_bad_files_are_skipped_with_one_warning(tmp_path):
    good = make_folder(tmp_path, 3)
    data = good[0].read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.jpg").write_bytes(b"this is not an image" * 20)
    (tmp_path / "empty.png").write_bytes(b"")
    write_image(tmp_path / "plain.png")
    Image.fromarray(np.full((9, 9), 40000, dtype=np.uint16)).save(tmp_path / "sixteen.png")
    write_image(tmp_path / "palette.png", mode="P")
    write_image(tmp_path / "rgba.png", mode="RGBA")
    write_image(tmp_path / "gray.jpg", mode="L")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = ImageFolderDataset(tmp_path, size=SIZE)
    messages = [str(w.message) for w in caught if issubclass(w.category, UnreadableImageWarning)]
    assert len(messages) == 1
    for name in ("truncated.jpg", "garbage.jpg", "empty.png"):
        assert name in messages[0]
    assert {path.name for path in dataset.bad_files} == {"truncated.jpg", "garbage.jpg", "empty.png"}
    assert len(dataset) == 8
    batch = torch.stack([dataset[i] for i in range(len(dataset))])
    assert batch.shape == (8, 3, SIZE, SIZE)


def test_a_file_that_breaks_at_load_time_is_replaced_by_the_next(tmp_path):
    paths = make_folder(tmp_path, 5)
    data = paths[2].read_bytes()
    paths[2].write_bytes(data[: len(data) // 2])  # truncated, but only found when loaded
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = ImageFolderDataset(tmp_path, size=SIZE, verify="none")
        images = [dataset[i] for i in range(len(dataset))]
        again = [dataset[i] for i in range(len(dataset))]
    assert len(images) == 5
    assert torch.equal(images[2], images[3])  # index 2 fell back to image 3
    assert torch.equal(again[2], images[2])
    assert list(dataset.bad_files) == [paths[2]]
    assert sum(issubclass(w.category, UnreadableImageWarning) for w in caught) == 1


def test_only_bad_files_is_an_error(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="none of the 1 image files"):
        ImageFolderDataset(tmp_path)


# --- folders -------------------------------------------------------------------------------------


def test_nested_folders_spaces_and_endings(tmp_path):
    write_image(tmp_path / "a" / "b c" / "deep name.JPG")
    write_image(tmp_path / "top.Png")
    write_image(tmp_path / "x" / "pic.webp")
    write_image(tmp_path / "x" / "pic two.bmp")
    write_image(tmp_path / "x" / "pic three.jpeg")
    (tmp_path / "notes.txt").write_text("not an image")
    write_image(tmp_path / ".hidden" / "skip.jpg")
    write_image(tmp_path / "._resource.jpg")
    paths = list_images(tmp_path)
    names = sorted(path.name for path in paths)
    assert names == ["deep name.JPG", "pic three.jpeg", "pic two.bmp", "pic.webp", "top.Png"]
    assert paths == sorted(paths, key=lambda p: p.as_posix())
    assert list_images(tmp_path, recursive=False) == [tmp_path / "top.Png"]
    dataset = ImageFolderDataset(tmp_path, size=SIZE)
    assert len(dataset) == 5 and dataset[4].shape == (3, SIZE, SIZE)


def test_empty_folder_and_missing_path_are_clear_errors(tmp_path):
    empty = tmp_path / "empty folder"
    empty.mkdir()
    (empty / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="empty folder"):
        ImageFolderDataset(empty)
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        ImageFolderDataset(missing)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_dataset(missing, verbose=False)
    with pytest.raises(ValueError, match="empty folder"):
        load_dataset(empty, verbose=False)


@pytest.mark.parametrize(
    "layout, monet_dirs, photo_dirs",
    [
        ("cyclegan", ["trainA", "testA"], ["trainB", "testB"]),
        ("kaggle", ["monet_jpg"], ["photo_jpg"]),
        ("pair", ["monet"], ["photo"]),
    ],
)
def test_two_domain_layouts(tmp_path, layout, monet_dirs, photo_dirs):
    for i, folder in enumerate(monet_dirs):
        make_folder(tmp_path / folder, 3, prefix="monet", start=10 * i)
    for i, folder in enumerate(photo_dirs):
        make_folder(tmp_path / folder, 5, prefix="photo", start=100 + 10 * i)
    found = find_layout(tmp_path)
    assert found.name == layout
    monet = load_dataset(tmp_path, domain="monet", size=SIZE, verbose=False)
    photo = load_dataset(tmp_path, domain="photo", size=SIZE, verbose=False)
    assert monet.source == photo.source == "monet2photo"
    assert monet.layout == layout
    assert sum(monet.counts.values()) == 3 * len(monet_dirs)
    assert sum(photo.counts.values()) == 5 * len(photo_dirs)
    assert all(path.name.startswith("monet") for path in monet.train.paths + monet.val.paths + monet.test.paths)
    assert all(path.name.startswith("photo") for path in photo.train.paths)


def test_cyclegan_archive_folder_is_found_from_its_parent(tmp_path):
    make_folder(tmp_path / "monet2photo" / "trainA", 2)
    make_folder(tmp_path / "monet2photo" / "trainB", 4)
    found = find_layout(tmp_path)
    assert found.name == "cyclegan" and found.root == tmp_path / "monet2photo"


def test_plain_folder_ignores_the_domain(tmp_path):
    make_folder(tmp_path / "anything", 6)
    split = load_dataset(tmp_path, domain="monet", size=SIZE, verbose=False)
    assert split.source == "folder" and split.layout == "folder"
    assert split.counts == parts(6)
    assert "domain does not apply" in split.description


def test_bad_arguments_name_themselves(tmp_path):
    make_folder(tmp_path, 2)
    with pytest.raises(ValueError, match="domain"):
        load_dataset(tmp_path, domain="cats", verbose=False)
    with pytest.raises(ValueError, match="val_fraction"):
        load_dataset(tmp_path, val_fraction=1.5, verbose=False)
    with pytest.raises(ValueError, match="test_fraction"):
        load_dataset(tmp_path, test_fraction=-0.1, verbose=False)
    with pytest.raises(ValueError, match="below 1"):
        load_dataset(tmp_path, val_fraction=0.5, test_fraction=0.5, verbose=False)
    with pytest.raises(ValueError, match="size"):
        ImageFolderDataset(tmp_path, size=0)
    with pytest.raises(ValueError, match="crop"):
        ImageFolderDataset(tmp_path, crop="middle")


# --- splits --------------------------------------------------------------------------------------


def test_split_indices_with_no_test_share_is_a_seeded_two_way_split():
    train, val, test = split_indices(100, 0.2, seed=3, test_fraction=0.0)
    assert (len(train), len(val), test) == (80, 20, [])
    assert set(train).isdisjoint(val) and set(train) | set(val) == set(range(100))
    assert split_indices(5, 0.2, seed=0, test_fraction=0.0)[1]
    assert split_indices(1, 0.2, seed=0, test_fraction=0.0) == ([0], [], [])


def test_split_does_not_depend_on_listing_order(tmp_path, monkeypatch):
    make_folder(tmp_path, 12)
    first = load_dataset(tmp_path, size=SIZE, seed=7, verbose=False)
    real_walk = os.walk

    def reversed_walk(*args, **kwargs):
        for folder, subfolders, files in real_walk(*args, **kwargs):
            yield folder, subfolders, list(reversed(files))

    monkeypatch.setattr(os, "walk", reversed_walk)
    second = load_dataset(tmp_path, size=SIZE, seed=7, verbose=False)
    other_seed = load_dataset(tmp_path, size=SIZE, seed=8, verbose=False)
    assert first.train.paths == second.train.paths and first.val.paths == second.val.paths
    assert first.test.paths == second.test.paths
    assert set(first.val.paths) != set(other_seed.val.paths)
    assert set(first.train.paths).isdisjoint(first.val.paths)
    assert set(first.test.paths).isdisjoint(first.train.paths + first.val.paths)


def test_limit_caps_the_number_of_images(tmp_path):
    make_folder(tmp_path, 15)
    split = load_dataset(tmp_path, size=SIZE, limit=10, verbose=False)
    assert split.counts == parts(10)
    assert "limited to 10" in split.description


# --- auto: real data or the offline default ------------------------------------------------------


def test_auto_uses_the_local_copy_from_the_environment(tmp_path, monkeypatch, no_local_copy, capsys):
    copy = tmp_path / "copy"
    make_folder(copy / "monet", 5, prefix="monet")
    make_folder(copy / "photo", 10, prefix="photo")
    monkeypatch.setenv(runtime.DATA_ENV, str(copy))
    split = load_dataset("auto", domain="photo", size=SIZE)
    assert split.source == "monet2photo" and split.root == copy
    assert split.counts == parts(10)
    assert "$INPAINTLIB_DATA" in split.description
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and printed[0] == f"data: {split.description}"
    assert load_dataset("monet2photo", domain="monet", size=SIZE, verbose=False).counts == parts(5)


def test_auto_prefers_data_dir_then_env_then_project(tmp_path, monkeypatch, no_local_copy):
    for name, count in (("arg", 3), ("env", 4), ("projdata/monet2photo", 6)):
        make_folder(tmp_path / name / "monet", count)
        make_folder(tmp_path / name / "photo", 2)
    monkeypatch.setattr(runtime, "data_root", lambda: tmp_path / "projdata")
    monkeypatch.setenv(runtime.DATA_ENV, str(tmp_path / "env"))
    assert load_dataset("auto", "monet", SIZE, data_dir=tmp_path / "arg", verbose=False).root == tmp_path / "arg"
    assert load_dataset("auto", "monet", SIZE, verbose=False).root == tmp_path / "env"
    monkeypatch.delenv(runtime.DATA_ENV)
    assert sum(load_dataset("auto", "monet", SIZE, verbose=False).counts.values()) == 6


def test_auto_falls_back_to_the_offline_default_and_says_so(monkeypatch, no_local_copy, no_network, tmp_path):
    monkeypatch.setenv(runtime.DATA_ENV, str(tmp_path / "not-there"))
    split = load_dataset("auto", domain="photo", size=SIZE, seed=0, verbose=False)
    assert split.source == "sample" and split.root is None
    assert split.counts == parts(240)
    assert "No local monet2photo copy was found" in split.description
    assert "not-there is missing" in split.description
    assert split.train[0].shape == (3, SIZE, SIZE)
    with pytest.raises(FileNotFoundError, match="monet2photo"):
        load_dataset("monet2photo", verbose=False)
    with pytest.raises(FileNotFoundError, match="data_dir"):
        load_dataset("auto", data_dir=tmp_path / "typo", verbose=False)


def test_sample_images_are_offline_and_deterministic(no_network):
    images = sample_images(n=9, size=SIZE, seed=1)
    assert images.shape == (9, 3, SIZE, SIZE) and images.dtype == torch.float32
    assert 0 <= float(images.min()) and float(images.max()) <= 1
    assert torch.equal(images, sample_images(n=9, size=SIZE, seed=1))
    assert not torch.equal(images, sample_images(n=9, size=SIZE, seed=2))
    assert float((images[0] - images[7]).abs().mean()) > 0.01  # same photo, different crops
    dataset = sample_images(n=9, size=SIZE, seed=1, as_dataset=True)
    assert torch.equal(dataset[8], images[8])  # read out of order, same crop


def test_sample_paintings_are_stylised_stand_ins(no_network):
    photos = sample_images(n=2, size=SIZE, seed=0)
    paintings = sample_images(n=2, size=SIZE, seed=0, domain="monet")
    assert paintings.shape == photos.shape
    assert float((paintings - photos).abs().mean()) > 0.01


@pytest.mark.skipif(not (REAL_DATA / "monet").is_dir(), reason="the monet2photo copy is not available")
def test_real_monet2photo_counts():
    monet = load_dataset("auto", domain="monet", size=SIZE, data_dir=REAL_DATA, verbose=False)
    assert monet.source == "monet2photo"
    assert sum(monet.counts.values()) == 121 and monet.counts == parts(121)
    photo = load_dataset("auto", domain="photo", size=SIZE, data_dir=REAL_DATA, verbose=False)
    assert sum(photo.counts.values()) == 751 and photo.counts == parts(751)
    assert photo.train[0].shape == (3, SIZE, SIZE)


# --- normalization -------------------------------------------------------------------------------


DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(3, 5, 7), (2, 3, 5, 7)])
def test_normalize_round_trip(shape, device):
    x = torch.rand(shape, generator=torch.Generator().manual_seed(0)).to(device)
    y = normalize(x)
    assert y.shape == x.shape and y.device == x.device
    assert torch.allclose(denormalize(y), x, atol=1e-6)
    mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(3, 1, 1).expand(3, 4, 4)
    assert torch.allclose(normalize(mean), torch.zeros(3, 4, 4, device=device), atol=1e-6)
    assert torch.allclose(normalize(torch.ones(3, 1, 1, device=device)).flatten().cpu(), torch.tensor([2.2489, 2.4286, 2.64]), atol=1e-4)


def test_normalize_rejects_other_shapes():
    with pytest.raises(ValueError, match="shaped"):
        normalize(torch.rand(4, 5, 5))
    with pytest.raises(ValueError, match="shaped"):
        denormalize(torch.rand(5, 5))


# --- amplification -------------------------------------------------------------------------------


def _base(n: int = 3) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return [torch.rand(3, SIZE, SIZE, generator=generator) for _ in range(n)]


@pytest.mark.parametrize("policy", ["autoaugment", "randaugment", "trivialaugment"])
def test_amplified_count_and_determinism(policy):
    base = _base()
    amplified = AmplifiedDataset(base, copies=4, policy=policy, seed=5)
    assert len(amplified) == 12
    assert amplified.locate(7) == (1, 3)
    backwards = [amplified[i] for i in reversed(range(12))][::-1]
    again = AmplifiedDataset(base, copies=4, policy=policy, seed=5)
    for i in range(12):
        assert backwards[i].shape == (3, SIZE, SIZE) and backwards[i].dtype == torch.float32
        assert torch.equal(backwards[i], again[i])
    distinct = {tuple(view.flatten()[:64].tolist()) for view in backwards}
    assert len(distinct) >= 8  # views differ from one another


def test_amplified_seed_changes_views_and_leaves_global_rng_alone():
    base = _base(1)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = AmplifiedDataset(base, copies=6, seed=0).views(0)
    assert torch.equal(torch.rand(3), expected)
    second = AmplifiedDataset(base, copies=6, seed=1).views(0)
    assert first.shape == (6, 3, SIZE, SIZE)
    assert not torch.equal(first, second)


def test_amplified_originals_and_report_arithmetic():
    base = _base(2)
    amplified = AmplifiedDataset(base, copies=3, include_originals=True)
    assert len(amplified) == 6
    assert torch.equal(amplified[0], base[0]) and torch.equal(amplified[3], base[1])
    assert AmplifiedDataset(list(range(298)), copies=12).__len__() == 3576  # the report's 298 x 12


def test_amplified_cache_matches_on_the_fly(tmp_path):
    base = _base(2)
    on_the_fly = AmplifiedDataset(base, copies=3, seed=2)
    cached = AmplifiedDataset(base, copies=3, seed=2, cache_dir=tmp_path / "views")
    cached.precompute(progress=False)
    assert len(list((tmp_path / "views").glob("*.png"))) == 6
    reread = AmplifiedDataset(base, copies=3, seed=2, cache_dir=tmp_path / "views")
    for i in range(6):
        assert torch.equal(reread[i], on_the_fly[i])
    with pytest.raises(ValueError, match="other settings"):
        AmplifiedDataset(base, copies=3, seed=3, cache_dir=tmp_path / "views")


def test_amplification_rejects_unknown_policy_and_bad_copies():
    with pytest.raises(ValueError, match="policy"):
        AmplifiedDataset(_base(1), policy="mixup")
    with pytest.raises(ValueError, match="copies"):
        AmplifiedDataset(_base(1), copies=0)


def test_describe_policy_lists_autoaugment_subpolicies_and_randaugment_operations():
    text = describe_policy("autoaugment")
    lines = text.splitlines()
    assert lines[0].startswith("AutoAugment(")
    assert "25 sub-policies" in lines[1] and len(lines) == 27
    assert lines[2].strip() == "1. Posterize (p=0.4, magnitude 8) then Rotate (p=0.6, magnitude 9)"
    assert "2 drawn uniformly per view" in describe_policy("randaugment")
    assert "1 drawn uniformly per view" in describe_policy("trivialaugment")
    with pytest.raises(ValueError, match="policy"):
        describe_policy("mixup")


def test_policy_operations_name_what_a_policy_can_do():
    operations = policy_operations("autoaugment")
    assert operations == sorted(operations) and "Rotate" in operations and "Invert" in operations
    assert not {"GaussianBlur", "HorizontalFlip"} & set(operations)  # the ImageNet policy neither blurs nor flips
    assert "Identity" in policy_operations("trivialaugment")
    assert policy_operations(lambda image: image) == []


def test_preview_views_starts_with_the_original():
    image = _base(1)[0]
    views = preview_views(image, n=5, seed=0)
    assert views.shape == (5, 3, SIZE, SIZE)
    assert torch.equal(views[0], image)
    assert torch.equal(views[1:], AmplifiedDataset([image], copies=5, seed=0, include_originals=True).views(0)[1:])


def test_load_dataset_amplifies_the_training_part_only(tmp_path):
    make_folder(tmp_path, 10)
    split = load_dataset(tmp_path, size=SIZE, amplify=3, verbose=False)
    assert isinstance(split.train, AmplifiedDataset)
    expected = parts(10)
    assert split.counts == {**expected, "train": 3 * expected["train"]}  # validation and test are not amplified
    assert "autoaugment" in split.description


# --- loaders -------------------------------------------------------------------------------------


def test_make_loader_batches_and_seeded_order(tmp_path):
    make_folder(tmp_path, 10)
    dataset = ImageFolderDataset(tmp_path, size=SIZE)
    first = torch.cat(list(make_loader(dataset, batch_size=4, seed=1)))
    second = torch.cat(list(make_loader(dataset, batch_size=4, seed=1)))
    in_order = torch.cat(list(make_loader(dataset, batch_size=4, shuffle=False)))
    assert first.shape == (10, 3, SIZE, SIZE)
    assert torch.equal(first, second)
    assert not torch.equal(first, in_order)
    assert [batch.shape[0] for batch in make_loader(dataset, batch_size=4, drop_last=True)] == [4, 4]
    with pytest.raises(ValueError, match="batch_size"):
        make_loader(dataset, batch_size=0)


def test_random_crops_change_per_epoch_and_repeat_per_seed(tmp_path):
    make_folder(tmp_path, 4)
    dataset = ImageFolderDataset(tmp_path, size=SIZE, crop="random", seed=0)
    assert dataset.resize == round(SIZE * 8 / 7)
    loader = make_loader(dataset, batch_size=4, shuffle=False)
    epoch0, epoch1 = next(iter(loader)), next(iter(loader))
    assert not torch.equal(epoch0, epoch1)
    replay = make_loader(ImageFolderDataset(tmp_path, size=SIZE, crop="random", seed=0), batch_size=4, shuffle=False)
    assert torch.equal(next(iter(replay)), epoch0) and torch.equal(next(iter(replay)), epoch1)


def test_loader_with_workers(tmp_path):
    make_folder(tmp_path, 6)
    dataset = ImageFolderDataset(tmp_path, size=SIZE)
    batches = list(make_loader(dataset, batch_size=3, shuffle=False, num_workers=2))
    assert torch.equal(torch.cat(batches), torch.stack([dataset[i] for i in range(6)]))


def test_image_names_follow_subsets_and_views(tmp_path, no_local_copy):
    make_folder(tmp_path, 5)
    split = load_dataset(tmp_path, size=SIZE, amplify=2, verbose=False)
    names = image_names(split.train)
    assert len(names) == 2 * parts(5)["train"] and names[0].endswith("#view0") and names[1].endswith("#view1")
    assert image_names(split.val)[0].endswith(".jpg") and image_names(split.test)[0].endswith(".jpg")
    sample = load_dataset("sample", size=SIZE, sample_count=10, verbose=False)
    assert set(image_names(sample.train)).isdisjoint(image_names(sample.val))
    assert all("#crop" in name for name in image_names(sample.val))


def test_random_crops_are_mirrored_about_half_the_time(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "square.png")
    dataset = ImageFolderDataset(tmp_path, size=SIZE, crop="random", resize=SIZE, seed=0)
    center = ImageFolderDataset(tmp_path, size=SIZE)[0]  # resize == size: the crop is the whole image
    flips = 0
    for epoch in range(40):
        dataset.set_epoch(epoch)
        image = dataset[0]
        assert torch.equal(image, center) or torch.equal(image, center.flip(-1))
        flips += torch.equal(image, center.flip(-1)) and not torch.equal(image, center)
    assert 8 <= flips <= 32
