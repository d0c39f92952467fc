"""Names, defaults and builders for the three models and their discriminators."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from inpaintlib.models.alexnet import AlexNetContextEncoder
from inpaintlib.models.base import InpaintingModel
from inpaintlib.models.center import CenterContextEncoder
from inpaintlib.models.discriminators import GlobalDiscriminator, PatchDiscriminator
from inpaintlib.models.masked import MaskedContextEncoder

__all__ = ["MODEL_NAMES", "MODEL_SPECS", "ModelSpec", "build_discriminator", "build_model", "model_spec"]


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
    """

    name: str
    title: str
    generator: type
    discriminator: type
    image_size: int
    mask_kinds: tuple[str, ...]


#: The three models, in the workbook's order.
MODEL_SPECS: dict[str, ModelSpec] = {
    "center": ModelSpec(
        "center", "Model 1: center context encoder", CenterContextEncoder, GlobalDiscriminator, 128, ("center",)
    ),
    "masked": ModelSpec(
        "masked",
        "Model 2: masked context encoder",
        MaskedContextEncoder,
        PatchDiscriminator,
        224,
        ("blocks", "free_form", "center"),
    ),
    "alexnet": ModelSpec(
        "alexnet",
        "Model 3: AlexNet context encoder",
        AlexNetContextEncoder,
        PatchDiscriminator,
        224,
        ("blocks", "free_form", "center"),
    ),
}
#: Valid model names (aliases "model1", "model2", "model3" are accepted too).
MODEL_NAMES: tuple[str, ...] = tuple(MODEL_SPECS)
_ALIASES = {"model1": "center", "model2": "masked", "model3": "alexnet", "1": "center", "2": "masked", "3": "alexnet"}


def model_spec(name: str) -> ModelSpec:
    """Return the :class:`ModelSpec` of ``name`` ("center", "masked", "alexnet" or "model1".."model3").

    Raises
    ------
    ValueError
        If ``name`` is not a model name.
    """
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in MODEL_SPECS:
        valid = ", ".join(repr(n) for n in (*MODEL_NAMES, "model1", "model2", "model3"))
        raise ValueError(f"unknown model name {name!r}; valid names: {valid}")
    return MODEL_SPECS[key]


def build_model(name: str, **options) -> InpaintingModel:
    """Return a new generator: ``"center"`` (Model 1), ``"masked"`` (Model 2) or ``"alexnet"`` (Model 3).

    ``options`` go to the model's constructor (e.g. ``weights=None, freeze_encoder=True`` for
    ``"alexnet"``).
    """
    return model_spec(name).generator(**options)


def build_discriminator(name: str, **options) -> nn.Module:
    """Return a new discriminator for model ``name`` (Global for "center", Patch for the others)."""
    return model_spec(name).discriminator(**options)
