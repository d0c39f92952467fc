"""The efficiency figure never exceeds 100 %, and the convolution probe measures something real."""

import pytest
import torch

from inpaintlib.profiling import conv_probe, efficiency, kernel_libraries, nominal_fma_peak


def test_efficiency_is_at_most_one_by_construction():
    assert efficiency(50.0, 1.0, 100.0) == (0.5, False)
    fraction, beat = efficiency(150.0, 1.0, 100.0)  # a fake probe slower than the step
    assert fraction == 1.0 and beat
    with pytest.raises(ValueError):
        efficiency(1.0, 0.0, 100.0)


def test_the_convolution_probe_counts_forward_and_backward():
    probe = conv_probe(torch.float32, batch=1, size=8, channels=8, repeats=1)
    assert probe.flops == 3 * 2 * 8 * 8 * 9 * 8 * 8 and probe.seconds > 0
    assert probe.flops_per_second > 0 and probe.dtype == "float32"


def test_kernel_libraries_and_peak_are_reported():
    assert set(kernel_libraries()) == {"convolution", "matmul", "cpu_capability"}
    peak = nominal_fma_peak(cores=2, flags={"avx2"})
    assert peak is None or peak["lanes"] == 8 and peak["flops_per_second"] == 2 * peak["ghz"] * 1e9 * 8 * 4
