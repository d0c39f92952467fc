"""Tests for the papermill runner behind ``python -m inpaintlib run-notebooks``."""

import json

import nbformat
import pytest

from inpaintlib import cli
from inpaintlib.notebooks import notebook_paths, run_notebooks


def write_notebook(path, sources, parameters="quick = True"):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    notebook.cells = [cell] + [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


def test_notebook_paths_are_in_reading_order_and_filtered(tmp_path):
    for name in ["02_b.ipynb", "00_a.ipynb", "notes.ipynb", "01_c.ipynb"]:
        write_notebook(tmp_path / name, [])
    assert [p.name for p in notebook_paths(tmp_path)] == ["00_a.ipynb", "01_c.ipynb", "02_b.ipynb"]
    assert [p.name for p in notebook_paths(tmp_path, only=["01"])] == ["01_c.ipynb"]
    with pytest.raises(ValueError, match="matches no notebook"):
        notebook_paths(tmp_path, only=["99"])


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        notebook_paths(tmp_path / "nowhere")


@pytest.mark.slow
def test_run_notebooks_passes_quick_and_names_the_failing_cell(tmp_path, capfd):
    source = tmp_path / "src"
    source.mkdir()
    write_notebook(source / "00_ok.ipynb", ["result = 'quick' if quick else 'full'\nprint(result)"])
    write_notebook(source / "01_bad.ipynb", ["x = 1", "raise ValueError('broken on purpose')"])
    write_notebook(source / "02_never.ipynb", ["y = 2"])
    lines = []
    runs = run_notebooks(output_dir=tmp_path / "out", quick=False, folder=source, log=lines.append)
    assert [run.name for run in runs] == ["00_ok.ipynb", "01_bad.ipynb"]
    assert runs[0].ok and not runs[1].ok
    assert "01_bad.ipynb" in runs[1].error and "broken on purpose" in runs[1].error
    assert "cell" in runs[1].error
    assert len(lines) == 2  # one line per notebook, with its time
    assert lines[0].startswith("00_ok.ipynb ") and " s " in lines[0] and "FAILED" not in lines[0]
    assert lines[1].startswith("01_bad.ipynb ") and "FAILED" in lines[1] and "broken on purpose" in lines[1]
    captured = capfd.readouterr()  # the kernels' own output too: no transport warnings
    assert "without encryption" not in captured.out + captured.err
    executed = json.loads((tmp_path / "out" / "00_ok.ipynb").read_text())
    printed = "".join(
        "".join(output.get("text", "")) for cell in executed["cells"] for output in cell.get("outputs", [])
    )
    assert "full" in printed


def test_cli_without_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "run-notebooks" in capsys.readouterr().out


def test_cli_reports_user_errors_in_one_line(capsys):
    status = cli.main(["run-notebooks", "--only", "zz"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_clean_notebook_drops_widget_views_and_keeps_the_rest(tmp_path):
    from inpaintlib.notebooks import WIDGET_VIEW, clean_notebook

    path = tmp_path / "00_x.ipynb"
    write_notebook(path, ["print('kept')"])
    notebook = nbformat.read(path, as_version=4)
    cell = notebook.cells[1]
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="kept\n"),
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: {"model_id": "abc"}, "text/plain": "bar 0%"}),
    ]
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    notebook.metadata["widgets"] = {"state": {}}
    nbformat.write(notebook, path)
    injected = nbformat.v4.new_code_cell("quick = False", metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(1, injected)
    nbformat.write(notebook, path)
    assert clean_notebook(path) == 1
    cleaned = nbformat.read(path, as_version=4)
    assert all("injected-parameters" not in c.metadata.get("tags", []) for c in cleaned.cells)
    assert [output.output_type for output in cleaned.cells[1].outputs] == ["stream"]
    assert "execution" not in cleaned.cells[1].metadata and "widgets" not in cleaned.metadata


def test_clean_notebook_keeps_an_explorers_picture(tmp_path):
    from inpaintlib.notebooks import WIDGET_VIEW, clean_notebook

    path = tmp_path / "00_x.ipynb"
    write_notebook(path, ["explorer"])
    notebook = nbformat.read(path, as_version=4)
    still = {WIDGET_VIEW: {"model_id": "abc"}, "image/png": "iVBORw0KGgo=", "text/plain": "mask explorer"}
    notebook.cells[1].outputs = [nbformat.v4.new_output("display_data", data=still)]
    nbformat.write(notebook, path)
    assert clean_notebook(path) == 0
    (output,) = nbformat.read(path, as_version=4).cells[1].outputs
    assert set(output.data) == {"image/png", "text/plain"}


def test_kernels_use_local_sockets_instead_of_tcp():
    import os

    from inpaintlib.notebooks import kernel_config

    transport = kernel_config().KernelManager.get("transport", "tcp")
    assert transport == ("tcp" if os.name == "nt" else "ipc")
