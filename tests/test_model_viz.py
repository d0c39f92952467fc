"""Tests for inpaintlib.model_viz: layer-table arithmetic, figures, step timing, run notes."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from inpaintlib import model_viz as mv
from inpaintlib.history import History
from inpaintlib.model_viz import ConvSpec, DeconvSpec
from inpaintlib.models.masked import context_decoder


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


#: The course report's Model 3 decoder (kernel, stride, padding as printed; padding blank = 0).
REPORT_MODEL3 = [
    DeconvSpec(256, 128, 4, 1),
    DeconvSpec(128, 64, 4, 3, 1),
    DeconvSpec(64, 64, 4, 2, 1),
    DeconvSpec(64, 32, 5, 2, 1),
    DeconvSpec(32, 3, 3, 2, 1),
]
#: The course report's Model 2 decoder, whose first layer expects 512 channels.
REPORT_MODEL2 = [
    DeconvSpec(512, 256, 4, 2),
    DeconvSpec(256, 128, 4, 2),
    DeconvSpec(128, 64, 4, 2),
    DeconvSpec(64, 32, 5, 2),
    DeconvSpec(32, 3, 4, 2),
]
REPORT_MODEL2_ENCODER = [
    ConvSpec(3, 96, 11, stride=4, pool=(3, 2)),
    ConvSpec(96, 256, 5, padding=2, pool=(3, 2)),
    ConvSpec(256, 384, 3, padding=1),
    ConvSpec(384, 384, 3, padding=1),
    ConvSpec(384, 384, 3, padding=1, pool=(3, 2)),
]


# --------------------------------------------------------------------------- size arithmetic


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "output_padding"),
    [(6, 4, 1, 0, 0), (9, 4, 3, 1, 0), (105, 3, 2, 1, 0), (5, 4, 2, 0, 0), (54, 5, 2, 0, 0), (7, 3, 2, 1, 1)],
)
def test_deconv_output_size_matches_pytorch(size, kernel, stride, padding, output_padding):
    layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding=output_padding)
    actual = layer(torch.zeros(1, 1, size, size)).shape[-1]
    assert mv.deconv_output_size(size, kernel, stride, padding, output_padding) == actual


@pytest.mark.parametrize(("size", "kernel", "stride", "padding"), [(224, 11, 4, 0), (26, 5, 1, 2), (12, 3, 2, 0), (7, 3, 3, 1)])
def test_conv_output_size_matches_pytorch(size, kernel, stride, padding):
    actual = nn.Conv2d(1, 1, kernel, stride, padding)(torch.zeros(1, 1, size, size)).shape[-1]
    assert mv.conv_output_size(size, kernel, stride, padding) == actual


def test_size_functions_reject_bad_sizes():
    with pytest.raises(ValueError, match="size"):
        mv.deconv_output_size(0, 4)
    with pytest.raises(ValueError, match="does not fit"):
        mv.conv_output_size(3, 7)
    with pytest.raises(ValueError, match="padding"):
        mv.deconv_output_size(1, 1, padding=3)


def test_report_model3_decoder_reaches_209_and_ours_224():
    assert mv.deconv_sizes(6, REPORT_MODEL3) == [6, 9, 26, 52, 105, 209]
    ours = context_decoder([256, 128, 64, 64, 32, 3], [4] * 5, [2] * 5, [0, 1, 1, 1, 1])
    specs = mv.deconv_specs(ours)
    assert specs[0] == DeconvSpec(256, 128, 4, 2, 0, 0)
    assert mv.deconv_sizes(6, specs) == [6, 14, 28, 56, 112, 224]
    assert ours(torch.zeros(1, 256, 6, 6)).shape == (1, 3, 224, 224)


def test_size_trace_shows_the_arithmetic_per_layer():
    text = mv.size_trace(6, REPORT_MODEL3)
    lines = text.splitlines()
    assert len(lines) == 5
    assert lines[0] == "layer 1: (6 - 1)·1 - 2·0 + 4 = 9"
    assert lines[-1] == "layer 5: (105 - 1)·2 - 2·1 + 3 = 209"
    assert "+ 1 = " in mv.size_trace(3, [DeconvSpec(1, 1, 3, 2, 1, 1)])


def test_deconv_sizes_accepts_plain_tuples():
    assert mv.deconv_sizes(5, [(384, 256, 4, 2), (256, 3, 4, 2)]) == [5, 12, 26]
    with pytest.raises(ValueError, match="at least one"):
        mv.deconv_sizes(5, [])


def test_deconv_specs_needs_transposed_convolutions():
    with pytest.raises(ValueError, match="no ConvTranspose2d"):
        mv.deconv_specs(nn.Sequential(nn.Conv2d(1, 1, 3)))
    with pytest.raises(ValueError, match="non-square"):
        mv.deconv_specs(nn.ConvTranspose2d(1, 1, (3, 4)))


# --------------------------------------------------------------------------- layer stacks


def test_report_model2_tables_build_but_fail_at_the_channel_mismatch():
    encoder = mv.conv_stack(REPORT_MODEL2_ENCODER)
    assert [name for name, _ in encoder.named_children()][:3] == ["conv1", "relu1", "pool1"]
    with torch.no_grad():
        features = encoder(torch.zeros(1, 3, 224, 224))
        assert features.shape == (1, 384, 5, 5)
        decoder = mv.deconv_stack(REPORT_MODEL2)
        with pytest.raises(RuntimeError, match="512 channels, but got 384"):
            decoder(features)
        fixed = mv.deconv_stack([DeconvSpec(384, 256, 4, 2), *REPORT_MODEL2[1:]], final="sigmoid")
        out = fixed.eval()(features)
    assert out.shape == (1, 3, 224, 224)
    assert float(out.min()) >= 0 and float(out.max()) <= 1


def test_deconv_stack_layout_and_final_activation():
    stack = mv.deconv_stack([DeconvSpec(8, 4, 4, 2, 1), DeconvSpec(4, 3, 4, 2, 1)])
    kinds = [type(layer).__name__ for layer in stack]
    assert kinds == ["ConvTranspose2d", "BatchNorm2d", "ReLU", "ConvTranspose2d"]
    assert isinstance(mv.deconv_stack([DeconvSpec(2, 3, 3)], final="tanh")[-1], nn.Tanh)
    with pytest.raises(ValueError, match="final"):
        mv.deconv_stack([DeconvSpec(2, 3, 3)], final="softmax")
    with pytest.raises(ValueError, match="at least one"):
        mv.conv_stack([])


# --------------------------------------------------------------------------- figures


def _images(count=2, size=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(count, 3, size, size, generator=generator)
    predictions = torch.rand(count, 3, size, size, generator=generator)
    masks = torch.zeros(count, 1, size, size)
    masks[:, :, 2:5, 3:6] = 1
    return images, masks, predictions


def test_inpainting_grid_draws_masked_prediction_composed_original():
    images, masks, predictions = _images()
    figure, axes = mv.inpainting_grid(images, masks, predictions, row_titles=["a", "b"])
    assert axes.shape == (2, 4)
    assert [ax.get_title() for ax in axes[0]] == ["masked", "prediction", "composed", "original"]
    assert axes[1, 0].get_ylabel() == "b"
    composed = axes[1, 2].images[0].get_array()
    expected = (images[1] * (1 - masks[1]) + predictions[1] * masks[1]).permute(1, 2, 0).numpy()
    np.testing.assert_allclose(composed, expected, atol=1e-6)
    masked = np.asarray(axes[0, 0].images[0].get_array())
    np.testing.assert_allclose(masked[3, 4], [0.5, 0.5, 0.5], atol=1e-6)  # the hole is gray
    np.testing.assert_allclose(np.asarray(axes[0, 3].images[0].get_array()), images[0].permute(1, 2, 0).numpy(), atol=1e-6)


def test_inpainting_grid_uses_given_axes_and_checks_shapes():
    images, masks, predictions = _images(count=1)
    _, given = plt.subplots(1, 4)
    figure, axes = mv.inpainting_grid(images[0], masks[0], predictions[0], axes=given)
    assert figure is given[0].figure and axes.shape == (1, 4)
    with pytest.raises(ValueError, match="differ in shape"):
        mv.inpainting_grid(images, masks, predictions[:, :, :4])
    with pytest.raises(ValueError, match="row_titles"):
        mv.inpainting_grid(images, masks, predictions, row_titles=["a", "b"])


ROWS = [
    {"method": "model", "mask_kind": "center", "psnr_hole": 20.0, "l1_hole": 0.10},
    {"method": "model", "mask_kind": "blocks", "psnr_hole": 24.0, "l1_hole": 0.05},
    {"method": "telea", "mask_kind": "center", "psnr_hole": 18.0, "l1_hole": 0.12},
    {"method": "telea", "mask_kind": "blocks", "psnr_hole": 25.0, "l1_hole": 0.04},
]


def test_metric_bars_one_group_per_kind_one_bar_per_method():
    ax = mv.metric_bars(ROWS, "psnr_hole")
    assert len(ax.containers) == 2
    heights = [[bar.get_height() for bar in container] for container in ax.containers]
    assert heights == [[20.0, 24.0], [18.0, 25.0]]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["center", "blocks"]
    assert "PSNR" in ax.get_ylabel()
    l1 = mv.metric_bars(ROWS, "l1_hole")
    assert [bar.get_height() for bar in l1.containers[0]] == pytest.approx([10.0, 5.0])
    with pytest.raises(ValueError, match="ssim_hole"):
        mv.metric_bars(ROWS, "ssim_hole")


def test_metric_bars_reads_an_evaluation_result():
    from inpaintlib.evaluation import EvaluationResult

    records = [dict(row, index=0, ssim_hole=0.5, psnr_whole=30.0, ssim_whole=0.9, l1_whole=0.01) for row in ROWS]
    result = EvaluationResult(records, methods=["model", "telea"], mask_kinds=["center", "blocks"])
    ax = mv.metric_bars(result, "psnr_hole")
    assert [bar.get_height() for bar in ax.containers[1]] == [18.0, 25.0]


def _history(values):
    history = History()
    for value in values:
        history.append({"total": value, "rec": value}, {"total": value, "rec": value / 2}, seconds=10.0, steps=4)
    return history


def test_compare_runs_one_line_per_run():
    ax = mv.compare_runs({"a": _history([1.0, 0.5]), "b": _history([2.0, 1.0, 0.8])}, term="rec", split="val")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert list(lines[1].get_ydata()) == [1.0, 0.5, 0.4]
    assert ax.get_ylabel() == "val rec loss"
    with pytest.raises(ValueError, match="empty"):
        mv.compare_runs({})


def test_show_filters_one_scaled_panel_per_filter():
    weight = torch.randn(5, 3, 4, 4) * 7
    figure, panels = mv.show_filters(weight, ncols=3)
    shown = [panel for panel in panels if panel.images]
    assert len(shown) == 5 and len(panels) == 6
    array = np.asarray(shown[0].images[0].get_array())
    assert array.shape == (4, 4, 3)
    assert array.min() == pytest.approx(0.0) and array.max() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="out_channels, 3"):
        mv.show_filters(torch.zeros(4, 1, 3, 3))


# --------------------------------------------------------------------------- speed


class TinyGenerator(nn.Module):
    image_size = 16

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, image, mask):
        return torch.sigmoid(self.conv2(torch.relu(self.conv1(torch.cat([image * (1 - mask), mask], 1)))))


class TinyDiscriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 3, 2, 1)

    def forward(self, images):
        return self.conv(images)


def test_train_step_flops_counts_both_networks_and_leaves_originals_alone():
    torch.manual_seed(0)
    generator, discriminator = TinyGenerator(), TinyDiscriminator()
    before = {name: value.clone() for name, value in generator.state_dict().items()}
    l2_only = mv.train_step_flops(generator, mask_kinds="center")
    adversarial = mv.train_step_flops(generator, discriminator, mask_kinds="center")
    # conv1 + conv2 forward: 2 * 16*16 * (8*4*9 + 3*8*9) multiply-adds = 2 * 256 * 504 FLOPs per image.
    forward = 2 * 256 * (8 * 4 * 9 + 3 * 8 * 9)
    assert 2 * forward <= l2_only <= 3 * forward  # backward adds the weight and input gradients
    assert adversarial > l2_only
    assert mv.train_step_flops(generator, batch_size=2, mask_kinds="center") == pytest.approx(2 * l2_only)
    for name, value in generator.state_dict().items():
        assert torch.equal(value, before[name])


def test_time_train_step_measures_each_step():
    torch.manual_seed(0)
    timing = mv.time_train_step(TinyGenerator(), TinyDiscriminator(), batch_size=2, steps=3, warmup=1, name="tiny")
    assert timing.name == "tiny" and len(timing.seconds) == 3
    assert all(s > 0 for s in timing.seconds)
    assert timing.seconds_per_image == pytest.approx(timing.seconds_per_step / 2)
    assert timing.flops_per_step > 0 and timing.flops_per_second > 0
    assert "s/step at batch 2" in str(timing)
    untimed = mv.time_train_step(TinyGenerator(), batch_size=1, steps=1, warmup=0, count_flops=False)
    assert untimed.flops_per_step is None and untimed.flops_per_second is None
    with pytest.raises(ValueError, match="steps"):
        mv.time_train_step(TinyGenerator(), steps=0)


def test_seconds_per_step_reads_the_history():
    assert mv.seconds_per_step(_history([1.0, 0.5])) == pytest.approx(20.0 / 8)
    with pytest.raises(ValueError, match="no finished epoch"):
        mv.seconds_per_step(History())


@pytest.mark.parametrize(
    ("seconds", "text"), [(5, "5 s"), (89.4, "89 s"), (600, "10 min"), (3 * 3600, "3.0 h"), (3 * 86400, "3.0 days")]
)
def test_format_duration(seconds, text):
    assert mv.format_duration(seconds) == text


def test_format_duration_rejects_negative():
    with pytest.raises(ValueError, match="seconds"):
        mv.format_duration(-1)


# --------------------------------------------------------------------------- run notes


def test_run_notes_round_trip(tmp_path):
    assert mv.load_run_notes(tmp_path) is None
    path = mv.save_run_notes(tmp_path / "run", quick=True, val_images=["a.jpg", "b c.jpg"])
    assert path.name == mv.RUN_NOTES
    assert mv.load_run_notes(tmp_path / "run") == {"quick": True, "val_images": ["a.jpg", "b c.jpg"]}
    (tmp_path / mv.RUN_NOTES).write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        mv.load_run_notes(tmp_path)
    (tmp_path / mv.RUN_NOTES).write_text("{broken")
    with pytest.raises(ValueError, match="not valid JSON"):
        mv.load_run_notes(tmp_path)
    json.loads(path.read_text())


# --------------------------------------------------------------------------- training within a budget


class _Images(torch.utils.data.Dataset):
    def __init__(self, count, seed):
        self.images = torch.rand(count, 3, 16, 16, generator=torch.Generator().manual_seed(seed))

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index]


def _tiny_trainer(out_dir):
    from inpaintlib.train import TrainConfig, Trainer

    torch.manual_seed(0)
    config = TrainConfig(epochs=3, batch_size=4, mask_kinds="center", adversarial=False, seed=0)
    return Trainer(TinyGenerator(), None, _Images(8, 0), _Images(4, 1), config, out_dir=out_dir, progress=False,
                   model_name="tiny")


def test_fit_finishes_the_first_epoch_even_when_the_budget_is_gone(tmp_path):
    trainer = _tiny_trainer(tmp_path / "a")
    history = trainer.fit(epochs=3, max_minutes=1e-9)
    assert len(history) == 1 and trainer.epoch == 1
    assert history.stop_reason == "time budget"
    assert (tmp_path / "a" / "best.pt").exists()
    assert History.load(tmp_path / "a").stop_reason == "time budget"


def test_fit_trains_every_epoch_without_a_budget_or_within_a_generous_one(tmp_path):
    trainer = _tiny_trainer(tmp_path / "b")
    history = trainer.fit(epochs=3)
    assert len(history) == 3 and history.stop_reason is None
    generous = _tiny_trainer(tmp_path / "c")
    assert len(generous.fit(epochs=2, max_minutes=10.0)) == 2
    with pytest.raises(ValueError, match="max_minutes"):
        generous.fit(epochs=3, max_minutes=0)
