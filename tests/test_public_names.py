"""Every module of inpaintlib imports, and every name in its ``__all__`` is there."""

import importlib
import pkgutil

import pytest

import inpaintlib

# ``python -m inpaintlib`` runs the command line on import.
_SKIPPED = {"inpaintlib.__main__"}


def _module_names() -> list[str]:
    names = ["inpaintlib"]
    for info in pkgutil.walk_packages(inpaintlib.__path__, prefix="inpaintlib."):
        if info.name not in _SKIPPED:
            names.append(info.name)
    return sorted(names)


def test_the_walk_finds_the_packages():
    names = _module_names()
    assert "inpaintlib.receptive_field" in names
    assert "inpaintlib.receptive_field.analysis" in names


@pytest.mark.parametrize("name", _module_names())
def test_every_name_in_all_is_an_attribute(name):
    module = importlib.import_module(name)
    public = getattr(module, "__all__", [])
    assert len(set(public)) == len(public), f"{name}.__all__ lists a name twice"
    missing = [item for item in public if not hasattr(module, item)]
    assert not missing, f"{name}.__all__ names {missing}, which {name} does not define"


@pytest.mark.parametrize("name", _module_names())
def test_every_module_says_where_it_is_taught_or_used(name):
    module = importlib.import_module(name)
    doc = module.__doc__ or ""
    assert doc.strip(), f"{name} has no docstring"
    assert "notebook" in doc.lower() or "README" in doc, f"{name}'s docstring names no notebook (nor the README)"
