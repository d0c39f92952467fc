"""Tests for inpaintlib.models: shapes, parameter counts, input checks, weights, gradients."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.fx
from torch import nn
from torchvision.models import alexnet

from inpaintlib.losses import JointLoss, discriminator_loss
from inpaintlib.models import (
    MODEL_NAMES,
    MODEL_SPECS,
    AlexNetContextEncoder,
    CenterContextEncoder,
    ChannelWiseFC,
    GlobalDiscriminator,
    MaskedContextEncoder,
    PatchDiscriminator,
    PretrainedWeightsWarning,
    alexnet_cache_path,
    build_discriminator,
    build_model,
    center_hole_mask,
    compose,
    load_alexnet_features,
    summary,
)

# Every model erases its hole here: the recipes start from a fill (the mean color, Telea) through a
# zero last layer, so at initialization no gradient reaches the layers below it (the tests at the end
# of this file and tests/test_unet.py cover those variants).
MODEL_OPTIONS = {
    "center": {"base_fill": "erase"},
    "masked": {"base_fill": "erase"},
    "alexnet": {"weights": None, "base_fill": "erase"},
    "unet": {"width": 8, "base_fill": "erase"},
}


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    return {name: build_model(name, **MODEL_OPTIONS[name]) for name in MODEL_NAMES}


def random_batch(size: int, batch: int = 1, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(batch, 3, size, size, generator=generator)
    return image, center_hole_mask(size, batch=batch)


# --------------------------------------------------------------------------- channel-wise FC


@pytest.mark.parametrize(("channels", "size", "weights"), [(256, 6, 331_776), (384, 5, 240_000)])
def test_channel_wise_fc_has_m_n4_weights_and_m_n2_biases(channels, size, weights):
    layer = ChannelWiseFC(channels, size)
    assert layer.weight.numel() == weights == channels * size**4
    assert layer.bias.numel() == channels * size**2
    assert sum(p.numel() for p in ChannelWiseFC(channels, size, bias=False).parameters()) == weights


def test_channel_wise_fc_does_not_mix_channels():
    layer = ChannelWiseFC(3, 4)
    features = torch.randn(2, 3, 4, 4, requires_grad=True)
    layer(features)[:, 1].sum().backward()
    assert features.grad[:, 1].abs().sum() > 0
    assert torch.all(features.grad[:, [0, 2]] == 0)


def test_channel_wise_fc_matches_one_dense_layer_per_channel():
    layer = ChannelWiseFC(2, 3)
    features = torch.randn(4, 2, 3, 3)
    out = layer(features)
    for channel in range(2):
        flat = features[:, channel].reshape(4, 9)
        expected = flat @ layer.weight[channel] + layer.bias[channel]
        torch.testing.assert_close(out[:, channel].reshape(4, 9), expected)


def test_channel_wise_fc_trains_on_a_batch_of_one_and_rejects_wrong_shapes():
    layer = ChannelWiseFC(8, 5, dropout=0.5).train()
    assert layer(torch.randn(1, 8, 5, 5)).shape == (1, 8, 5, 5)
    with pytest.raises(ValueError, match=r"\(N, 8, 5, 5\)"):
        layer(torch.randn(1, 8, 6, 6))
    with pytest.raises(ValueError, match="dropout"):
        ChannelWiseFC(8, 5, dropout=1.5)


# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("batch", [1, 2])
def test_generator_and_discriminator_shapes_in_train_mode(models, name, batch):
    model = models[name].train()
    discriminator = build_discriminator(name).train()
    image, mask = random_batch(model.image_size, batch)
    prediction = model(image, mask)
    assert prediction.shape == image.shape
    assert prediction.min() >= 0 and prediction.max() <= 1
    logits = discriminator(model.discriminator_view(compose(image, prediction, mask)))
    side = model.image_size // 8
    expected = (batch, 1) if name == "center" else (batch, 1, side, side)
    assert logits.shape == expected


def test_model_image_sizes_follow_the_contract(models):
    assert [models[name].image_size for name in MODEL_NAMES] == [128, 224, 224, 128]
    sizes = {name: spec.image_size for name, spec in MODEL_SPECS.items()}
    assert sizes == {"center": 128, "masked": 224, "alexnet": 224, "unet": 128}
    assert MODEL_SPECS["center"].mask_kinds == ("center",)
    assert {"blocks", "free_form"} <= set(MODEL_SPECS["masked"].mask_kinds)


def test_center_model_predicts_the_64x64_center_and_keeps_the_context(models):
    model = models["center"].eval()
    image, _ = random_batch(128, 2)
    with torch.no_grad():
        full = model(image)
        hole = model.predict_hole(image)
    assert hole.shape == (2, 3, 64, 64)
    torch.testing.assert_close(full[..., 32:96, 32:96], hole)
    outside = torch.ones(128, 128, dtype=torch.bool)
    outside[32:96, 32:96] = False
    torch.testing.assert_close(full[..., outside], image[..., outside])
    assert model.discriminator_view(full).shape == (2, 3, 64, 64)


def test_center_model_fills_a_hole_without_a_mask_like_with_the_center_mask(models):
    model = models["center"].eval()
    image, mask = random_batch(128)
    with torch.no_grad():
        torch.testing.assert_close(model(image), model(image, mask))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_models_ignore_the_pixels_under_the_mask(models, name):
    model = models[name].eval()
    image, mask = random_batch(model.image_size)
    changed = torch.where(mask.bool(), torch.rand_like(image), image)
    with torch.no_grad():
        torch.testing.assert_close(model(image, mask), model(changed, mask))


def test_masked_model_sees_the_mask_as_a_fourth_channel(models):
    model = models["masked"]
    assert model.encoder.conv1.in_channels == 4
    assert model.bottleneck.channel_fc.weight.numel() == 384 * 5**4
    assert model.decoder.block1.deconv.in_channels == 384


def test_alexnet_model_bottleneck_and_decoder_sizes(models):
    rows = {row.name: row for row in summary(models["alexnet"]).rows}
    assert rows["encoder.pool5"].output_shape == (1, 256, 6, 6)
    assert rows["bottleneck.channel_fc"].num_params == 256 * 6**4 + 256 * 6**2
    sizes = [rows[f"decoder.block{i}.deconv"].output_shape[-1] for i in range(1, 5)]
    assert sizes + [rows["decoder.deconv5"].output_shape[-1]] == [14, 28, 56, 112, 224]


def test_single_image_without_batch_axis(models):
    model = models["masked"].eval()
    image, mask = random_batch(224)
    with torch.no_grad():
        out = model(image[0], mask[0, 0])
    assert out.shape == (3, 224, 224)


def test_discriminator_sizes_and_patch_receptive_field():
    global_disc = GlobalDiscriminator()
    assert global_disc.flat_features == 512 * 5 * 5
    assert global_disc.head.fc1.in_features == 12_800
    patch = PatchDiscriminator().eval()
    image = torch.zeros(1, 3, 64, 64, requires_grad=True)
    patch(image)[0, 0, 4, 4].backward()
    rows = torch.nonzero(image.grad.abs().sum(dim=(0, 1, 3))).flatten()
    cols = torch.nonzero(image.grad.abs().sum(dim=(0, 1, 2))).flatten()
    assert rows.max() - rows.min() + 1 == 23 == PatchDiscriminator.receptive_field
    assert cols.max() - cols.min() + 1 == 23


def test_discriminators_can_be_traced_for_receptive_field_analysis():
    traced = torch.fx.symbolic_trace(PatchDiscriminator())
    assert traced(torch.rand(1, 3, 224, 224)).shape == (1, 1, 28, 28)
    assert torch.fx.symbolic_trace(GlobalDiscriminator())(torch.rand(1, 3, 64, 64)).shape == (1, 1)


# --------------------------------------------------------------------------- summary, compose, registry


def test_summary_lists_layers_shapes_and_parameter_counts(models):
    model = models["masked"].train()
    table = model.summary()
    assert model.training, "summary must restore the training mode"
    assert table.total_params == sum(p.numel() for p in model.parameters())
    assert sum(row.num_params for row in table.rows) == table.total_params
    assert table.find("bottleneck.channel_fc").output_shape == (1, 384, 5, 5)
    assert table.output_shape == (1, 3, 224, 224)
    text = str(table)
    channel_fc_line = next(line for line in text.splitlines() if "ChannelWiseFC" in line)
    assert "1x384x5x5" in channel_fc_line and channel_fc_line.endswith("249,600")
    assert f"{table.total_params:,}" in text
    assert table._repr_html_().startswith("<table>")
    assert summary(PatchDiscriminator()).output_shape == (1, 1, 28, 28)


def test_compose_keeps_known_pixels_and_fills_the_hole():
    image = torch.zeros(1, 3, 8, 8)
    prediction = torch.ones(1, 3, 8, 8)
    mask = torch.zeros(8, 8)
    mask[2:4, 2:4] = 1
    result = compose(image, prediction, mask)
    assert result.sum() == 3 * 4
    assert torch.all(result[..., 2:4, 2:4] == 1)
    assert compose(image[0], prediction[0], mask.bool()).shape == (3, 8, 8)


def test_build_model_names_aliases_and_errors():
    assert isinstance(build_model("model1"), CenterContextEncoder)
    assert isinstance(build_model("Masked"), MaskedContextEncoder)
    assert isinstance(build_discriminator("center"), GlobalDiscriminator)
    assert isinstance(build_discriminator("model3"), PatchDiscriminator)
    with pytest.raises(ValueError, match="'center', 'masked', 'alexnet', 'unet'"):
        build_model("resnet")
    with pytest.raises(ValueError, match="valid names"):
        build_discriminator("resnet")


# --------------------------------------------------------------------------- bad inputs


def test_bad_inputs_give_clear_errors(models):
    center, masked = models["center"], models["masked"]
    image, mask = random_batch(224)
    with pytest.raises(ValueError, match="3 color channels"):
        masked(torch.rand(1, 4, 224, 224), mask)
    with pytest.raises(ValueError, match=r"mask size \(128, 128\) does not match"):
        masked(image, center_hole_mask(128))
    with pytest.raises(ValueError, match="binary"):
        masked(image, mask * 0.5)
    with pytest.raises(ValueError, match="needs a mask"):
        masked(image)
    with pytest.raises(ValueError, match="128x128"):
        center(image, mask)
    with pytest.raises(ValueError, match="224x224"):
        masked(torch.rand(1, 3, 128, 128), center_hole_mask(128))
    off_center = torch.zeros(128, 128)
    off_center[:10, :10] = 1
    with pytest.raises(ValueError, match="central 64x64"):
        center(torch.rand(1, 3, 128, 128), off_center)
    with pytest.raises(ValueError, match="batch size 3"):
        masked(torch.rand(2, 3, 224, 224), center_hole_mask(224, batch=3))
    with pytest.raises(ValueError, match="128x128 images only"):
        CenterContextEncoder(image_size=224)
    with pytest.raises(ValueError, match="64x64 patches"):
        GlobalDiscriminator()(torch.rand(1, 3, 128, 128))


# --------------------------------------------------------------------------- AlexNet weights


@pytest.fixture()
def empty_hub(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    return tmp_path / "hub"


def test_alexnet_weights_load_from_a_local_file(tmp_path):
    reference = alexnet(weights=None)
    path = tmp_path / "alexnet.pth"
    torch.save(reference.state_dict(), path)
    model = AlexNetContextEncoder(weights=path)
    assert model.weights_used == str(path)
    torch.testing.assert_close(model.encoder.conv1.weight, reference.features[0].weight)
    torch.testing.assert_close(model.encoder.conv5.bias, reference.features[10].bias)


def test_alexnet_encoder_loads_from_an_inpaintlib_checkpoint_of_model_3(tmp_path):
    from inpaintlib.checkpoints import save_checkpoint

    trained = AlexNetContextEncoder(weights=None)
    with torch.no_grad():
        trained.encoder.conv1.weight.add_(1.0)  # not what a fresh random start would hold
    path = save_checkpoint(tmp_path / "best.pt", model_name="alexnet", model_options={}, image_size=224,
                           generator=trained.state_dict())
    model = AlexNetContextEncoder(weights=path)
    assert model.weights_used == str(path)
    torch.testing.assert_close(model.encoder.conv1.weight, trained.encoder.conv1.weight)
    torch.testing.assert_close(model.encoder.conv5.bias, trained.encoder.conv5.bias)
    assert not torch.equal(model.decoder.block1.deconv.weight, trained.decoder.block1.deconv.weight)  # the encoder only


def test_alexnet_weights_come_from_torchvisions_cache_without_download(empty_hub):
    reference = alexnet(weights=None)
    cached = alexnet_cache_path()
    assert cached.name == "alexnet-owt-7be5be79.pth" and cached.parent == empty_hub / "checkpoints"
    cached.parent.mkdir(parents=True)
    torch.save(reference.state_dict(), cached)
    features, used = load_alexnet_features("DEFAULT")
    assert used == "imagenet"
    torch.testing.assert_close(features.conv2.weight, reference.features[3].weight)


def test_alexnet_falls_back_to_random_weights_with_one_warning(empty_hub):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build_model("alexnet")
    relevant = [w for w in caught if issubclass(w.category, PretrainedWeightsWarning)]
    assert len(relevant) == 1
    assert "alexnet-owt-7be5be79.pth" in str(relevant[0].message) and "RANDOM" in str(relevant[0].message)
    assert model.weights_used == "random"


def test_alexnet_weights_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        load_alexnet_features(tmp_path / "missing.pth")
    bad = tmp_path / "bad.pth"
    torch.save({"something.weight": torch.zeros(2)}, bad)
    with pytest.raises(ValueError, match="does not hold AlexNet weights"):
        load_alexnet_features(bad)
    with pytest.raises(ValueError, match="weights must be"):
        load_alexnet_features(3)


def test_frozen_encoder_gets_no_gradients():
    model = AlexNetContextEncoder(weights=None, freeze_encoder=True)
    image, mask = random_batch(224)
    model(image, mask).mean().backward()
    assert all(p.grad is None and not p.requires_grad for p in model.encoder.parameters())
    assert all(p.grad is not None for p in model.decoder.parameters())
    assert summary(model).trainable_params < summary(model).total_params


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_gradients_reach_every_trainable_parameter(models, name):
    model = models[name].train()
    discriminator = build_discriminator(name).train()
    model.zero_grad()
    image, mask = random_batch(model.image_size, 2 if name == "center" else 1)
    prediction = model(image, mask)
    fake = model.discriminator_view(compose(image, prediction, mask))
    terms = JointLoss()(prediction, image, mask, discriminator(fake))
    terms.total.backward()
    for param_name, parameter in model.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, param_name
    discriminator.zero_grad()
    real_logits = discriminator(model.discriminator_view(image))
    discriminator_loss(real_logits, discriminator(fake.detach())).backward()
    for param_name, parameter in discriminator.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, param_name


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_models_run_on_cuda(name):
    model = build_model(name, **MODEL_OPTIONS[name]).cuda()
    discriminator = build_discriminator(name).cuda()
    image, mask = random_batch(model.image_size, 2)
    prediction = model(image.cuda(), mask)  # the mask follows the image's device
    assert prediction.is_cuda
    assert discriminator(model.discriminator_view(prediction)).is_cuda


def test_models_are_modules_with_a_summary_method(models):
    for model in models.values():
        assert isinstance(model, nn.Module)
        assert model.summary().rows


# --------------------------------------------------------------------------- the mean-color start


@pytest.mark.parametrize("name", ["center", "masked", "alexnet"])
def test_report_models_start_from_the_mean_color_of_the_known_pixels(name):
    torch.manual_seed(0)
    options = {"weights": None} if name == "alexnet" else {}
    model = build_model(name, base_fill="mean", **options)
    assert model.base_fill == "mean" and model.constructor_options()["base_fill"] == "mean"
    size = model.image_size
    image = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(1)) * 0.5 + 0.2
    mask = center_hole_mask(size, batch=2)
    with torch.no_grad():
        prediction = model.eval()(image, mask)
    known = 1 - mask
    color = (image * known).sum(dim=(2, 3), keepdim=True) / known.sum(dim=(2, 3), keepdim=True)
    hole = mask.bool().expand_as(image)
    assert torch.allclose(prediction[hole], color.expand_as(image)[hole], atol=1e-5)
    erased = build_model(name, base_fill="erase", **options)
    with torch.no_grad():
        other = erased.eval()(image, mask)
    assert not torch.allclose(other[hole], color.expand_as(image)[hole], atol=1e-2)


@pytest.mark.parametrize("name", ["center", "masked", "alexnet"])
def test_telea_start_returns_teleas_fill_before_training(name):
    from inpaintlib.baselines import TeleaInpainter

    options = {"weights": None} if name == "alexnet" else {}
    model = build_model(name, **options)  # the registered recipe starts from Telea
    size = model.image_size
    image = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(3)) * 0.6 + 0.2
    mask = center_hole_mask(size, batch=2)
    with torch.no_grad():
        prediction = model.eval()(image, mask)
    telea = TeleaInpainter()(image, mask.bool())
    hole = mask.bool().expand_as(image)
    assert torch.allclose(prediction[hole], telea[hole], atol=1e-5)
    assert model.constructor_options()["base_fill"] == "telea"


def test_mean_color_start_learns_beyond_the_mean_in_a_few_steps():
    torch.manual_seed(0)
    model = build_model("center", base_fill="mean")
    image = torch.rand(4, 3, 128, 128, generator=torch.Generator().manual_seed(2))
    mask = center_hole_mask(128, batch=4)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    first = model.encoder.block1[0].weight.detach().clone()
    losses = []
    for _ in range(6):
        loss = ((model(image, mask) - image) ** 2 * mask).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert not torch.equal(first, model.encoder.block1[0].weight)  # the gradient reached the first layer


def test_base_fill_is_checked_and_rebuilt_from_checkpoint_options():
    with pytest.raises(ValueError, match="base_fill must be one of erase, mean, telea"):
        build_model("masked", base_fill="blur")
    assert build_model("masked").base_fill == "telea"  # the registered recipe
    assert build_model("masked", base_fill="erase").constructor_options() == {"base_fill": "erase"}
    rebuilt = build_model("masked", **build_model("masked", base_fill="erase").constructor_options())
    assert rebuilt.base_fill == "erase"
