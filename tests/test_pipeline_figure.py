"""The pipeline figure draws one box per stage, joined in order, and saves a PNG."""

import matplotlib

matplotlib.use("Agg")

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from inpaintlib.plots import PIPELINE_STAGES, plot_pipeline, save_pipeline_figure  # noqa: E402


def test_one_box_per_stage_and_one_arrow_between_neighbors():
    ax = plot_pipeline()
    boxes = [patch for patch in ax.patches if isinstance(patch, FancyBboxPatch)]
    arrows = [patch for patch in ax.patches if isinstance(patch, FancyArrowPatch)]
    assert len(boxes) == len(PIPELINE_STAGES) and len(arrows) == len(PIPELINE_STAGES) - 1
    texts = {text.get_text() for text in ax.texts}
    assert {title for _, _, title, _, _ in PIPELINE_STAGES} <= texts
    assert all(f"notebook {notebook}" in texts for *_, notebook in PIPELINE_STAGES)


def test_save_writes_a_png(tmp_path):
    path = save_pipeline_figure(tmp_path / "pipeline.png", dpi=40)
    assert (tmp_path / "pipeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.endswith("pipeline.png")
