"""lighttrack.eval.vot_integration without the toolkit: the workspace it writes for vot-toolkit,
and lighttrack's VOT metrics on trajectories in the toolkit's result layout."""

from __future__ import annotations

import numpy as np

from lighttrack.eval.vot_integration import our_metrics, write_workspace


def test_workspace_and_our_metrics_on_a_perfect_trajectory(tmp_path, monkeypatch):
    monkeypatch.delenv("LIGHTTRACK_DAVIS", raising=False)
    ws = tmp_path / "ws"
    names = write_workspace(ws, "synthetic", 2, 12, "kcf", "default", 1)
    assert len(names) == 2
    assert (ws / "sequences" / "list.txt").read_text().split() == names
    ini = (ws / "trackers.ini").read_text()
    assert "command = lighttrack.eval.vot_adapter:create" in ini and "arg_tracker = kcf" in ini
    assert "arg_preset = default" in ini and "registry:" in (ws / "config.yaml").read_text()
    for name in names:
        seq = ws / "sequences" / name
        gt = np.loadtxt(seq / "groundtruth.txt", delimiter=",")
        assert gt.shape == (12, 8) and len(list((seq / "color").glob("*.jpg"))) == 12
        out = ws / "results" / "lighttrack" / "baseline" / name
        out.mkdir(parents=True)
        lines = ["1"] + [",".join(f"{v:.2f}" for v in row) for row in gt[1:]]  # the toolkit's layout: 1 = initialised
        (out / f"{name}_001.txt").write_text("\n".join(lines) + "\n")
    ours = our_metrics(ws, names)
    assert ours["failures"] == 0 and ours["accuracy"] > 0.99
