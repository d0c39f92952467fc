"""Tests for ``python -m inpaintlib student-copy``: notebooks without outputs and without solutions."""

import nbformat
import pytest

from inpaintlib import cli
from inpaintlib.cli import UsageError
from inpaintlib.notebooks import SOLUTION_TAG, notebook_paths, student_copy, student_notebook
from inpaintlib.runtime import project_root


def _cell(kind, source, tags=(), outputs=()):
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    if kind == "code":
        cell.outputs = list(outputs)
        cell.execution_count = 3 if outputs else None
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    return cell


def _exercise_notebook():
    notebook = nbformat.v4.new_notebook()
    printed = nbformat.v4.new_output("stream", name="stdout", text="4\n")
    notebook.cells = [
        _cell("code", "quick = True", tags=["parameters"]),
        _cell("code", "quick = False", tags=["injected-parameters"], outputs=[printed]),
        _cell("code", "print(2 + 2)", outputs=[printed]),
        _cell("markdown", "## Exercises\n\n1. Add two numbers."),
        _cell("markdown", "Answer: use `+`.", tags=[SOLUTION_TAG]),
        _cell("code", "print(1 + 1)", tags=[SOLUTION_TAG], outputs=[printed]),
        _cell("markdown", "2. Multiply them."),
        _cell("code", "print(2 * 3)", tags=[SOLUTION_TAG, "other"]),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["papermill"] = {"parameters": {"quick": False}}
    notebook.metadata["widgets"] = {"state": {}}
    return notebook


def test_student_notebook_drops_outputs_solutions_and_the_run_settings():
    teacher = _exercise_notebook()
    student, dropped = student_notebook(teacher)
    assert dropped == 3
    assert [(cell.cell_type, cell.source) for cell in student.cells] == [
        ("code", "quick = True"),
        ("code", "print(2 + 2)"),
        ("markdown", "## Exercises\n\n1. Add two numbers."),
        ("code", ""),  # the place for the answer to exercise 1
        ("markdown", "2. Multiply them."),
        ("code", ""),
    ]
    code = [cell for cell in student.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert all("execution" not in cell.metadata for cell in student.cells)
    assert set(student.metadata) == {"kernelspec"}
    assert student.cells[0].metadata["tags"] == ["parameters"]
    nbformat.validate(student)
    assert len(teacher.cells) == 8 and teacher.cells[2].outputs  # the teacher's notebook is not changed


def test_a_solution_only_in_markdown_leaves_no_empty_cell():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [_cell("markdown", "Q"), _cell("markdown", "A", tags=[SOLUTION_TAG]), _cell("markdown", "next")]
    student, dropped = student_notebook(notebook)
    assert dropped == 1 and [cell.source for cell in student.cells] == ["Q", "next"]


def test_student_copy_writes_every_notebook_and_refuses_to_overwrite(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    nbformat.write(_exercise_notebook(), source / "00_a.ipynb")
    nbformat.write(_exercise_notebook(), source / "01_b.ipynb")
    (source / "scratch.ipynb").write_text("not a workbook notebook")
    target = tmp_path / "class" / "week1"
    written = student_copy(target, folder=source)
    assert [(path.name, dropped) for path, dropped in written] == [("00_a.ipynb", 3), ("01_b.ipynb", 3)]
    assert sorted(path.name for path in target.iterdir()) == ["00_a.ipynb", "01_b.ipynb"]  # no partial files
    copy = nbformat.read(target / "00_a.ipynb", as_version=4)
    assert "print(1 + 1)" not in [cell.source for cell in copy.cells]
    with pytest.raises(UsageError, match="--overwrite"):
        student_copy(target, folder=source)
    assert len(student_copy(target, folder=source, overwrite=True)) == 2
    with pytest.raises(UsageError, match="notebooks themselves"):
        student_copy(source, folder=source, overwrite=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        student_copy(tmp_path / "file", folder=source)


def test_the_command_copies_the_workbook(tmp_path, capsys):
    assert cli.main(["student-copy", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    names = [path.name for path in notebook_paths()]
    assert len(lines) == len(names) + 1 and lines[-1].startswith(f"{len(names)} student notebooks")
    for name in names:
        copy = nbformat.read(tmp_path / "out" / name, as_version=4)
        original = nbformat.read(project_root() / "notebooks" / name, as_version=4)
        assert all(not cell.get("outputs") for cell in copy.cells), name
        assert not any(SOLUTION_TAG in cell.metadata.get("tags", []) for cell in copy.cells), name
        assert "papermill" not in copy.metadata
        kept = [cell.source for cell in original.cells
                if not {SOLUTION_TAG, "injected-parameters"} & set(cell.metadata.get("tags", []))]
        assert [cell.source for cell in copy.cells if cell.source] == [source for source in kept if source]
    assert cli.main(["student-copy", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--overwrite" in err and len(err.strip().splitlines()) == 1
