"""The demo's page: one colour per tracker in every plot, and a headline stating the real-video
figures (labelled with their source) before the still-photo table."""

import json

import pytest

from lighttrack.demo.report import REALVIDEO_RESULTS, realvideo_headline, realvideo_rows
from lighttrack.eval import report


def test_each_tracker_keeps_its_colour_in_every_plot(tmp_path, monkeypatch):
    thresholds = [i / 20 for i in range(21)]
    runs = []
    # CSRT leads one plot and trails the other: the lines are drawn in different orders
    for name, success, precision in (("csrt", 0.9, 0.1), ("kcf", 0.5, 0.5), ("lighttrack", 0.1, 0.9)):
        runs.append({"name": name, "protocol": {"name": "ope", "kind": "ope"}, "summary": {
            "auc": success, "success_thresholds": thresholds, "success_curve": [success] * 21,
            "precision_thresholds": list(range(51)), "precision_curve": [precision] * 51,
            "norm_precision_thresholds": thresholds, "norm_precision_curve": [precision] * 21}})
    drawn = {}
    import matplotlib.axes

    real = matplotlib.axes.Axes.plot

    def record(ax, *args, **kwargs):
        drawn.setdefault(kwargs["label"].split(" ")[0], set()).add(kwargs.get("color"))
        return real(ax, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", record)
    assert len(report.plot_runs(runs, tmp_path)) == 3
    assert all(len(colours) == 1 and None not in colours for colours in drawn.values())
    assert len({next(iter(c)) for c in drawn.values()}) == 3


def test_headline_states_the_real_video_facts_with_their_source():
    if not REALVIDEO_RESULTS.is_file():
        pytest.skip("no docs/results/realvideo_val.json beside this install")
    results = json.loads(REALVIDEO_RESULTS.read_text())
    labels = [label for label, _ in realvideo_rows(results)]
    assert any("default tracker" in label for label in labels)
    assert any(label.startswith("NanoTrack v2") for label in labels) and "CSRT (OpenCV)" in labels
    assert any("our own weights" in label for label in labels)
    page = "\n".join(realvideo_headline())
    assert "docs/results/realvideo_val.json" in page and f"{results['clips']} clips" in page


def test_headline_without_the_results_file_points_to_it(tmp_path):
    assert "docs/results/realvideo_val.json" in "".join(realvideo_headline(tmp_path / "none.json"))
