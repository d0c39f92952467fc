"""Training a context encoder against its discriminator: the loop, validation, early stopping, resume.

Taught in notebook 03 (``03_center_block.ipynb``) and used by notebooks 04 to 08.

The recipe is the course report's, with every setting a parameter of :class:`TrainConfig`:

* generator: Adam, ``lr=6e-4``, ``betas=(0.5, 0.999)``;
* discriminator: SGD, ``lr=1e-3``;
* joint loss ``0.999 * reconstruction + 0.001 * adversarial`` (``+ style_weight * style`` when
  asked), the reconstruction measured over the hole by default;
* masks drawn from a :class:`~inpaintlib.masks.MaskSampler`;
* gradient norms clipped at 10 (only a blow-up is cut; a normal step is untouched).

What changes from the report's code: each epoch makes **one** pass over the training set and one
over the validation set (the report's made three over the training data), validation masks are
fixed per image so every epoch and every run judge the same holes, and the best validation
checkpoint, the last checkpoint, early stopping and exact resume are built in.

Each epoch, the trainer writes into ``out_dir``:

* ``last.pt``: everything needed to continue (weights, optimizer states, RNG states, history);
* ``best.pt``: the same, from the epoch with the lowest validation loss;
* ``history.json`` and ``history.csv``: per-epoch averages of every loss term.

The same code runs on several processes with ``torchrun``: it detects ``WORLD_SIZE``, ``RANK``
and ``LOCAL_RANK``, wraps the networks in :class:`~torch.nn.parallel.DistributedDataParallel`
(gloo on CPU, NCCL on GPU), splits the data with a
:class:`~torch.utils.data.distributed.DistributedSampler`, averages the losses across processes
and writes files from rank 0 only.

The package's modules:

* :mod:`~inpaintlib.train.config` -- :class:`TrainConfig`, the recipe;
* :mod:`~inpaintlib.train.distributed` -- :class:`DistributedContext`, the processes of a ``torchrun`` job;
* :mod:`~inpaintlib.train.state` -- random-generator states, stop signals, :class:`TrainingDiverged`;
* :mod:`~inpaintlib.train.batches` -- images from any dataset, fixed validation masks, seeds;
* :mod:`~inpaintlib.train.steps` -- the batches and one training step;
* :mod:`~inpaintlib.train.epochs` -- :meth:`Trainer.fit`, validation and early stopping;
* :mod:`~inpaintlib.train.checkpointing` -- saving, loading and resuming;
* :mod:`~inpaintlib.train.trainer` -- :class:`Trainer`, which brings them together, and :func:`train_model`.
"""

from inpaintlib.precision import AMP_DTYPES  # noqa: F401  (benchmarks/bench_training.py imports it from here)
from inpaintlib.train.batches import FixedMaskDataset
from inpaintlib.train.config import LR_SCHEDULES, TrainConfig
from inpaintlib.train.distributed import DistributedContext
from inpaintlib.train.state import STOP_SIGNALS, TrainingDiverged
from inpaintlib.train.trainer import Trainer, train_model

__all__ = [
    "TrainConfig",
    "Trainer",
    "TrainingDiverged",
    "DistributedContext",
    "FixedMaskDataset",
    "LR_SCHEDULES",
    "STOP_SIGNALS",
    "train_model",
]
