"""The cosine learning-rate schedule over a run's epochs or its time budget."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from inpaintlib.train import Trainer, TrainConfig

SIZE = 16


class Tiny(nn.Module):
    image_size = SIZE

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 3, 3, padding=1)

    def forward(self, image, mask):
        return torch.sigmoid(self.conv(torch.cat([image * (1 - mask), mask], 1)))


def _trainer(tmp_path, schedule):
    torch.manual_seed(0)
    data = [torch.rand(3, SIZE, SIZE) for _ in range(20)]
    config = TrainConfig(epochs=4, batch_size=4, adversarial=False, amp=False, mask_kinds="center",
                         lr_g=1e-2, lr_schedule=schedule, patience=None)
    trainer = Trainer(Tiny(), None, data[:16], data[16:], config, out_dir=tmp_path, device="cpu", progress=False)
    seen = []
    step = trainer.train_step
    trainer.train_step = lambda images, masks: seen.append(trainer.optimizer_g.param_groups[0]["lr"]) or step(images, masks)
    return trainer, seen


def test_cosine_falls_from_the_learning_rate_to_its_floor(tmp_path):
    trainer, seen = _trainer(tmp_path, "cosine")
    trainer.fit()
    assert len(seen) == 16 and seen[0] == pytest.approx(1e-2)
    assert all(a > b for a, b in zip(seen, seen[1:]))
    assert 2e-4 <= seen[-1] < 1e-3


def test_constant_keeps_the_learning_rate(tmp_path):
    trainer, seen = _trainer(tmp_path, "constant")
    trainer.fit()
    assert set(seen) == {1e-2}


def test_a_budget_sets_the_pace_of_the_cosine(tmp_path):
    trainer, seen = _trainer(tmp_path, "cosine")
    history = trainer.fit(epochs=1000, max_minutes=1e-6)  # over before the first epoch ends, which still finishes
    assert len(history) == 1 and len(seen) == 4
    assert seen[-1] == pytest.approx(2e-4)  # at the budget's end the floor is reached, whatever the epoch count


def test_bad_schedule_names_are_refused():
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="step")


def test_cosine_keeps_the_ratio_of_parameter_groups_and_the_clip_covers_every_group(tmp_path):
    trainer, _ = _trainer(tmp_path, "cosine")
    conv = trainer.generator.conv
    trainer.optimizer_g = torch.optim.Adam([{"params": [conv.weight]}, {"params": [conv.bias], "lr": 1e-3}], lr=1e-2)
    seen = []
    step = trainer.train_step
    trainer.train_step = lambda images, masks: seen.append([g["lr"] for g in trainer.optimizer_g.param_groups]) or step(images, masks)
    clipped = []
    original = torch.nn.utils.clip_grad_norm_
    torch.nn.utils.clip_grad_norm_ = lambda parameters, *a, **k: clipped.append(len(list(parameters))) or torch.tensor(0.0)
    try:
        trainer.fit()
    finally:
        torch.nn.utils.clip_grad_norm_ = original
    assert seen[0] == pytest.approx([1e-2, 1e-3])
    assert all(second == pytest.approx(first / 10) for first, second in seen)
    assert seen[-1][0] < seen[0][0]
    assert clipped and set(clipped) == {2}  # the weight and the bias, both groups
