"""Tests for inpaintlib.receptive_field: the analytic table, the gradient check, the report's 47."""

import matplotlib

matplotlib.use("Agg")

from collections import OrderedDict  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402

from inpaintlib.models import PatchDiscriminator  # noqa: E402
from inpaintlib.receptive_field import (  # noqa: E402
    MisalignedBranchesError,
    ReceptiveFieldError,
    UnsupportedLayerError,
    compare_with_report,
    coverage_map,
    empirical_receptive_field,
    gradient_map,
    plot_patch_sizes,
    plot_receptive_field,
    plot_unit_boxes,
    receptive_field,
    receptive_field_explorer,
    region_fraction,
    report_recurrence,
    unit_region,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def report_discriminator() -> nn.Sequential:
    """The course report's patch discriminator: 4 convs 3x3, padding 1, strides 2, 2, 1, 2."""
    layers = []
    channels = [3, 64, 128, 256, 1]
    for i, stride in enumerate([2, 2, 1, 2]):
        layers.append(nn.Conv2d(channels[i], channels[i + 1], 3, stride=stride, padding=1))
        if i < 3:
            layers += [nn.BatchNorm2d(channels[i + 1]), nn.ReLU()]
    return nn.Sequential(*layers)


def small_discriminator() -> nn.Sequential:
    """Same geometry as the report's discriminator with few channels (fast gradient checks)."""
    return nn.Sequential(
        nn.Conv2d(3, 4, 3, 2, 1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 4, 3, 2, 1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 1, 3, 2, 1),
    )


class ResidualBlock(nn.Module):
    """conv3x3 (stride s) -> ReLU -> conv3x3, plus a shortcut (identity, or 1x1 stride s)."""

    def __init__(self, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 2, 3, stride=stride, padding=1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)
        self.shortcut = nn.Identity() if stride == 1 else nn.Conv2d(2, 2, 1, stride=stride)

    def forward(self, x):
        return self.relu(self.conv2(self.relu(self.conv1(x))) + self.shortcut(x))


def forward_size(module, size, channels=3):
    with torch.no_grad():
        return tuple(module.eval()(torch.zeros(1, channels, *size)).shape[2:])


# ----------------------------------------------------------------------------------------------
# Analytic values
# ----------------------------------------------------------------------------------------------


def test_report_discriminator_sees_23_pixels_with_stride_8():
    disc = report_discriminator()
    table = receptive_field(disc, 224)
    assert table.receptive_field == 23
    assert table.effective_stride == 8
    assert table.output_size == (28, 28) == forward_size(disc, (224, 224))
    assert [record.receptive_field for record in table] == [1, 3, 7, 15, 23]
    assert [record.effective_stride for record in table] == [1, 2, 4, 4, 8]
    assert [record.kind for record in table] == ["input", "conv", "conv", "conv", "conv"]


def test_pointwise_layers_are_listed_only_on_request():
    table = receptive_field(report_discriminator(), 224, include_pointwise=True)
    assert len(table) == 1 + 10
    assert [record.type for record in table[1:4]] == ["Conv2d", "BatchNorm2d", "ReLU"]
    assert table[2].receptive_field == table[1].receptive_field == 3
    assert table.receptive_field == 23


def test_table_prints_as_text_html_and_dicts():
    table = receptive_field(report_discriminator(), 224)
    text = str(table)
    assert "receptive field 23×23 px, effective stride 8 px, output 28×28" in text
    assert text.splitlines()[0].split() == table.HEADER
    assert "<table>" in table._repr_html_() and "Conv2d" in table._repr_html_()
    last = table.to_dicts()[-1]
    assert last["receptive_field"] == 23 and last["effective_stride"] == 8
    assert last["kernel"] == 3 and last["stride"] == 2 and last["padding"] == 1 and last["dilation"] == 1
    assert last["output_size"] == (28, 28) and last["start"] == 0.0


def test_alexnet_features_match_published_values():
    table = receptive_field(torchvision.models.alexnet(weights=None).features, 224)
    assert table.receptive_field == 195
    assert table.effective_stride == 32
    assert table.output_size == (6, 6)
    assert [record.receptive_field for record in table] == [1, 11, 19, 51, 67, 99, 131, 163, 195]


def test_vgg16_features_match_published_values():
    # vgg16(weights=None).features is exactly make_layers(cfgs["D"]); building only the features is fast.
    features = torchvision.models.vgg.make_layers(torchvision.models.vgg.cfgs["D"])
    table = receptive_field(features, 224)
    assert table.receptive_field == 212
    assert table.effective_stride == 32
    assert table.output_size == (7, 7)


def test_resnet18_trunk_up_to_layer1_by_hand():
    resnet = torchvision.models.resnet18(weights=None)
    trunk = nn.Sequential(*list(resnet.children())[:5])  # conv1, bn1, relu, maxpool, layer1
    table = receptive_field(trunk, 224)
    # conv 7x7/2 -> 7 (jump 2); maxpool 3x3/2 -> 7 + 2*2 = 11 (jump 4); four 3x3 convs add 2*4 = 8 each.
    assert [record.receptive_field for record in table] == [1, 7, 11, 19, 27, 27, 35, 43, 43]
    assert [record.kind for record in table][5] == "merge"
    assert "27 (4.0.bn2)" in table[5].note and "11 (3)" in table[5].note
    assert table.receptive_field == 43 and table.effective_stride == 4
    assert table.output_size == (56, 56)


def test_resnet18_whole_model_stops_at_adaptive_pooling():
    resnet = torchvision.models.resnet18(weights=None)
    assert receptive_field(nn.Sequential(*list(resnet.children())[:-2]), 224).receptive_field == 435
    with pytest.raises(UnsupportedLayerError, match="'avgpool' \\(AdaptiveAvgPool2d\\)"):
        receptive_field(resnet, 224)
    table = receptive_field(resnet, 224, stop_at_unsupported=True)
    assert table.ended_at is table[-1]
    assert table.ended_at.name == "avgpool" and table.ended_at.kind == "end"
    assert table.receptive_field == 435 and table.effective_stride == 32 and table.output_size == (7, 7)
    assert "spatial part ends at 'avgpool'" in str(table)


def test_residual_block_with_downsampling_shortcut_by_hand():
    block = ResidualBlock(stride=2)
    table = receptive_field(block, 32)
    # main: 3x3/2 -> rf 3, jump 2; 3x3/1 -> 3 + 2*2 = 7. Shortcut: 1x1/2 -> rf 1. Both start on pixel 0.
    names = [record.name for record in table]
    assert names == ["x", "conv1", "conv2", "shortcut", "add"]
    assert table.receptive_field == 7 and table.effective_stride == 2
    assert table.output_size == (16, 16) == forward_size(block, (32, 32), channels=2)
    assert table[-1].note == "max of 7 (conv2), 1 (shortcut)"


def test_dilated_convolutions():
    net = nn.Sequential(*[nn.Conv2d(1, 1, 3, padding=d, dilation=d) for d in (1, 2, 4)])
    table = receptive_field(net, 40)
    assert [record.receptive_field for record in table] == [1, 3, 7, 15]
    assert [record.dilation for record in table[1:]] == [(1, 1), (2, 2), (4, 4)]
    assert table.output_size == (40, 40) == forward_size(net, (40, 40), channels=1)
    result = empirical_receptive_field(net, 40, (20, 20))
    assert result.receptive_field == 15 and result.agrees


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_padding_same_and_valid():
    net = nn.Sequential(nn.Conv2d(1, 1, 3, padding="same"), nn.Conv2d(1, 1, 4, padding="same"),
                        nn.Conv2d(1, 1, 3, padding="valid"))
    table = receptive_field(net, 30)
    assert table.output_size == (28, 28) == forward_size(net, (30, 30), channels=1)
    assert table[2].padding == ((1, 2), (1, 2))  # an even kernel pads one more pixel after than before
    assert table[2].to_dict()["padding"] == (1, 2)
    assert [record.receptive_field for record in table] == [1, 3, 6, 8]
    assert float(table[2].start[0]) == 0.5
    for unit in [(14, 14), (0, 0), (27, 3)]:
        result = empirical_receptive_field(net, 30, unit)
        assert result.agrees, (unit, result.bounds, result.expected_bounds)


def test_per_axis_kernels_and_non_square_inputs():
    net = nn.Sequential(nn.Conv2d(1, 1, (3, 5), stride=(1, 2), padding=(1, 2)), nn.Conv2d(1, 1, (3, 5), padding=0))
    table = receptive_field(net, (40, 60))
    assert table.receptive_field == (5, 13)
    assert table.effective_stride == (1, 2)
    assert table.output_size == (38, 26) == forward_size(net, (40, 60), channels=1)
    assert "3×5" in str(table) and "5×13" in str(table)
    assert empirical_receptive_field(net, (40, 60), (19, 13)).size == (5, 13)


@pytest.mark.parametrize("size", [17, 32, 45])
def test_pooling_sizes_match_forward(size):
    net = nn.Sequential(
        nn.Conv2d(3, 2, 5, stride=2, padding=2), nn.MaxPool2d(3, stride=2, ceil_mode=True),
        nn.AvgPool2d(2, stride=1, padding=1), nn.MaxPool2d(2, padding=1, dilation=2),
        nn.ZeroPad2d((1, 0, 2, 0)), nn.AvgPool2d(3, ceil_mode=True),
    )
    table = receptive_field(net, size)
    assert table.output_size == forward_size(net, (size, size))
    assert [record.kind for record in table][1:] == ["conv", "pool", "pool", "pool", "pad", "pool"]


def test_one_dimensional_convolutions():
    net = nn.Sequential(nn.Conv1d(1, 2, 5, stride=2), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(2, 1, 3, dilation=3))
    table = receptive_field(net, (100,))
    # conv k5/2 -> 5 (jump 2); max pool 2/2 -> 5 + 1*2 = 7 (jump 4); dilated k3 d3 spans 7 -> 7 + 6*4 = 31.
    assert table.receptive_field == 31
    assert table.effective_stride == 4
    assert table.output_size == forward_size(net, (100,), channels=1)


def test_channel_concatenation_and_products_are_followed():
    class Inception(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = nn.Conv2d(3, 2, 1), nn.Conv2d(3, 2, 3, padding=1), nn.Conv2d(3, 2, 5, padding=2)
            self.gate = nn.Conv2d(6, 6, 3, padding=1)

        def forward(self, x):
            y = torch.cat([self.a(x), self.b(x), self.c(x)], dim=1)
            return y * torch.sigmoid(self.gate(y))

    table = receptive_field(Inception(), 20)
    merges = [record for record in table if record.kind == "merge"]
    assert [record.type for record in merges] == ["cat", "mul"]
    assert merges[0].receptive_field == 5 and merges[1].receptive_field == 7
    assert table.receptive_field == 7
    assert empirical_receptive_field(Inception(), 20, (10, 10)).receptive_field == 7


def test_concatenation_along_width_is_unsupported():
    class SideBySide(nn.Module):
        def forward(self, x):
            return torch.cat([x, x], dim=3)

    with pytest.raises(UnsupportedLayerError, match="'cat'.*spatial axis"):
        receptive_field(SideBySide(), 8)


def test_misaligned_branches_raise_a_clear_error():
    class DifferentSizes(nn.Module):
        def __init__(self):
            super().__init__()
            self.down = nn.Conv2d(3, 3, 3, stride=2, padding=1)

        def forward(self, x):
            return self.down(x) + x[:, :, :16, :16]

    with pytest.raises(MisalignedBranchesError, match="'add'.*'down' has size 16×16, jump 2"):
        receptive_field(DifferentSizes(), 32)

    class ShiftedGrid(nn.Module):
        def __init__(self):
            super().__init__()
            self.odd = nn.Conv2d(3, 3, 3, padding=1)
            self.even = nn.Sequential(nn.ZeroPad2d((1, 0, 1, 0)), nn.Conv2d(3, 3, 2))

        def forward(self, x):
            return self.odd(x) + self.even(x)

    with pytest.raises(MisalignedBranchesError, match="start -0.5"):
        receptive_field(ShiftedGrid(), 16)


class _Interpolating(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return F.interpolate(self.conv(x), scale_factor=2)


@pytest.mark.parametrize(
    ("module", "layer", "type_name"),
    [
        (nn.Sequential(nn.Conv2d(3, 3, 3), nn.ConvTranspose2d(3, 3, 4, 2, 1)), "'1'", "ConvTranspose2d"),
        (nn.Sequential(nn.Conv2d(3, 3, 3), nn.AdaptiveAvgPool2d(2)), "'1'", "AdaptiveAvgPool2d"),
        (nn.Sequential(nn.Conv2d(3, 3, 3), nn.Upsample(scale_factor=2)), "'1'", "Upsample"),
        (nn.Sequential(nn.Conv2d(3, 3, 3), nn.Linear(30, 4)), "'1'", "Linear"),
        (_Interpolating(), "'interpolate'", "interpolate"),
    ],
)
def test_unsupported_layers_raise_or_end_the_table(module, layer, type_name):
    with pytest.raises(UnsupportedLayerError, match=f"{layer} \\({type_name}\\)"):
        receptive_field(module, 32)
    table = receptive_field(module, 32, stop_at_unsupported=True)
    assert table.ended_at is not None and table.ended_at.type == type_name
    assert table.receptive_field == 3
    assert "unsupported" in table.ended_at.note


def test_flatten_ends_the_spatial_part():
    net = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 15 * 15, 1))
    table = receptive_field(net, 32)
    assert table.ended_at.name == "2" and table.ended_at.type == "Flatten"
    assert table.receptive_field == 3 and table.output_size == (15, 15)
    assert "the spatial part ends at '2' (Flatten)" in str(table)

    class ViewHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 1, 5)
            self.fc = nn.Linear(28 * 28, 1)

        def forward(self, x):
            x = self.conv(x)
            return self.fc(x.view(x.size(0), -1))

    table = receptive_field(ViewHead(), 32)
    assert table.ended_at.type == "view" and table.receptive_field == 5


def test_errors_name_the_bad_argument_or_layer():
    with pytest.raises(ReceptiveFieldError, match="layer '12' \\(MaxPool2d\\).*smaller than the kernel"):
        receptive_field(torchvision.models.alexnet(weights=None).features, 32)
    with pytest.raises(ValueError, match="input_size"):
        receptive_field(report_discriminator(), (1, 3, 224, 224))
    with pytest.raises(ValueError, match="module"):
        receptive_field("not a module", 32)

    class ValueDependent(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(ReceptiveFieldError, match="torch.fx"):
        receptive_field(ValueDependent(), 32)


def test_unit_region_clips_at_the_border():
    table = receptive_field(report_discriminator(), 224)
    assert unit_region(table, (14, 14)) == ((101, 123), (101, 123))
    assert unit_region(table, (0, 0), clip=False) == ((-11, 11), (-11, 11))
    assert unit_region(table, (0, 27)) == ((0, 11), (205, 223))
    with pytest.raises(ValueError, match="unit"):
        unit_region(table, (28, 0))


# ----------------------------------------------------------------------------------------------
# Gradient check
# ----------------------------------------------------------------------------------------------


def test_empirical_matches_analytic_for_interior_and_corner_units():
    disc = small_discriminator()
    table = receptive_field(disc, 64)
    center = empirical_receptive_field(disc, 64)
    assert center.unit == (4, 4)
    assert center.receptive_field == 23 == table.receptive_field
    assert center.bounds == unit_region(table, (4, 4)) and not center.truncated
    corner = empirical_receptive_field(disc, 64, (0, 0))
    assert corner.truncated and corner.agrees
    assert corner.box == (0, 0, 11, 11)
    assert corner.size == (12, 12)


def test_empirical_with_max_pooling_ceil_mode_and_residuals():
    net = nn.Sequential(
        nn.Conv2d(3, 3, 5, stride=2, padding=2), nn.ReLU(),
        nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.Conv2d(3, 2, 1), ResidualBlock(stride=2),
    )
    table = receptive_field(net, 37)
    assert table.output_size == forward_size(net, (37, 37))
    rows, cols = table.output_size
    for unit in [(0, 0), (rows // 2, cols // 2), (rows - 1, cols - 1), (0, cols - 1)]:
        result = empirical_receptive_field(net, 37, unit)
        assert result.agrees, (unit, result.bounds, result.expected_bounds)


def test_real_weights_can_only_shrink_the_region():
    torch.manual_seed(0)  # random weights can silence a unit; these ones keep (4, 4) alive
    disc = small_discriminator()
    real = empirical_receptive_field(disc, 64, (4, 4), linearize=False)
    (top, bottom), (left, right) = unit_region(receptive_field(disc, 64), (4, 4))
    assert top <= real.bounds[0][0] <= real.bounds[0][1] <= bottom
    assert left <= real.bounds[1][0] <= real.bounds[1][1] <= right


def test_gradient_map_is_zero_outside_the_region():
    disc = small_discriminator()
    image = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(0))
    heat = gradient_map(disc, image, (2, 5))
    assert heat.shape == (64, 64) and heat.max() == 1.0
    (top, bottom), (left, right) = unit_region(receptive_field(disc, 64), (2, 5))
    inside = np.zeros_like(heat, dtype=bool)
    inside[top:bottom + 1, left:right + 1] = True
    assert np.all(heat[~inside] == 0) and np.all(heat[inside] > 0)
    as_array = gradient_map(disc, (image.permute(1, 2, 0).numpy() * 255).astype(np.uint8), (2, 5))
    np.testing.assert_allclose(as_array, heat)


def test_gradient_check_needs_one_input_and_a_valid_unit():
    class TwoInputs(nn.Module):
        def forward(self, image, mask):
            return image * mask

    with pytest.raises(ValueError, match="one input"):
        empirical_receptive_field(TwoInputs(), 8)
    with pytest.raises(ValueError, match="unit"):
        empirical_receptive_field(small_discriminator(), 64, (8, 0))


# ----------------------------------------------------------------------------------------------
# The report's recurrence
# ----------------------------------------------------------------------------------------------


def test_report_recurrence_reproduces_47_with_one_extra_step():
    layers = [(3, 2), (3, 2), (3, 1), (3, 2)]
    report = report_recurrence(layers)
    assert report.values == [1, 3, 5, 11, 23, 47]
    assert report[-1].extra and not report[-2].extra
    assert report_recurrence(layers, extra_steps=0).receptive_field == 23
    from_table = report_recurrence(receptive_field(report_discriminator(), 224), extra_steps=0)
    assert from_table.values == [1, 3, 5, 11, 23]
    assert "1 → 3 → 5 → 11 → 23 → 47" in str(report)


def test_backward_recurrence_agrees_with_the_forward_table():
    rng = np.random.default_rng(0)
    for _ in range(5):
        chain = [(int(rng.integers(1, 6)), int(rng.integers(1, 4))) for _ in range(int(rng.integers(1, 6)))]
        net = nn.Sequential(*[nn.Conv2d(1, 1, k, stride=s, padding=k) for k, s in chain])
        assert report_recurrence(chain, extra_steps=0).receptive_field == receptive_field(net, 64).receptive_field


def test_compare_with_report_side_by_side():
    comparison = compare_with_report([(3, 2), (3, 2), (3, 1), (3, 2)])
    assert comparison[-1] == ("5", "(no layer: extra step)", "3", "2", "-", "47")
    assert comparison[-2][4:] == ("23", "23")
    assert "correct: 23 px after 4 layers; report: 47 px after 5 steps" in str(comparison)
    assert "<table>" in comparison._repr_html_()
    with pytest.raises(ValueError, match="extra_steps"):
        report_recurrence([(3, 2)], extra_steps=-1)
    with pytest.raises(ValueError, match="layers"):
        report_recurrence([(3, 2, 1, 0)])


# ----------------------------------------------------------------------------------------------
# Widget and figures
# ----------------------------------------------------------------------------------------------


def test_explorer_sliders_move_the_unit():
    disc = small_discriminator()
    image = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    explorer = receptive_field_explorer(disc, image)
    row, col = explorer.children[:2]
    assert (row.description, col.description) == ("row", "col")
    assert (row.max, col.max) == (7, 7)
    assert explorer.result == (21, 21, 43, 43)  # the center unit, computed when the explorer is built
    row.value, col.value = 0, 0
    assert explorer.result == (0, 0, 11, 11)  # the corner unit sees padding: a truncated region
    col.value = 7
    assert explorer.result == (0, 45, 11, 63)


def test_explorer_draws_from_the_start_and_once_per_change():
    disc = small_discriminator()
    image = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    before = len(plt.get_fignums())
    explorer = receptive_field_explorer(disc, image, draw_first=False)
    assert explorer.result == (21, 21, 43, 43) and explorer.redraws == 1
    assert bytes(explorer.picture.value)[:4] == b"\x89PNG" and len(plt.get_fignums()) == before
    first = bytes(explorer.picture.value)
    explorer.children[0].value = 0
    assert explorer.result == (0, 21, 11, 43) and explorer.redraws == 2
    assert bytes(explorer.picture.value) != first
    assert explorer.f(row=7, col=7) == (45, 45, 63, 63) and explorer.redraws == 2  # f draws nothing
    with explorer.batch():
        explorer.children[0].value, explorer.children[1].value = 3, 3
    assert explorer.redraws == 3 and explorer.result == (13, 13, 35, 35)
    assert all(not slider.continuous_update for slider in explorer.children[:2])  # redraws on release


def test_explorer_redraws_once_per_change_at_the_notebook_size():
    # How fast a redraw is belongs to a benchmark; here: one redraw per change, each one timed.
    discriminator = PatchDiscriminator(activation="relu").eval()  # notebook 02's network and image size
    layers = nn.Sequential(OrderedDict(discriminator.named_children()))
    explorer = receptive_field_explorer(layers, torch.rand(3, 224, 224, generator=torch.Generator().manual_seed(0)))
    first = explorer.redraws
    times = []
    for row in (5, 27, 3):
        explorer.children[0].value = row
        times.append(explorer.seconds)
    assert explorer.redraws == first + 3
    assert all(seconds > 0 for seconds in times), times


def test_plot_helpers_draw_the_regions():
    disc = small_discriminator()
    image = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(2))
    ax = plot_receptive_field(disc, image, (0, 0))
    assert len(ax.patches) == 2 and "truncated" in ax.get_title()
    zoomed = plot_receptive_field(disc, image, (4, 4), zoom=True)
    assert zoomed.get_xlim() == (21 - 0.5 - 5, 43 + 0.5 + 5)
    table = receptive_field(disc, 64)
    ax = plot_unit_boxes(table, image, [(0, 0), (4, 4)])
    assert len(ax.patches) == 3  # the corner unit gets its clipped and its full box
    alexnet = receptive_field(torchvision.models.alexnet(weights=None).features, 64 * 4)
    ax = plot_patch_sizes(torch.rand(3, 256, 256), {"disc": receptive_field(disc, 256), "alexnet": alexnet})
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["disc: 23 px, stride 8", "alexnet: 195 px, stride 32"]


def test_coverage_map_counts_the_units_that_see_each_pixel():
    table = receptive_field(report_discriminator(), 224)
    counts = coverage_map(table)
    assert counts.shape == (224, 224)
    # 23-pixel windows every 8 pixels: 2 or 3 windows per axis inside the image, so 4 to 9 per pixel.
    assert counts[8:-8, 8:-8].min() == 4 and counts.max() == 9
    assert counts[112, 112] == 9  # pixel 112 is 14 strides from pixel 0: three windows per axis
    assert counts.sum() == sum(
        (bottom - top + 1) * (right - left + 1)
        for (top, bottom), (left, right) in (unit_region(table, (i, j)) for i in range(28) for j in range(28))
    )


def test_region_fraction_of_a_center_hole():
    table = receptive_field(report_discriminator(), 224)
    hole = torch.zeros(224, 224)
    hole[56:168, 56:168] = 1  # a 112x112 center hole
    fractions = region_fraction(table, hole)
    assert fractions.shape == (28, 28)
    # Unit i sees rows 8i-11 .. 8i+11: entirely inside the hole for i = 9..19, partly for i = 6..22.
    assert (fractions == 1).sum() == 11 * 11
    assert (fractions > 0).sum() == 17 * 17
    assert fractions[0, 0] == 0.0
    with pytest.raises(ValueError, match="mask has shape"):
        region_fraction(table, torch.zeros(64, 64))
