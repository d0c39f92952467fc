"""Fixtures shared by every test module."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Run each test on one thread: the tests use small tensors, and on a busy 2-core machine
    two threads per process make them several times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
