"""Tests for inpaintlib.train and inpaintlib.history: the loop, resume, best/early stopping, failures."""

from __future__ import annotations

import json
import math
import os
import signal
import sys

import pytest
import torch
import torch.distributed as torch_dist
from torch import nn

from inpaintlib.checkpoints import load_checkpoint
from inpaintlib.history import TERMS, History
from inpaintlib.masks import MaskSampler
from inpaintlib.train import DistributedContext, FixedMaskDataset, TrainConfig, Trainer, TrainingDiverged

SIZE = 16


class TinyGenerator(nn.Module):
    """A 2-layer conv generator following the contract: model(image, mask) -> full-size prediction."""

    image_size = SIZE

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(4, 8, 3, padding=1)
        self.norm = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, image, mask):
        x = torch.cat([image * (1 - mask), mask], 1)
        return torch.sigmoid(self.conv2(torch.relu(self.norm(self.conv1(x)))))

    def discriminator_view(self, images):
        return images


class TinyDiscriminator(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(8, 1, 3, 2, 1))

    def forward(self, images):
        return self.net(images)


class NaNAfter(TinyGenerator):
    """Outputs NaN from the ``bad_call``-th training forward pass on."""

    def __init__(self, bad_call: int) -> None:
        super().__init__()
        self.bad_call = bad_call
        self.calls = 0

    def forward(self, image, mask):
        out = super().forward(image, mask)
        if self.training:
            self.calls += 1
            if self.calls >= self.bad_call:
                return out * float("nan")
        return out


class InterruptAt(TinyGenerator):
    """Raises KeyboardInterrupt at the ``call``-th training forward pass (as Ctrl-C would)."""

    def __init__(self, call: int) -> None:
        super().__init__()
        self.call = call
        self.calls = 0

    def forward(self, image, mask):
        if self.training:
            self.calls += 1
            if self.calls == self.call:
                raise KeyboardInterrupt
        return super().forward(image, mask)


class CtrlCAt(TinyGenerator):
    """Sends this process a SIGINT (Ctrl-C) during the ``call``-th training forward pass."""

    def __init__(self, call: int) -> None:
        super().__init__()
        self.call = call
        self.calls = 0

    def forward(self, image, mask):
        if self.training:
            self.calls += 1
            if self.calls == self.call:
                os.kill(os.getpid(), signal.SIGINT)
        return super().forward(image, mask)


class Images(torch.utils.data.Dataset):
    def __init__(self, count: int, seed: int) -> None:
        self.images = torch.rand(count, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index]


def make_trainer(
    out_dir, generator=None, config=None, resume=False, discriminator="default", progress=False, **kwargs
):
    torch.manual_seed(0)
    reference = TinyGenerator()  # every variant starts from the same weights
    if generator is None:
        generator = reference
    else:
        generator.load_state_dict(reference.state_dict())
    if discriminator == "default":
        discriminator = TinyDiscriminator()
    config = config or TrainConfig(amp=False, epochs=2, batch_size=4, mask_kinds=["center", "blocks"], seed=3)
    return Trainer(
        generator,
        discriminator,
        Images(12, 0),
        Images(6, 1),
        config,
        out_dir=out_dir,
        resume=resume,
        progress=progress,
        model_name="tiny",
        **kwargs,
    )


def values(history: History) -> list:
    return [(r["train"], r["val"]) for r in history.records]


# --------------------------------------------------------------------------- config


def test_config_defaults_are_the_reports_recipe():
    config = TrainConfig()
    assert (config.lr_g, config.betas_g, config.lr_d) == (6e-4, (0.5, 0.999), 1e-3)
    assert (config.rec_weight, config.adv_weight, config.style_weight) == (0.999, 0.001, 0.0)
    assert config.adversarial and config.region == "hole"
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize(
    "options, word",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"lr_g": -1.0}, "lr_g"),
        ({"lr_d": 0.0}, "lr_d"),
        ({"betas_g": (0.5, 1.5)}, "betas_g"),
        ({"patience": 0}, "patience"),
        ({"monitor": "adv"}, "monitor"),
        ({"grad_clip": 0}, "grad_clip"),
        ({"epochs": 1.5}, "epochs"),
        ({"channels_last": "yes"}, "channels_last"),
        ({"amp": "yes"}, "amp"),
        ({"amp_dtype": "float8"}, "amp_dtype"),
    ],
)
def test_config_rejects_bad_values(options, word):
    with pytest.raises(ValueError, match=word):
        TrainConfig(**options)


def test_trainer_rejects_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="discriminator"):
        Trainer(TinyGenerator(), None, Images(8, 0), None, TrainConfig(amp=False, batch_size=2), out_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        Trainer(
            TinyGenerator(), TinyDiscriminator(), Images(3, 0), None, TrainConfig(amp=False, batch_size=4), out_dir=tmp_path,
            progress=False,
        )
    with pytest.raises(ValueError, match="masks are"):
        Trainer(
            TinyGenerator(), TinyDiscriminator(), Images(8, 0), None, TrainConfig(amp=False, batch_size=2), out_dir=tmp_path,
            mask_sampler=MaskSampler(32, "center"), progress=False,
        )


# --------------------------------------------------------------------------- the loop


def test_fit_records_every_term_and_writes_files(tmp_path):
    trainer = make_trainer(tmp_path)
    history = trainer.fit()
    assert len(history) == 2 and history.epochs == [1, 2]
    for record in history.records:
        for split in ("train", "val"):
            for term in ("total", "rec", "adv", "disc"):
                assert math.isfinite(record[split][term]), (split, term)
            assert record[split]["style"] is None  # style_weight 0: not computed
        assert record["seconds"] > 0 and record["steps"] == 3  # 12 images / batch 4
    total = history.records[0]["val"]
    assert total["total"] == pytest.approx(0.999 * total["rec"] + 0.001 * total["adv"], rel=1e-5)
    for name in ("last.pt", "best.pt", "history.json", "history.csv"):
        assert (tmp_path / name).is_file()
    assert History.load(tmp_path).to_dict() == history.to_dict()
    header = (tmp_path / "history.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["epoch", "train_total", "train_rec"] and header[-1] == "seconds"
    assert len((tmp_path / "history.csv").read_text().splitlines()) == 3
    assert not list(tmp_path.glob("*.tmp")), "temporary files left behind"


def test_same_seed_same_losses(tmp_path):
    first = make_trainer(tmp_path / "a").fit()
    second = make_trainer(tmp_path / "b").fit()
    assert values(first) == values(second)
    other = make_trainer(tmp_path / "c", config=TrainConfig(amp=False, epochs=2, batch_size=4, mask_kinds="blocks", seed=4))
    assert values(other.fit()) != values(first)


def test_l2_only_run_has_no_adversarial_terms(tmp_path):
    config = TrainConfig(amp=False, epochs=1, batch_size=4, adversarial=False, mask_kinds="center")
    trainer = make_trainer(tmp_path, config=config, discriminator=None)
    history = trainer.fit()
    record = history.records[0]
    assert record["train"]["adv"] is None and record["val"]["disc"] is None
    assert record["val"]["total"] == pytest.approx(0.999 * record["val"]["rec"])
    assert load_checkpoint(tmp_path / "last.pt")["discriminator"] is None


def test_training_lowers_the_loss(tmp_path):
    config = TrainConfig(amp=False, epochs=6, batch_size=4, mask_kinds="center", patience=None, lr_g=1e-2)
    history = make_trainer(tmp_path, config=config).fit()
    assert history.train("rec")[-1] < history.train("rec")[0]


def test_validation_masks_are_fixed_per_image():
    sampler = MaskSampler(SIZE, ["blocks", "center"], seed=0)
    first = FixedMaskDataset(Images(6, 0), sampler, seed=5)
    again = FixedMaskDataset(Images(6, 0), MaskSampler(SIZE, ["blocks", "center"], seed=99), seed=5)
    masks = [first[i][1] for i in range(6)]
    sampler.sample(10)  # drawing elsewhere changes nothing
    assert all(torch.equal(m, again[i][1]) for i, m in enumerate(masks))
    assert all(torch.equal(m, first[i][1]) for i, m in enumerate(masks))
    assert not all(torch.equal(masks[0], m) for m in masks[1:])
    assert masks[0].shape == (1, SIZE, SIZE)


# --------------------------------------------------------------------------- resume


def test_resume_gives_the_same_history_as_an_uninterrupted_run(tmp_path):
    config = TrainConfig(amp=False, epochs=3, batch_size=4, mask_kinds=["center", "blocks"], seed=3, patience=None)
    straight = make_trainer(tmp_path / "straight", config=config)
    expected = straight.fit()

    make_trainer(tmp_path / "split", config=config).fit(epochs=1)
    resumed = make_trainer(tmp_path / "split", config=config, resume=True)
    assert resumed.epoch == 1 and len(resumed.history) == 1
    history = resumed.fit()
    assert values(history) == values(expected)
    for name, tensor in straight.generator.state_dict().items():
        assert torch.equal(tensor, resumed.generator.state_dict()[name]), name
    assert history.best_epoch == expected.best_epoch


def test_time_budget_finishes_the_first_epoch_stops_and_resumes_exactly(tmp_path):
    config = TrainConfig(amp=False, epochs=2, batch_size=4, mask_kinds=["center", "blocks"], seed=3, patience=None)
    expected = make_trainer(tmp_path / "straight", config=config).fit()

    trainer = make_trainer(tmp_path / "budget", config=config)
    history = trainer.fit(max_minutes=1e-9)
    assert history.stop_reason == "time budget" and len(history) == 1  # the first epoch always finishes
    assert (tmp_path / "budget" / "best.pt").is_file()
    checkpoint = load_checkpoint(tmp_path / "budget" / "last.pt")
    assert (checkpoint["epoch"], checkpoint["step"]) == (1, 0)

    trainer = make_trainer(tmp_path / "other", config=config)
    history = trainer.fit(resume_from=tmp_path / "budget" / "last.pt")
    assert values(history) == values(expected)


def test_resume_true_without_a_checkpoint_starts_fresh(tmp_path):
    with pytest.warns(UserWarning, match="does not exist"):
        trainer = make_trainer(tmp_path, resume=True)
    assert trainer.epoch == 0


def test_resume_refuses_another_models_checkpoint(tmp_path):
    make_trainer(tmp_path).fit(epochs=1)
    with pytest.raises(ValueError, match="holds model 'tiny'"):
        Trainer(
            TinyGenerator(), TinyDiscriminator(), Images(8, 0), None, TrainConfig(amp=False, batch_size=2),
            out_dir=tmp_path, resume=True, model_name="other", progress=False,
        )


# --------------------------------------------------------------------------- best, early stopping


def test_best_checkpoint_holds_the_lowest_validation_loss(tmp_path):
    config = TrainConfig(amp=False, epochs=4, batch_size=4, mask_kinds="center", patience=None, lr_g=3e-2, seed=1)
    history = make_trainer(tmp_path, config=config).fit()
    losses = history.val("rec")
    best = min(range(len(losses)), key=losses.__getitem__) + 1
    assert history.best_epoch == best and history.best_value == min(losses)
    checkpoint = load_checkpoint(tmp_path / "best.pt")
    assert checkpoint["epoch"] == best
    assert load_checkpoint(tmp_path / "last.pt")["epoch"] == 4
    # The saved weights reproduce the best validation loss.
    trainer = make_trainer(tmp_path / "check", config=config)
    trainer.generator.load_state_dict(checkpoint["generator"])
    trainer.discriminator.load_state_dict(checkpoint["discriminator"])
    assert trainer.validate()["rec"] == pytest.approx(min(losses), rel=1e-6)


def test_early_stopping_on_a_plateau(tmp_path):
    # A learning rate this small changes nothing: the validation loss is flat from epoch 1.
    config = TrainConfig(amp=False, epochs=10, batch_size=4, lr_g=1e-12, lr_d=1e-12, patience=2, min_delta=1e-3)
    trainer = make_trainer(tmp_path, config=config)
    history = trainer.fit()
    assert history.stopped_early and history.stop_reason == "early stopping"
    assert len(history) == 3 and history.best_epoch == 1
    saved = History.load(tmp_path)
    assert saved.stopped_early and len(saved) == 3
    # Resuming a run that already stopped does nothing more.
    again = make_trainer(tmp_path, config=config, resume=True)
    with pytest.warns(UserWarning, match="already stopped early"):
        assert len(again.fit()) == 3


# --------------------------------------------------------------------------- failures


def test_nan_loss_names_epoch_and_step_and_keeps_the_checkpoint(tmp_path):
    generator = NaNAfter(bad_call=5)  # 3 steps per epoch: epoch 2, step 2
    trainer = make_trainer(tmp_path, generator=generator)
    with pytest.raises(TrainingDiverged, match=r"epoch 2, step 2") as error:
        trainer.fit()
    assert isinstance(error.value, ValueError)
    assert "last.pt" in str(error.value)
    checkpoint = load_checkpoint(tmp_path / "last.pt")
    assert checkpoint["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in checkpoint["generator"].values() if t.is_floating_point())
    assert len(History.load(tmp_path)) == 1


def test_keyboard_interrupt_saves_last_checkpoint(tmp_path):
    trainer = make_trainer(tmp_path, generator=InterruptAt(call=5))
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    checkpoint = load_checkpoint(tmp_path / "last.pt")
    assert (checkpoint["epoch"], checkpoint["step"]) == (1, 1)
    assert checkpoint["history"]["stop_reason"] == "interrupted"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to self is POSIX-only")
def test_ctrl_c_finishes_the_step_saves_and_resumes_exactly(tmp_path):
    config = TrainConfig(amp=False, epochs=2, batch_size=4, mask_kinds=["center", "blocks"], seed=3, patience=None)
    expected = make_trainer(tmp_path / "straight", config=config).fit()
    trainer = make_trainer(tmp_path / "stopped", generator=CtrlCAt(call=2), config=config)
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    checkpoint = load_checkpoint(tmp_path / "stopped" / "last.pt")
    assert (checkpoint["epoch"], checkpoint["step"]) == (0, 2)  # the interrupted step was finished
    resumed = make_trainer(tmp_path / "stopped", config=config, resume=True)
    assert values(resumed.fit()) == values(expected)


def test_progress_bars_show_running_losses(tmp_path, capsys):
    make_trainer(tmp_path, config=TrainConfig(amp=False, epochs=1, batch_size=4), progress=True).fit()
    err = capsys.readouterr().err
    assert "epoch 1" in err and "rec=" in err and "training" in err


# --------------------------------------------------------------------------- mixed precision


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_amp_runs_forward_passes_in_the_chosen_type_and_keeps_float32_weights(tmp_path, dtype):
    config = TrainConfig(epochs=1, batch_size=4, amp=True, amp_dtype=dtype)
    trainer = make_trainer(tmp_path, config=config, device="cpu")
    seen = {}

    def record(name):
        def hook(module, args, output):
            seen.setdefault(name, output.dtype)

        return hook

    trainer.generator.conv2.register_forward_hook(record("g"))
    trainer.discriminator.net[0].register_forward_hook(record("d"))
    before = {name: p.detach().clone() for name, p in trainer.generator.named_parameters()}
    terms = trainer.train_step(torch.rand(4, 3, SIZE, SIZE), MaskSampler(SIZE, "center").sample(4))
    assert seen == {"g": getattr(torch, dtype), "d": getattr(torch, dtype)}
    assert all(value.dtype == torch.float32 and torch.isfinite(value) for value in terms.values())
    for name, parameter in trainer.generator.named_parameters():
        assert parameter.dtype == torch.float32, name
    assert any(not torch.equal(before[name], p) for name, p in trainer.generator.named_parameters())
    assert trainer.scaler_g.is_enabled() == trainer.scaler_d.is_enabled() == (dtype == "float16")


def test_amp_dtype_defaults_to_bfloat16_on_the_cpu(tmp_path):
    trainer = make_trainer(tmp_path, config=TrainConfig(epochs=1, batch_size=4, amp=True), device="cpu")
    assert trainer.amp_dtype == torch.bfloat16 and not trainer.scaler_g.is_enabled()
    plain = make_trainer(tmp_path / "fp32", config=TrainConfig(epochs=1, batch_size=4, amp=False), device="cpu")
    assert plain.amp_dtype is None and not plain.use_amp
    assert plain.history.precision == {"dtype": "float32", "reason": "amp=False", "speeds": None}


def test_float16_loss_scaling_skips_an_overflowing_step(tmp_path):
    """A loss scale too large for float16 gradients: the step is skipped and the scale halved."""
    config = TrainConfig(epochs=1, batch_size=4, amp=True, amp_dtype="float16", mask_kinds="center")
    trainer = make_trainer(tmp_path, config=config, device="cpu")
    trainer.scaler_g = torch.amp.GradScaler("cpu", init_scale=2.0**100)
    before = {name: p.detach().clone() for name, p in trainer.generator.named_parameters()}
    terms = trainer.train_step(torch.rand(4, 3, SIZE, SIZE), MaskSampler(SIZE, "center").sample(4))
    assert torch.isfinite(terms["total"])
    for name, parameter in trainer.generator.named_parameters():
        assert torch.equal(before[name], parameter), name
    assert trainer.scaler_g.get_scale() == 2.0**99
    trainer.train_step(torch.rand(4, 3, SIZE, SIZE), MaskSampler(SIZE, "center").sample(4))  # still going


def test_float16_run_resumes_exactly_with_its_loss_scales(tmp_path):
    config = TrainConfig(epochs=3, batch_size=4, mask_kinds=["center", "blocks"], seed=3, patience=None,
                         amp=True, amp_dtype="float16")
    straight = make_trainer(tmp_path / "straight", config=config, device="cpu")
    expected = straight.fit()
    assert all(math.isfinite(value) for record in expected.records for value in record["train"].values()
               if value is not None)

    make_trainer(tmp_path / "split", config=config, device="cpu").fit(epochs=1)
    saved = load_checkpoint(tmp_path / "split" / "last.pt")
    assert saved["scaler_g"]["scale"] > 0 and saved["scaler_d"] is not None
    resumed = make_trainer(tmp_path / "split", config=config, device="cpu", resume=True)
    assert resumed.scaler_g.get_scale() == saved["scaler_g"]["scale"]
    history = resumed.fit()
    assert values(history) == values(expected)
    assert resumed.scaler_g.get_scale() == straight.scaler_g.get_scale()


def test_channels_last_is_the_default_layout_of_weights_and_batches(tmp_path):
    assert TrainConfig().channels_last
    trainer = make_trainer(tmp_path / "nhwc", config=TrainConfig(amp=False, epochs=1, batch_size=4))
    assert trainer.generator.conv1.weight.is_contiguous(memory_format=torch.channels_last)
    assert not trainer.generator.conv1.weight.is_contiguous()
    seen = []
    trainer._g_step_module = lambda images, masks: seen.append(images) or trainer.generator(images, masks)
    trainer.train_step(torch.rand(4, 3, SIZE, SIZE), torch.zeros(4, 1, SIZE, SIZE))
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    plain = make_trainer(tmp_path / "nchw", config=TrainConfig(amp=False, epochs=1, batch_size=4, channels_last=False))
    assert plain.generator.conv1.weight.is_contiguous()


def test_channels_last_changes_speed_not_results(tmp_path):
    """Model 1's real networks, one step in each layout: the same losses and the same gradients."""
    from inpaintlib.models import build_discriminator, build_model

    images = torch.rand(4, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    masks = MaskSampler(128, "center").sample(4)
    results = {}
    for channels_last in (False, True):
        # erased: the recipe's Telea start has a zero last layer, which passes no gradient back on step one
        torch.manual_seed(0)
        generator, discriminator = build_model("center", base_fill="erase"), build_discriminator("center")
        config = TrainConfig(amp=False, batch_size=4, channels_last=channels_last)
        trainer = Trainer(generator, discriminator, images, None, config, out_dir=tmp_path / str(channels_last),
                          device="cpu", model_name="center", progress=False)
        terms = trainer.train_step(images, masks)
        grads = {f"g.{name}": p.grad for name, p in trainer.generator.named_parameters()}
        grads.update({f"d.{name}": p.grad for name, p in trainer.discriminator.named_parameters()})
        results[channels_last] = (terms, grads)
    (terms_nchw, grads_nchw), (terms_nhwc, grads_nhwc) = results[False], results[True]
    assert terms_nchw.keys() == terms_nhwc.keys() == {"total", "rec", "adv", "disc"}
    for name in terms_nchw:
        assert terms_nhwc[name].item() == pytest.approx(terms_nchw[name].item(), rel=1e-4, abs=1e-6), name
    assert grads_nchw.keys() == grads_nhwc.keys()
    for name, grad in grads_nchw.items():
        assert grad is not None and grad.abs().max() > 0, name
        scale = grad.abs().max().item()
        # Summation order differs between layouts; batch norm over 4 images magnifies that to
        # about 0.5 % of the largest gradient in the worst layer. A layout bug would be far larger.
        assert torch.allclose(grads_nhwc[name], grad, rtol=1e-2, atol=1e-2 * scale), name


def test_channels_last_checkpoint_loads_into_a_plain_model(tmp_path):
    trainer = make_trainer(tmp_path, config=TrainConfig(amp=False, epochs=1, batch_size=4))
    trainer.fit()
    fresh = TinyGenerator()
    fresh.load_state_dict(load_checkpoint(tmp_path / "last.pt")["generator"])
    assert fresh.conv1.weight.is_contiguous()
    image, mask = torch.rand(2, 3, SIZE, SIZE), torch.zeros(2, 1, SIZE, SIZE)
    fresh.eval(), trainer.generator.eval()
    with torch.no_grad():
        assert torch.allclose(fresh(image, mask), trainer.generator(image, mask), atol=1e-6)


# --------------------------------------------------------------------------- processes

@pytest.mark.parametrize("use_cuda, backend", [(True, "nccl"), (False, "gloo")])
def test_torchrun_environment_picks_nccl_on_gpus_and_gloo_on_cpus(monkeypatch, use_cuda, backend):
    """The backend choice alone, with the process-group start replaced (no second process here)."""
    started = []
    monkeypatch.setattr(torch_dist, "is_initialized", lambda: False)
    monkeypatch.setattr(torch_dist, "init_process_group", lambda backend: started.append(backend))
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    context = DistributedContext.from_env(use_cuda=use_cuda)
    assert started == [backend]
    assert (context.world_size, context.rank, context.local_rank) == (4, 3, 1)
    assert context.enabled and not context.is_main and context.initialized_here


def test_a_single_process_starts_no_process_group(monkeypatch):
    monkeypatch.setattr(torch_dist, "init_process_group", lambda backend: pytest.fail("started a process group"))
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    context = DistributedContext.from_env(use_cuda=True)
    assert not context.enabled and context.is_main


# --------------------------------------------------------------------------- history


def test_history_best_epoch_and_patience():
    history = History(monitor="total", min_delta=0.01)
    assert history.append({"total": 1.0}, {"total": 0.50})
    assert not history.append({"total": 0.9}, {"total": 0.495})  # within min_delta
    assert history.append({"total": 0.8}, {"total": 0.40})
    assert not history.append({"total": 0.7}, {"total": 0.45})
    assert history.best_epoch == 3 and history.best_value == 0.40
    assert history.epochs_without_improvement == 1
    assert history.should_stop(1) and not history.should_stop(2) and not history.should_stop(None)
    assert history.val("total") == [0.50, 0.495, 0.40, 0.45]
    assert history.train("rec") == [None] * 4
    with pytest.raises(ValueError, match="unknown loss term"):
        history.append({"bogus": 1.0}, {})
    with pytest.raises(ValueError, match="monitor"):
        History(monitor="accuracy")


def test_history_files_round_trip(tmp_path):
    history = History()
    history.append({"total": 1.0, "rec": 0.5}, {"total": 0.9, "rec": 0.4}, seconds=1.5, steps=3)
    history.stopped_early, history.stop_reason = True, "early stopping"
    history.save(tmp_path)
    loaded = History.load(tmp_path / "history.json")
    assert loaded.to_dict() == history.to_dict()
    rows = (tmp_path / "history.csv").read_text().splitlines()
    assert rows[1].split(",")[:3] == ["1", "1.0", "0.5"]
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="bad.json"):
        History.load(tmp_path / "bad.json")


def test_history_plot_marks_best_and_early_stop():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = History()
    for value in (0.5, 0.3, 0.4, 0.45):
        history.append({"total": value + 0.1, "rec": value}, {"total": value, "rec": value})
    history.stopped_early = True
    ax = history.plot(terms=("total", "rec"))
    labels = [line.get_label() for line in ax.get_lines()]
    assert "train total" in labels and "val rec" in labels
    assert "best epoch (2)" in labels and "early stop" in labels
    best_line = ax.get_lines()[labels.index("best epoch (2)")]
    assert list(best_line.get_xdata()) == [2, 2]
    axes = history.plot_terms()
    assert [a.get_title() for a in axes] == ["total", "rec"]  # adv/style/disc were never computed
    plt.close("all")


def test_terms_are_the_documented_ones():
    assert TERMS == ("total", "rec", "adv", "style", "disc")


# --------------------------------------------------------------------------- the real models


def test_center_model_trains_end_to_end(tmp_path):
    models = pytest.importorskip("inpaintlib.models")
    from inpaintlib.checkpoints import load_generator

    torch.manual_seed(0)
    images = torch.rand(6, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    train = torch.utils.data.TensorDataset(images[:4])
    val = torch.utils.data.TensorDataset(images[4:])
    trainer = Trainer(
        models.build_model("center"), models.build_discriminator("center"), train, val,
        TrainConfig(amp=False, epochs=1, batch_size=2), out_dir=tmp_path, model_name="center", progress=False,
    )
    assert trainer.mask_sampler.kinds == ["center"]
    history = trainer.fit()
    assert len(history) == 1 and math.isfinite(history.val("rec")[0])
    model = load_generator(tmp_path / "best.pt", device="cpu")
    assert not model.training and model.image_size == 128
    for name, tensor in trainer.generator.state_dict().items():
        assert torch.equal(tensor, model.state_dict()[name]), name


def test_trainer_gives_random_crops_a_new_epoch_each_pass(tmp_path):
    from torch.utils.data import Subset

    from inpaintlib.train import DistributedContext

    class EpochRecorder(torch.utils.data.Dataset):
        def __init__(self):
            self.epochs = []

        def set_epoch(self, epoch):
            self.epochs.append(epoch)

        def __len__(self):
            return 4

        def __getitem__(self, index):
            return torch.full((3, 16, 16), index / 4)

    recorder = EpochRecorder()
    trainer = Trainer.__new__(Trainer)  # only the loader is exercised
    trainer.train_data = Subset(recorder, [0, 1, 2, 3])
    trainer.config = TrainConfig(amp=False, batch_size=2)
    trainer.dist = DistributedContext()
    trainer.device = torch.device("cpu")
    for epoch in (0, 1, 2):
        list(trainer.train_loader(epoch))
    assert recorder.epochs == [0, 1, 2]


def test_rec_per_image_sets_the_trainers_loss_and_must_be_a_bool():
    from inpaintlib.train.steps import _default_loss

    assert _default_loss(TrainConfig(rec_per_image=True)).per_image
    assert not _default_loss(TrainConfig()).per_image
    with pytest.raises(ValueError, match="rec_per_image"):
        TrainConfig(rec_per_image="yes")
