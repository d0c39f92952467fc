"""One spelling per word (README, "Spelling"): no British forms of the words the workbook uses."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BRITISH = re.compile(
    r"colour|centre|\bgrey|normalis|optimis|neighbour|analys(e|ed|ing)\b|initialis|minimis|maximis|"
    r"summaris|recognis|labell(ed|ing)|artefact|learnt\b|linearis|penalis|memoris|vectoris|favour",
    re.IGNORECASE,
)
TEXT_SUFFIXES = (".py", ".md", ".txt", ".yml", ".toml", ".cfg")


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed.split() if name.endswith((*TEXT_SUFFIXES, ".ipynb"))]


def _texts(path: Path):
    """The text of a file; for a notebook, its cell sources and text outputs (never image data)."""
    if path.suffix != ".ipynb":
        yield path.read_text(encoding="utf-8")
        return
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        yield "".join(cell["source"])
        for output in cell.get("outputs", []):
            yield "".join(output.get("text", ""))
            yield "".join(output.get("data", {}).get("text/plain", ""))


def test_one_spelling_per_word():
    found = []
    for path in _tracked_files():
        if path.name == "test_spelling.py" or not path.is_file():
            continue
        for text in _texts(path):
            for match in BRITISH.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert not found, "British spellings (README, 'Spelling'):\n" + "\n".join(found[:20])


def test_the_check_finds_a_british_spelling():
    assert BRITISH.search("the mean colour of the known pixels")
    assert BRITISH.search("normalised inputs, centred")
    assert not BRITISH.search("the mean color of the known pixels, normalized and centered")
