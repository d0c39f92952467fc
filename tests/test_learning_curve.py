"""HoleScoreCurve: PSNR in the hole after every epoch, against training minutes."""

import matplotlib

matplotlib.use("Agg")

import torch

from inpaintlib.learning_curve import HoleScoreCurve
from inpaintlib.models import UNetInpainter
from inpaintlib.train import Trainer, TrainConfig


def test_the_curve_scores_every_epoch_and_finds_when_a_reference_was_passed(tmp_path):
    torch.manual_seed(0)
    color = torch.tensor([0.2, 0.5, 0.7])[:, None, None]
    images = [color + 0.05 * torch.rand(3, 32, 32) for _ in range(12)]
    config = TrainConfig(epochs=3, batch_size=4, adversarial=False, amp=False, mask_kinds=["center", "blocks"],
                         patience=None, lr_g=3e-3)
    trainer = Trainer(UNetInpainter(image_size=32, width=4), None, images[:8], images[8:], config,
                      out_dir=tmp_path, device="cpu", progress=False)
    curve = HoleScoreCurve(images[8:], ["center", "blocks"], seed=0)
    trainer.fit(on_epoch_end=curve)
    assert [point["epoch"] for point in curve.points] == [1, 2, 3]
    minutes = [point["minutes"] for point in curve.points]
    assert minutes == sorted(minutes) and minutes[0] > 0
    assert all(point["center"] > 0 for point in curve.points)
    passing = curve.first_passing({"center": float("-inf"), "blocks": float("inf")})
    assert passing == {"center": minutes[0], "blocks": None}
    figure = curve.plot({"telea": {"center": 20.0, "blocks": 25.0}})
    assert len(figure.axes) == 2 and len(figure.axes[0].lines) == 2


def test_time_spent_scoring_between_epochs_does_not_use_up_the_budget(tmp_path):
    import time

    images = [torch.rand(3, 16, 16, generator=torch.Generator().manual_seed(i)) for i in range(4)]
    config = TrainConfig(epochs=4, batch_size=2, adversarial=False, amp=False, mask_kinds=["center"], patience=None)
    trainer = Trainer(UNetInpainter(image_size=16, width=2), None, images[:3], images[3:], config,
                      out_dir=tmp_path, device="cpu", progress=False)
    # Three pauses of two seconds would end a 6-second budget after epoch 3 if they counted.
    history = trainer.fit(max_minutes=0.1, on_epoch_end=lambda _: time.sleep(2.0))
    assert len(history) == 4 and history.stop_reason is None
