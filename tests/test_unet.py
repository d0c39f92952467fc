"""Model 4 (the mask-aware U-Net): shapes, sizes, the hole's dependencies, the classical-fill residual."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from inpaintlib.baselines import HarmonicInpainter, TeleaInpainter
from inpaintlib.cli import main
from inpaintlib.masks import MaskSampler
from inpaintlib.models import UNetInpainter, build_model, center_hole_mask, compose, model_spec, training_config


@pytest.mark.parametrize("size", [128, 224])
@pytest.mark.parametrize("gated", [False, True])
def test_unet_returns_full_size_predictions_in_the_unit_range(size, gated):
    model = UNetInpainter(image_size=size, width=8, gated=gated)
    images = torch.rand(2, 3, size, size)
    prediction = model(images, center_hole_mask(size, batch=2))
    assert prediction.shape == (2, 3, size, size)
    assert prediction.min() >= 0 and prediction.max() <= 1


@pytest.mark.parametrize("size", [100, 8, 130])
def test_unet_refuses_sizes_that_are_not_a_multiple_of_16(size):
    with pytest.raises(ValueError, match="multiple of 16"):
        UNetInpainter(image_size=size)


def test_unet_refuses_images_of_another_size_and_bad_options():
    model = UNetInpainter(image_size=64, width=4)
    with pytest.raises(ValueError, match="64x64"):
        model(torch.rand(1, 3, 128, 128), center_hole_mask(128))
    with pytest.raises(ValueError, match="base_fill"):
        UNetInpainter(base_fill="zeros")
    with pytest.raises(ValueError, match="width"):
        UNetInpainter(width=0)


def test_compose_keeps_every_known_pixel():
    model = UNetInpainter(image_size=64, width=4).eval()
    images = torch.rand(3, 3, 64, 64)
    masks = MaskSampler(64, ["blocks", "free_form", "center"], seed=1).sample(3)
    filled = compose(images, model(images, masks), masks)
    assert torch.equal(filled * (1 - masks), images * (1 - masks))


def _input_gradient(model, images, masks, pixel):
    images = images.clone().requires_grad_(True)
    model(images, masks)[0, :, pixel[0], pixel[1]].sum().backward()
    return images.grad[0].abs().sum(0)


@pytest.mark.parametrize("skips", [True, False])
def test_a_hole_pixel_depends_on_the_context_and_on_no_erased_pixel(skips):
    torch.manual_seed(0)
    model = UNetInpainter(image_size=64, width=4, skips=skips)
    masks = center_hole_mask(64, batch=1)
    gradient = _input_gradient(model, torch.rand(1, 3, 64, 64), masks, (20, 20))
    hole = masks[0, 0].bool()
    assert gradient[~hole].sum() > 0  # the context reaches the hole
    assert gradient[hole].sum() == 0  # erased pixels never reach the network
    far = gradient.clone()
    far[16:48, 16:48] = 0
    assert far.sum() > 0, "the middle should see beyond the hole's edge"


@pytest.mark.parametrize("base_fill, classical", [("telea", TeleaInpainter), ("harmonic", HarmonicInpainter)])
def test_the_residual_variant_starts_exactly_at_its_classical_fill(base_fill, classical):
    model = UNetInpainter(image_size=64, width=4, base_fill=base_fill)
    images = torch.rand(2, 3, 64, 64)
    masks = MaskSampler(64, ["free_form", "center"], seed=2).sample(2)
    expected = classical()(images, masks.bool())
    assert torch.equal(compose(images, model(images, masks), masks), expected)
    changed = images.clone()
    changed[masks.expand_as(images).bool()] = 1.0  # what lies under the hole never matters
    assert torch.equal(model(changed, masks), model(images, masks))
    # ... and it can learn: the zero-initialized head still gets gradients.
    model(images, masks).mean().backward()
    assert model.head.weight.grad.abs().sum() > 0


def test_unet_is_registered_with_its_recipe():
    assert model_spec("model4").name == "unet"
    assert isinstance(build_model("unet", image_size=64, width=4), UNetInpainter)
    config = training_config("unet", epochs=2)
    assert (config.adversarial, config.rec_norm, config.epochs) == (False, "l1+l2", 2)
    assert training_config("center").adversarial  # the report's models keep its joint loss


def test_recipe_model_corrects_telea_unless_told_to_erase():
    assert build_model("unet", image_size=64, width=4).base_fill == "telea"
    assert build_model("unet", image_size=64, width=4, base_fill="erase").base_fill == "erase"
    assert UNetInpainter(image_size=64, width=4).base_fill == "erase"  # the class itself stays plain
    config = training_config("unet")
    assert config.lr_g < training_config("unet", lr_g=1e-3).lr_g and config.grad_clip == 1.0


@pytest.fixture
def tiny_image_folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    y, x = np.mgrid[0:80, 0:80] / 80.0
    for index in range(10):
        pixels = np.stack([np.sin((3 + c + index) * x + c) * np.cos((2 + index) * y) for c in range(3)], -1)
        Image.fromarray(((pixels * 0.5 + 0.5) * 255).astype(np.uint8)).save(folder / f"photo {index}.png")
    return folder


def test_the_command_line_trains_and_evaluates_unet_on_a_tiny_folder(tmp_path, tiny_image_folder, capsys):
    out = tmp_path / "run"
    code = main(["train", "--model", "unet", "--data", str(tiny_image_folder), "--size", "64", "--epochs", "2",
                 "--batch-size", "4", "--out", str(out), "--no-progress", "--amp", "off", "--device", "cpu"])
    assert code == 0
    history = json.loads((out / "history.json").read_text())
    assert (out / "best.pt").is_file() and len(history["records"]) == 2
    assert history["precision"]["dtype"] == "float32"
    capsys.readouterr()
    code = main(["evaluate", "--checkpoint", str(out / "best.pt"), "--data", str(tiny_image_folder),
                 "--masks", "center,blocks", "--size", "64", "--json", "--no-progress", "--device", "cpu"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert "unet" in json.dumps(result)


def test_an_overshooting_correction_still_gets_gradients():
    model = UNetInpainter(image_size=64, width=4, base_fill="telea")
    with torch.no_grad():
        model.head.bias.fill_(5.0)  # every value far above 1: a hard clamp would block all gradients
    images = torch.rand(1, 3, 64, 64)
    prediction = model(images, center_hole_mask(64))
    assert prediction.max() <= 1.0
    ((prediction - images) ** 2).mean().backward()
    assert model.head.bias.grad.abs().sum() > 0


def test_checkpoint_rebuilds_the_variant_it_was_trained_as(tmp_path):
    from inpaintlib.checkpoints import load_generator
    from inpaintlib.train import Trainer

    images = [torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(i)) for i in range(4)]
    for base_fill in ("erase", "telea", "harmonic"):
        model = UNetInpainter(image_size=32, width=4, base_fill=base_fill)
        config = training_config("unet", epochs=1, batch_size=2, amp=False)
        trainer = Trainer(model, None, images[:3], images[3:], config, out_dir=tmp_path / base_fill, model_name="unet",
                          progress=False)
        trainer.fit()
        rebuilt = load_generator(trainer.best_path)
        assert (rebuilt.base_fill, rebuilt.width, rebuilt.image_size) == (base_fill, 4, 32)
