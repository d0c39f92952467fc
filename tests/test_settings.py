"""Tests for inpaintlib.settings: each notebook's quick and full setting, resolved in one call."""

import json

import pytest
import torch

from inpaintlib import runtime
from inpaintlib.settings import NOTEBOOK_SETTINGS, notebook_settings


@pytest.fixture(autouse=True)
def no_quick_override(monkeypatch):
    monkeypatch.delenv(runtime.QUICK_ENV, raising=False)


def test_unset_parameters_take_the_setting_of_the_switch():
    full = notebook_settings("04", False, epochs=0, batch_size=0, limit=0, max_minutes=0.0, eval_images=0)
    quick = notebook_settings("04", True, epochs=0, batch_size=0, limit=0, max_minutes=0.0, eval_images=0)
    table = NOTEBOOK_SETTINGS["04"]
    for setting, chosen in ((full, table.full), (quick, table.quick)):
        assert {name: setting.values[name] for name in chosen} == dict(chosen)
    assert full.limit is None and quick.limit == 64 and full.max_minutes > quick.max_minutes
    assert full.quick is False and quick.quick is True


def test_given_values_override_the_setting_and_false_is_not_unset():
    setting = notebook_settings("03", True, batch_size=4, adversarial=False, style_weight=0.0, data_dir="")
    assert setting.batch_size == 4
    assert setting.adversarial is False  # False is a value, not "unset"
    assert setting.style_weight == 0.0  # zero stays zero for a name the setting does not define
    assert setting.data_dir is None  # an empty string means "none given"
    assert setting.limit == NOTEBOOK_SETTINGS["03"].quick["limit"]  # not passed: the setting's value


def test_environment_forces_the_quick_setting(monkeypatch):
    monkeypatch.setenv(runtime.QUICK_ENV, "1")
    assert notebook_settings("08", False, limit=0).limit == 12
    monkeypatch.setenv(runtime.QUICK_ENV, "0")
    assert notebook_settings("08", True, limit=0).limit is None


def test_lists_devices_and_fixed_values_are_resolved():
    setting = notebook_settings("05", False, variants="joint, l2,", device="auto", seed=3)
    assert setting.variants == ["joint", "l2"]
    assert isinstance(setting.device, torch.device)
    assert setting.image_size == 224 and "center" in setting.mask_kinds
    first = torch.rand(3)
    notebook_settings("05", False, seed=3)
    assert torch.equal(first, torch.rand(3))  # the call seeded every generator


def test_description_names_the_setting_and_each_value():
    text = str(notebook_settings("04", False, epochs=0, limit=0, device="cpu", seed=0))
    assert text.startswith("setting: full (quick=False)")
    assert "epochs=50" in text and "limit=None (every image)" in text and "device cpu" in text


def test_unknown_notebook_and_unknown_value_say_so():
    with pytest.raises(ValueError, match="no settings for notebook '42'"):
        notebook_settings("42", True)
    with pytest.raises(AttributeError, match="no value 'flavor'"):
        notebook_settings("08", True).flavor


def test_both_settings_of_each_notebook_define_the_same_names():
    for notebook, preset in NOTEBOOK_SETTINGS.items():
        assert set(preset.quick) == set(preset.full), notebook


@pytest.mark.parametrize("notebook", sorted(NOTEBOOK_SETTINGS))
def test_each_notebook_with_a_preset_resolves_its_setting_with_one_call(notebook):
    path = next((runtime.project_root() / "notebooks").glob(f"{notebook}_*.ipynb"))
    cells = json.loads(path.read_text())["cells"]
    calls = [cell for cell in cells if cell["cell_type"] == "code" and f'notebook_settings("{notebook}"' in "".join(cell["source"])]
    assert len(calls) == 1, path.name
    code = [line for line in "".join(calls[0]["source"]).splitlines() if line.strip() and not line.startswith("#")]
    assert len(code) <= 12, f"{path.name}'s settings cell has {len(code)} lines"
