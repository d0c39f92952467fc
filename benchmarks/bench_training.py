"""Training speed and memory: compute efficiency, an epoch against the report's pipeline, peak memory.

Three measurements, each printed as figures:

``efficiency``
    One Model 3 (alexnet) training step at 224 px, batch 20 (a discriminator step and a generator
    step, as :meth:`inpaintlib.train.Trainer.train_step` takes them, in the trainer's default
    channels-last layout), as a fraction of this machine's fp32 matrix-multiply throughput. The step's FLOPs are counted with
    :class:`torch.utils.flop_counter.FlopCounterMode`; the throughput is a large ``torch.mm``
    measured in the same run. Step and ``torch.mm`` timings are interleaved and the best of each
    is kept, so load from other processes affects both alike. Bar: at least 60 %.

``epoch``
    One epoch over the same photos with :class:`~inpaintlib.train.Trainer` against a faithful
    re-creation of the course report's pipeline (its ``model.py``): every image decoded up front
    and held in memory as float tensors (the images, their masked copies and 4-channel targets),
    random-block masks drawn with per-pixel Python loops, two generator and four discriminator
    passes per step, and three passes over the data per epoch (training, then the loss on the
    validation set, the training set and the validation set again). Both train the same
    architecture family at 224 px, batch 20. Bar: ours at least 2x faster.

``memory``
    Peak resident memory while streaming one shuffled epoch over an index of 7,000 images (the
    751 monet2photo photos cycled, read in place, or synthetic JPEGs when absent) through the
    trainer's own loader, taking a Model 3 training step every ``--step-every`` batches so the
    networks, optimizer states and activations are resident too. Bar: under 2 GB. The report's
    approach needs (computed, not allocated) 7,000 x 10 channels x 224 x 224 x 4 bytes.

Usage::

    python benchmarks/bench_training.py                       # all three
    python benchmarks/bench_training.py efficiency --threads 1  # steadiest on a shared machine
    python benchmarks/bench_training.py epoch --images 100    # 100 photos (80 train / 20 val)
    python benchmarks/bench_training.py memory --count 7000 --step-every 70
    python benchmarks/bench_training.py efficiency --reuse-memory  # freed memory kept for reuse
    python benchmarks/bench_training.py efficiency --amp bfloat16 float16  # mixed precision too
    python benchmarks/bench_training.py efficiency --batch 4 --repeats 1 --amp bfloat16  # a quicker look

``--reuse-memory`` turns on what ``TrainConfig(reuse_memory=True)`` turns on
(:func:`inpaintlib.runtime.reuse_freed_memory`) for the whole process, so each comparison then
runs both pipelines under it.

The epoch comparison defaults to 100 photos rather than 1,000: the per-image costs are the same
(every cost of both pipelines grows linearly with the number of images), and on a 2-core CPU a
1,000-image epoch of the report's pipeline takes over an hour. ``--images 1000`` runs the full size.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from bench_data_memory import current_rss_bytes, peak_rss_bytes

from inpaintlib import precision, profiling
from inpaintlib import runtime
from inpaintlib.masks import MaskSampler, free_form
from inpaintlib.models import build_discriminator, build_model
from inpaintlib.train import AMP_DTYPES, Trainer, TrainConfig

SIZE = 224
BATCH = 20
KINDS = ["center", "blocks", "free_form"]


# --------------------------------------------------------------------------- helpers


def photo_folder(data_dir: str | None) -> Path | None:
    """The monet2photo ``photo`` folder, or None when no local copy is found."""
    for candidate in (data_dir, os.environ.get(runtime.DATA_ENV), runtime.data_root() / "monet2photo"):
        if candidate and (Path(candidate) / "photo").is_dir():
            return Path(candidate) / "photo"
    return None


def synthetic_photos(folder: Path, count: int, side: int = 256) -> Path:
    """Write ``count`` smooth random 256 px JPEGs into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        Image.fromarray(small).resize((side, side), Image.Resampling.BICUBIC).save(folder / f"synthetic {index:04d}.jpg")
    return folder


def images_for(args, count: int, workdir: Path) -> tuple[list[Path], str]:
    """``count`` photo paths (cycled when the folder has fewer) and a word on where they come from."""
    folder = None if args.synthetic else photo_folder(args.data_dir)
    if folder is None:
        folder = synthetic_photos(workdir / "synthetic", min(count, 751))
        where = f"synthetic JPEGs in {folder}"
    else:
        where = f"real photos in {folder}"
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    return [paths[i % len(paths)] for i in range(count)], where


class PathImages(torch.utils.data.Dataset):
    """Images read from a list of paths on demand, at ``size`` px (the library's reader)."""

    def __init__(self, paths: list[Path], size: int = SIZE) -> None:
        self.paths = list(paths)
        self.size = size

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> torch.Tensor:
        from inpaintlib.data import load_image

        return load_image(self.paths[index], size=self.size)


def model3_trainer(train, val, out_dir: Path, **config) -> Trainer:
    """A Trainer for Model 3 (random AlexNet weights: no download) and its patch discriminator."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        generator = build_model("alexnet", weights=None)
    settings = dict(batch_size=BATCH, mask_kinds=KINDS, patience=None, epochs=1, amp=False)
    settings.update(config)
    return Trainer(
        generator, build_discriminator("alexnet"), train, val, TrainConfig(**settings), out_dir=out_dir,
        device="cpu", model_name="alexnet", progress=False,
    )


# --------------------------------------------------------------------------- (a) efficiency


def timed(function) -> tuple[float, float]:
    """Run ``function()`` and return its wall-clock and CPU seconds (all threads of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def matmul_seconds(n: int) -> tuple[float, float]:
    a, b = torch.randn(n, n), torch.randn(n, n)
    return timed(lambda: torch.mm(a, b))


def bench_efficiency(args, workdir: Path) -> None:
    from torch.utils.flop_counter import FlopCounterMode

    batch_size = args.batch
    print(f"== (a) compute efficiency: Model 3 training step, {SIZE} px, batch {batch_size}, "
          f"{torch.get_num_threads()} thread(s) ==")
    images = torch.rand(batch_size * 2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    trainer = model3_trainer(torch.utils.data.TensorDataset(images), None, workdir / "efficiency", batch_size=batch_size)
    batch = images[:batch_size]
    masks = MaskSampler(SIZE, KINDS, seed=0).sample(batch_size)
    steps = {"inpaintlib": lambda: trainer.train_step(batch, masks)}
    auto = model3_trainer(torch.utils.data.TensorDataset(images), None, workdir / "efficiency-auto",
                          batch_size=batch_size, amp="auto")
    auto_dtype = str(auto.amp_dtype or torch.float32).replace("torch.", "")
    steps[f"inpaintlib, amp auto ({auto.history.precision['reason']}) {auto_dtype}"] = lambda: auto.train_step(batch, masks)
    for dtype in args.amp:
        amp_trainer = model3_trainer(torch.utils.data.TensorDataset(images), None, workdir / f"efficiency-{dtype}",
                                     batch_size=batch_size, amp=True, amp_dtype=dtype)
        steps[f"inpaintlib, amp {dtype}"] = lambda amp_trainer=amp_trainer: amp_trainer.train_step(batch, masks)
    if batch_size != BATCH and not args.no_report_step:
        print(f"the report's step is written for batch {BATCH}: not timed at batch {batch_size}")
    elif not args.no_report_step:
        report = ReportPipeline(workdir / "report-step")
        data = report.normalize(batch * 255)
        labels = torch.cat([data, masks], dim=1)
        optimizers = report.optimizers()
        steps["report pipeline"] = lambda: report.step(data * (1 - masks), labels, *optimizers)
    flops, by_op = {}, {}
    for name, step in steps.items():
        step()  # warm-up (oneDNN primitive caches)
        with FlopCounterMode(display=False) as counter:
            step()
        flops[name] = counter.get_total_flops()
        by_op[name] = {str(op).split(".")[-1]: count for op, count in counter.get_flop_counts()["Global"].items()}
    times = {name: [timed(step) for _ in range(args.repeats)] for name, step in steps.items()}
    threads = torch.get_num_threads()
    libraries = profiling.kernel_libraries()
    flags = sorted(flag for flag in precision.cpu_flags() if flag.startswith(("avx", "amx", "fma")))
    print(f"CPU flags: {' '.join(flags)}; kernels: convolutions {libraries['convolution']}, matmul "
          f"{libraries['matmul']}, dispatch {libraries['cpu_capability']}; {threads} thread(s)")
    probes = {dtype: profiling.conv_probe(getattr(torch, dtype)) for dtype in ("float32", *args.amp)}
    n = args.matmul_size
    mm_wall = min(matmul_seconds(n)[0] for _ in range(3))
    print(f"reference: 3x3 conv 256->256, 56x56, batch 20, channels-last, forward + backward "
          f"({libraries['convolution']}): " + ", ".join(f"{d} {p.flops_per_second / 1e9:.1f} GFLOP/s" for d, p in probes.items())
          + f"; torch.mm {n}x{n} fp32 ({libraries['matmul']}) {2 * n**3 / mm_wall / 1e9:.1f} GFLOP/s")
    peak = profiling.nominal_fma_peak(threads)
    if peak:
        print(f"nominal FMA peak: {peak['flops_per_second'] / 1e9:.0f} GFLOP/s fp32 ({peak['cores']} core(s) x "
              f"{peak['ghz']:.2f} GHz x {peak['lanes']} lanes x 2 FMA units x 2)")
    for name in steps:
        step_wall = min(w for w, _ in times[name])
        dtype = next((d for d in AMP_DTYPES if name.endswith(d)), "float32")
        if dtype not in probes:
            probes[dtype] = profiling.conv_probe(getattr(torch, dtype))
        reference = probes[dtype].flops_per_second
        fraction, beat = profiling.efficiency(flops[name], step_wall, reference)
        terms = ", ".join(f"{op} {count / 1e9:.1f}" for op, count in by_op[name].items())
        print(f"{name}:")
        print(f"  step FLOPs:              {flops[name] / 1e9:6.1f} GFLOP ({terms})")
        print(f"  step time:               best {step_wall:6.2f} s wall (median "
              f"{statistics.median(w for w, _ in times[name]):.2f} s over {len(times[name])}); "
              f"{flops[name] / step_wall / 1e9:.1f} GFLOP/s")
        print(f"  compute efficiency:      {100 * fraction:6.1f} % of the {dtype} convolution probe"
              + (" (the step beat the probe: the probe is not this core's best)" if beat else "")
              + (" (bar: >= 70 %)" if name.startswith("inpaintlib") else ""))


# --------------------------------------------------------------------------- (b) the report's pipeline


class ReportPipeline:
    """The course report's training code (``model.py`` of its repository), re-created for timing.

    Kept as written, on the CPU: images decoded into one float tensor up front, masks drawn once
    per image with per-pixel loops, AlexNet features with the report's channel-wise layer and
    decoder (resized from 209 to 224 px), the report's discriminator with a sigmoid and BCE, two
    generator passes per step, and a loss pass over validation, training and validation data
    after every epoch. Only ``pretrained=True`` becomes random weights (no download).
    """

    def __init__(self, workdir: Path) -> None:
        from torchvision import models, transforms

        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.size = SIZE
        self.preprocess = nn.Sequential(
            transforms.Resize(224),
            transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
        )
        self.resize_to_224 = transforms.Resize(224)
        self.mse_loss = nn.MSELoss()
        self.criterion = nn.BCELoss()
        self.center_mask = None
        self.arbitrary_mask = None
        # The report's two mask files: a center square and a hand-drawn region.
        self.center_path = workdir / "center.jpg"
        self.arbitrary_path = workdir / "arbitrary.jpg"
        center = np.zeros((256, 256), np.uint8)
        center[64:192, 64:192] = 255
        Image.fromarray(center).convert("RGB").save(self.center_path)
        stroke = free_form(256, seed=0).numpy().astype(np.uint8) * 255
        Image.fromarray(stroke).convert("RGB").save(self.arbitrary_path)
        model = models.alexnet(weights=None)
        model.avgpool = nn.Identity()
        model.classifier = self.Decoder(self.resize_to_224)
        self.model = model
        self.discriminator = self.DiscriminatorNet()

    # -- data, as in the report
    def normalize(self, tensor):
        return self.preprocess(tensor / 255)

    @staticmethod
    def get_zero_one_mask(mask_tensor):
        for k in range(3):
            for i in range(mask_tensor.size(dim=1)):
                for j in range(mask_tensor.size(dim=2)):
                    if mask_tensor[k][i][j] != 0:
                        mask_tensor[k][i][j] = 1
        return mask_tensor

    def get_mask_from_image(self, image_path):
        import torchvision

        mask = self.resize_to_224(torchvision.io.read_image(str(image_path)).float())
        return self.get_zero_one_mask(mask)[0]

    def get_random_blocks_mask(self):
        if self.center_mask is None or self.arbitrary_mask is None:
            self.center_mask = self.get_mask_from_image(self.center_path)
            self.arbitrary_mask = self.get_mask_from_image(self.arbitrary_path)
        rand = random.randint(0, 2)
        if rand == 1:
            return self.center_mask
        if rand == 2:
            return self.arbitrary_mask
        image_size, blocksize = 224, 40
        start_points = []
        for _ in range(random.randint(5, 9)):
            start_points.insert(1, [random.randint(0, image_size - blocksize), random.randint(0, image_size - blocksize)])
        mask = torch.zeros(3, 224, 224, dtype=torch.uint8)
        for point in start_points:
            for k1 in range(point[0], point[0] + blocksize):
                for k2 in range(point[1], point[1] + blocksize):
                    mask[0][k1][k2] = 1
                    mask[1][k1][k2] = 1
                    mask[2][k1][k2] = 1
        return mask[0]

    def fill_tensor(self, tensor, paths):
        import torchvision

        for i, path in enumerate(paths):
            tensor[i] = self.normalize(torchvision.io.read_image(str(path)).float())

    def get_x_y(self, data_tensor):
        x = torch.clone(data_tensor)
        y = torch.zeros(data_tensor.size(dim=0), 4, 224, 224, dtype=torch.float)
        for i in range(data_tensor.size(dim=0)):
            mask = self.get_random_blocks_mask()
            keep = torch.full((self.size, self.size), 1) - mask
            x[i] = data_tensor[i] * keep
            y[i, :3] = data_tensor[i]
            y[i, 3] = mask
        return x, y

    def loaders(self, train_paths, val_paths):
        from torch.utils.data import DataLoader, TensorDataset

        train = torch.zeros(len(train_paths), 3, self.size, self.size)
        val = torch.zeros(len(val_paths), 3, self.size, self.size)
        self.fill_tensor(train, train_paths)
        self.fill_tensor(val, val_paths)
        loaders, self.held = [], []
        for data in (train, val):
            x, y = self.get_x_y(data)
            self.held += [x, y]  # the decoded images are dropped once the loaders exist, as in the report
            loaders.append(DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, drop_last=True))
        self.peak_held = sum(t.numel() * t.element_size() for t in (train, val, *self.held))
        return loaders

    def held_bytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.held)

    # -- networks, as in the report
    class EncoderToDecoder(nn.Module):
        def __init__(self, m, n):
            super().__init__()
            self.drop = nn.Dropout(0.4)
            self.num_of_neurons = m * n * n
            self.prelu = nn.PReLU()
            self.bn = nn.BatchNorm1d(self.num_of_neurons)
            self.m, self.n = m, n
            self.out_channels_encoder = torch.randn(m, n * n, n * n, requires_grad=True)

        def forward(self, x):
            x = self.drop(x)
            x = x.view(size=(-1, self.m, self.n * self.n)).permute(1, 0, 2)
            x = torch.matmul(x, self.out_channels_encoder).squeeze(-1).permute(1, 0, 2)
            x = self.prelu(self.bn(torch.reshape(x, shape=(-1, self.num_of_neurons))))
            return x.view(size=(-1, self.m, self.n, self.n))

    class Decoder(nn.Module):
        def __init__(self, resize):
            super().__init__()
            self.resize = resize

            def up(cin, cout, k, s, p=0, last=False):
                layers = [nn.ConvTranspose2d(cin, cout, kernel_size=k, stride=s, padding=p)]
                if not last:
                    layers += [nn.BatchNorm2d(cout), nn.ReLU()]
                return nn.Sequential(*layers)

            self.encoder_to_decoder = nn.Sequential(ReportPipeline.EncoderToDecoder(256, 6))
            self.decoder_conv1 = up(256, 256, 4, 1)
            self.decoder_conv2 = up(256, 128, 4, 3, 1)
            self.decoder_conv3 = up(128, 64, 4, 2, 1)
            self.decoder_conv4 = up(64, 32, 5, 2, 1)
            self.decoder_conv5 = up(32, 3, 3, 2, 1, last=True)

        def forward(self, x):
            x = x.view(size=(-1, 256, 6, 6))
            for layer in (self.decoder_conv1, self.decoder_conv2, self.decoder_conv3, self.decoder_conv4,
                          self.decoder_conv5):
                x = layer(x)
            return self.resize(x)

    class DiscriminatorNet(nn.Module):
        def __init__(self):
            super().__init__()

            def block(cin, cout, stride):
                return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU())

            self.conv1, self.conv2, self.conv3 = block(3, 64, 2), block(64, 128, 2), block(128, 256, 1)
            self.conv4 = nn.Sequential(nn.Conv2d(256, 1, 3, 2, 1), nn.Sigmoid())

        def forward(self, x):
            return self.conv4(self.conv3(self.conv2(self.conv1(x))))

    # -- losses and loop, as in the report
    def discriminator_loss(self, output, labels, batch_size):
        discriminator_output = self.discriminator(output)
        combined_x = torch.cat((self.discriminator(labels), discriminator_output), 0)
        side = discriminator_output.size(dim=2)
        combined_y = torch.cat((torch.full((batch_size, 1, side, side), 1.0), torch.full((batch_size, 1, side, side), 0.0)), 0)
        order = np.array(range(batch_size))
        np.random.shuffle(order)
        combined_x[np.array(range(batch_size))] = combined_x[order]
        combined_y[np.array(range(batch_size))] = combined_y[order]
        return self.criterion(combined_x, combined_y)

    def context_encoder_loss(self, output, labels):
        reconstruction = self.mse_loss(output, labels)
        adversarial = self.discriminator_loss(labels, output, BATCH)
        return 0.999 * reconstruction + 0.001 * adversarial

    def get_loss(self, loader):
        total = 0
        with torch.no_grad():
            for data, target in loader:
                total += self.context_encoder_loss(self.model(data), target[:, :3])
        return total / (len(loader.dataset) / BATCH)

    def step(self, data, labels, optimizer, d_optimizer):
        self.discriminator.zero_grad()
        d_loss = self.discriminator_loss(self.model(data), labels[:, :3], BATCH)
        d_loss.backward()
        torch.nn.utils.clip_grad_norm_(self.discriminator.parameters(), 1)
        d_optimizer.step()
        self.model.zero_grad()
        output = self.model(data)
        loss = self.context_encoder_loss(output, labels[:, :3])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1)
        optimizer.step()

    def optimizers(self):
        return (
            torch.optim.Adam(self.model.parameters(), lr=0.0006, betas=(0.5, 0.999)),
            torch.optim.SGD(self.discriminator.parameters(), lr=0.001),
        )

    def epoch(self, train_loader, val_loader, optimizer, d_optimizer, state):
        self.model.train()
        for data, labels in train_loader:
            self.step(data, labels, optimizer, d_optimizer)
        current = self.get_loss(val_loader)
        if state["best"] > current:
            torch.save(self.model, self.workdir / "best_model")
            state["best"] = current
        train_loss = self.get_loss(train_loader)
        val_loss = self.get_loss(val_loader)
        return float(train_loss), float(val_loss)


def bench_epoch(args, workdir: Path) -> None:
    count = args.images
    paths, where = images_for(args, count, workdir)
    val_count = round(count * 0.2)
    train_paths, val_paths = paths[val_count:], paths[:val_count]
    print(f"== (b) one epoch over {count} images ({len(train_paths)} train / {len(val_paths)} validation), "
          f"{SIZE} px, batch {BATCH}, {where}, {torch.get_num_threads()} threads ==")

    def report_run():
        torch.manual_seed(0)
        random.seed(0)
        np.random.seed(0)
        report = ReportPipeline(workdir / "report")
        loaders = {}
        setup = timed(lambda: loaders.update(zip(("train", "val"), report.loaders(train_paths, val_paths))))
        optimizer, d_optimizer = report.optimizers()
        epoch = timed(lambda: report.epoch(loaders["train"], loaders["val"], optimizer, d_optimizer, {"best": 1e5}))
        return setup, epoch, (report.held_bytes(), report.peak_held)

    def ours_run():
        torch.manual_seed(0)
        trainers = []
        setup = timed(lambda: trainers.append(
            model3_trainer(PathImages(train_paths), PathImages(val_paths), workdir / "ours")
        ))
        epoch = timed(lambda: trainers[0].fit(epochs=1))
        return setup, epoch

    # Ours, the report's, ours again: the best of our two runs faces the same load as the report's.
    first = ours_run()
    report_setup, report_epoch, (held, peak_held) = report_run()
    second = ours_run()
    ours_setup, ours_epoch = min(first, second, key=lambda run: run[1][0])
    per = len(train_paths)
    print(f"report pipeline: setup {report_setup[0]:6.1f} s wall, {report_setup[1]:6.1f} s CPU (decode all, per-pixel "
          f"masks; holds {held / 1e6:.0f} MB, {peak_held / 1e6:.0f} MB at its peak)")
    print(f"                 epoch {report_epoch[0]:6.1f} s wall, {report_epoch[1]:6.1f} s CPU "
          f"({report_epoch[0] / per * 1000:.0f} s wall per 1,000 training images)")
    print(f"inpaintlib:      setup {ours_setup[0]:6.1f} s wall, {ours_setup[1]:6.1f} s CPU (lazy reads)")
    print(f"                 epoch {ours_epoch[0]:6.1f} s wall, {ours_epoch[1]:6.1f} s CPU "
          f"({ours_epoch[0] / per * 1000:.0f} s wall per 1,000 training images; runs: "
          f"{first[1][0]:.1f} s and {second[1][0]:.1f} s)")
    for index, label in ((0, "wall clock"), (1, "CPU time")):
        print(f"speed-up by {label:10s}: epoch alone {report_epoch[index] / ours_epoch[index]:5.2f}x (bar: >= 2x), "
              f"setup + one epoch {(report_setup[index] + report_epoch[index]) / (ours_setup[index] + ours_epoch[index]):5.2f}x")


# --------------------------------------------------------------------------- (c) memory


def bench_memory(args, workdir: Path) -> None:
    count = args.count
    paths, where = images_for(args, count, workdir)
    print(f"== (c) peak memory streaming {count} images at {SIZE} px, batch {BATCH}, a Model 3 step every "
          f"{args.step_every} batches, {where} ==")
    trainer = model3_trainer(PathImages(paths), None, workdir / "memory", num_workers=args.workers)
    before = current_rss_bytes()
    seen = steps = 0
    started = time.perf_counter()
    for index, images in enumerate(trainer.train_loader(epoch=0)):
        seen += images.shape[0]
        if index % args.step_every == 0:
            masks = trainer.mask_sampler.sample(images.shape[0])
            trainer.train_step(images, masks)
            steps += 1
    seconds = time.perf_counter() - started
    peak = peak_rss_bytes()
    report_bytes = count * 10 * SIZE * SIZE * 4
    print(f"images streamed:   {seen} in {seconds:.0f} s ({steps} training steps)")
    print(f"RSS before:        {before / 2**20:7.0f} MiB (model, optimizers, imports)")
    print(f"peak RSS:          {peak / 2**20:7.0f} MiB = {peak / 1e9:.2f} GB (bar: < 2 GB)")
    print(f"report's approach: {report_bytes / 1e9:7.2f} GB of tensors at its peak for the same images "
          f"(images + masked copies + 4-channel targets, float32; {report_bytes * 0.7 / 1e9:.1f} GB stay held; "
          "computed, not allocated)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", default=["efficiency", "epoch", "memory"],
                        choices=["efficiency", "epoch", "memory"], help="which measurements (default: all)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: PyTorch's choice)")
    parser.add_argument("--matmul-size", type=int, default=2048, help="side of the torch.mm probe (default: 2048)")
    parser.add_argument("--repeats", type=int, default=3, help="timed training steps for (a) (default: 3)")
    parser.add_argument("--no-report-step", action="store_true", help="(a): skip timing the report's step")
    parser.add_argument("--images", type=int, default=100, help="photos for (b) (default: 100)")
    parser.add_argument("--count", type=int, default=7000, help="index size for (c) (default: 7000)")
    parser.add_argument("--step-every", type=int, default=70, help="(c): a training step every N batches (default: 70)")
    parser.add_argument("--workers", type=int, default=0, help="(c): DataLoader workers (default: 0)")
    parser.add_argument("--data-dir", default=None, help="folder holding monet2photo (default: the usual places)")
    parser.add_argument("--synthetic", action="store_true", help="use synthetic JPEGs instead of real photos")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"(a): batch size (default: {BATCH})")
    parser.add_argument("--amp", nargs="+", default=[], choices=list(AMP_DTYPES), metavar="DTYPE",
                        help="(a): also time the step under mixed precision (bfloat16 and/or float16)")
    parser.add_argument("--reuse-memory", action="store_true",
                        help="keep freed memory for reuse (TrainConfig.reuse_memory=True) in every pipeline")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    # The allocator setting is process-wide: both pipelines of a comparison run under the same one.
    reusing = args.reuse_memory and runtime.reuse_freed_memory(True)
    print("allocator: " + ("freed memory kept for reuse (inpaintlib.runtime.reuse_freed_memory), for every pipeline"
                           if reusing else "the C library's defaults (freed large blocks go back to the system)"))
    with tempfile.TemporaryDirectory(prefix="bench-training-") as folder:
        workdir = Path(folder)
        for part in dict.fromkeys(args.parts):
            {"efficiency": bench_efficiency, "epoch": bench_epoch, "memory": bench_memory}[part](args, workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
