"""Names, defaults and builders for the four models and their discriminators.

Taught in notebooks 03-07 (each model's own notebook).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from inpaintlib.models.alexnet import AlexNetContextEncoder
from inpaintlib.models.base import InpaintingModel
from inpaintlib.models.center import CenterContextEncoder
from inpaintlib.models.discriminators import GlobalDiscriminator, PatchDiscriminator
from inpaintlib.models.masked import MaskedContextEncoder
from inpaintlib.models.unet import UNetInpainter

__all__ = [
    "MODEL_NAMES",
    "MODEL_SPECS",
    "ModelSpec",
    "build_discriminator",
    "build_model",
    "model_spec",
    "training_config",
]


@dataclass(frozen=True)
class ModelSpec:
    """What the rest of the library needs to know about one model.

    Attributes
    ----------
    name : str
        The model's name everywhere ("center", "masked", "alexnet").
    title : str
        A short human-readable title for tables and figures.
    generator : type
        The generator class.
    discriminator : type
        The matching discriminator class.
    image_size : int
        The image side the model works on.
    mask_kinds : tuple of str
        The mask kinds it is trained and evaluated with by default.
    recipe : dict
        Training settings that differ from :class:`~inpaintlib.train.TrainConfig`'s defaults (the
        course report's recipe) for this model; :func:`training_config` applies them.
    options : dict
        Constructor options of the recipe's model that differ from the class's defaults;
        :func:`build_model` applies them before its own ``options``.
    """

    name: str
    title: str
    generator: type
    discriminator: type
    image_size: int
    mask_kinds: tuple[str, ...]
    recipe: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)


#: The report's models learn a correction to Telea's fill rather than the whole fill: erased, they
#: spend a CPU's minutes learning each photo's color through a 5x5 bottleneck and come out gray
#: (``base_fill="erase"`` builds them as written; notebook 04 shows both).
TELEA_START = {"base_fill": "telea"}

#: The four models, in the workbook's order.
MODEL_SPECS: dict[str, ModelSpec] = {
    "center": ModelSpec(
        "center",
        "Model 1: center context encoder",
        CenterContextEncoder,
        GlobalDiscriminator,
        128,
        ("center",),
        # The report's joint loss and optimizers, with three changes measured on monet2photo (BENCHMARKS.md,
        # "Model 1 from the command line"): Adam 3e-4 instead of 6e-4, a cosine decay over the run or its
        # budget, and L1 + L2 in the hole, gradients clipped at 1; no early stopping, so a budget is used to
        # the end of its decay (best.pt keeps the best epoch). In 10 CPU minutes: +0.34 dB over Telea on the
        # test photos, where the report's recipe early-stops level with it.
        recipe={"lr_g": 3e-4, "lr_schedule": "cosine", "rec_norm": "l1+l2", "grad_clip": 1.0, "patience": None},
        options=TELEA_START,
    ),
    "masked": ModelSpec(
        "masked",
        "Model 2: masked context encoder",
        MaskedContextEncoder,
        PatchDiscriminator,
        224,
        ("blocks", "free_form", "center"),
        options=TELEA_START,
    ),
    "alexnet": ModelSpec(
        "alexnet",
        "Model 3: AlexNet context encoder",
        AlexNetContextEncoder,
        PatchDiscriminator,
        224,
        ("blocks", "free_form", "center"),
        options=TELEA_START,
    ),
    "unet": ModelSpec(
        "unet",
        "Model 4: mask-aware U-Net",
        UNetInpainter,
        PatchDiscriminator,
        128,
        ("blocks", "free_form", "center"),
        # A correction to Telea's fill (the sum starts exactly at Telea's score), L1 + L2 in the hole,
        # no discriminator, Adam 3e-4 with the usual betas and a cosine decay, gradients clipped at 1:
        # the recipe with the best PSNR per CPU minute (notebook 07 compares the variants; at 1e-3
        # the correction overshoots and training diverges). On a CPU the memory each step frees is
        # kept for the next one: a 128 px step at batch 20 runs 1.04-1.32x faster for about 0.27 GB
        # more (BENCHMARKS.md, "Model 4 on an AVX2-only CPU").
        recipe={
            "adversarial": False, "rec_weight": 1.0, "rec_norm": "l1+l2", "lr_g": 3e-4, "betas_g": (0.9, 0.999),
            "lr_schedule": "cosine", "grad_clip": 1.0, "reuse_memory": True,
        },
        options={"base_fill": "telea"},
    ),
}
#: Valid model names (aliases "model1" .. "model4" are accepted too).
MODEL_NAMES: tuple[str, ...] = tuple(MODEL_SPECS)
_ALIASES = {f"{prefix}{number}": name for number, name in enumerate(MODEL_NAMES, 1) for prefix in ("model", "")}


def model_spec(name: str) -> ModelSpec:
    """Return the :class:`ModelSpec` of ``name`` ("center", "masked", "alexnet", "unet" or "model1".."model4").

    Raises
    ------
    ValueError
        If ``name`` is not a model name.
    """
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in MODEL_SPECS:
        valid = ", ".join(repr(n) for n in (*MODEL_NAMES, *(f"model{i}" for i in range(1, len(MODEL_NAMES) + 1))))
        raise ValueError(f"unknown model name {name!r}; valid names: {valid}")
    return MODEL_SPECS[key]


def build_model(name: str, **options) -> InpaintingModel:
    """Return a new generator: ``"center"`` (Model 1), ``"masked"`` (2), ``"alexnet"`` (3) or ``"unet"`` (4).

    ``options`` go to the model's constructor (e.g. ``weights=None, freeze_encoder=True`` for
    ``"alexnet"``), after the recipe's own (:attr:`ModelSpec.options`: ``base_fill="telea"``;
    pass ``base_fill="erase"`` for the plain networks).
    """
    spec = model_spec(name)
    return spec.generator(**{**spec.options, **options})


def build_discriminator(name: str, **options) -> nn.Module:
    """Return a new discriminator for model ``name`` (Global for "center", Patch for the others)."""
    return model_spec(name).discriminator(**options)


def training_config(name: str, **overrides):
    """Return the :class:`~inpaintlib.train.TrainConfig` for model ``name``: its recipe, then ``overrides``.

    Examples
    --------
    >>> training_config("unet", epochs=3).adversarial
    False
    """
    from inpaintlib.train import TrainConfig

    return TrainConfig(**{**model_spec(name).recipe, **overrides})
