"""The eval / report / tune commands end to end, on synthetic clips and (when present) DAVIS 2016."""

import json
from pathlib import Path

import numpy as np
import pytest

from lighttrack.cli import main
from lighttrack.eval.baselines import TrackResult

DAVIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "davis2016"


def test_eval_synthetic_json_resume_and_report(tmp_path, capsys):
    out = tmp_path / "static-synth"
    argv = ["eval", "--tracker", "static", "--dataset", "synthetic", "--max-sequences", "2",
            "--out", str(out), "--no-progress", "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["protocol"]["name"] == "ope" and len(doc["tracking"]["ran"]) == 2
    assert 0 <= doc["summary"]["auc"] <= 1
    assert main(argv) == 0  # everything done already: resumes past both
    doc = json.loads(capsys.readouterr().out)
    assert doc["tracking"]["ran"] == [] and len(doc["tracking"]["skipped"]) == 2
    assert main(["eval", "--results-only", "--dataset", "synthetic", "--max-sequences", "2",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "protocol: ope" in text and "Success(AUC)" in text
    rep = tmp_path / "rep"
    assert main(["report", str(out), "--out", str(rep)]) == 0
    assert "Success AUC" in capsys.readouterr().out
    assert (rep / "success_ope.png").is_file() and (rep / "report.html").is_file()


def test_eval_wrong_layout_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = main(["eval", "--tracker", "static", "--dataset", "got10k", "--root", str(tmp_path / "empty"),
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "error:" in err and "Traceback" not in err
    code = main(["eval", "--tracker", "nonsense", "--dataset", "synthetic", "--max-sequences", "1",
                 "--out", str(tmp_path / "x"), "--no-progress"])
    assert code == 2 and "--tracker 'nonsense'" in capsys.readouterr().err


@pytest.mark.skipif(not DAVIS.is_dir(), reason="../shared/data/davis2016 is not available")
def test_eval_kcf_on_davis_folder_layout(tmp_path, capsys):
    out = tmp_path / "kcf-davis"
    code = main(["eval", "--tracker", "kcf", "--dataset", "folder", "--root", str(DAVIS), "--split", "val",
                 "--sequences", "car-shadow", "--out", str(out), "--no-progress", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["auc"] > 0.2  # KCF follows real DAVIS targets for a while


# -- tuning ------------------------------------------------------------------------------------


class OffsetTracker:
    """Reports the ground truth shifted by an amount that depends on the preset: the best preset
    is penalty_k = 0, lr = 1 (a landscape the optimiser must find). Ground truth comes from the
    synthetic clips, looked up by frame count."""

    is_deterministic = True
    truth: dict = {}

    def __init__(self, preset=None):
        self.shift = 200 * preset.penalty_k + 20 * (1 - preset.lr)

    def init(self, frame, box):
        self.i, self.box = 0, np.asarray(box, float)

    def update(self, frame):
        self.i += 1
        return TrackResult(self.box + [self.shift, 0, 0, 0], 1.0)


def make_offset_tracker(preset=None):
    return OffsetTracker(preset)


def test_tune_refuses_test_split(capsys):
    code = main(["tune", "--tracker", "test_eval_cli:make_offset_tracker", "--dataset", "synthetic",
                 "--split", "test", "--no-progress"])
    assert code == 2 and "refusing to tune" in capsys.readouterr().err


def test_tune_writes_a_loadable_preset(tmp_path, capsys):
    from lighttrack.tracker.presets import get_preset

    out = tmp_path / "tuned.yaml"
    code = main(["tune", "--tracker", "test_eval_cli:make_offset_tracker", "--dataset", "synthetic",
                 "--split", "val", "--max-sequences", "1", "--trials", "6", "--seed", "1",
                 "--out", str(out), "--no-progress", "--json"])
    assert code == 0
    res = json.loads(capsys.readouterr().out)
    assert res["sampler"] == "optuna.TPESampler" and len(res["trials"]) == 6
    assert res["best_score"] >= res["base_score"]
    preset = get_preset(str(out))
    assert preset.penalty_k == pytest.approx(res["best"]["penalty_k"])
    assert preset.lr == pytest.approx(res["best"]["lr"])


def test_tune_searches_the_named_fields_from_a_preset_file(tmp_path, capsys):
    from lighttrack.tracker.presets import get_preset

    base = tmp_path / "base.yaml"
    base.write_text("base: default_even\nname: mine\nvote_radius: 1\npenalty_k: 0.11\n")
    out = tmp_path / "tuned.yaml"
    code = main(["tune", "--tracker", "test_eval_cli:make_offset_tracker", "--dataset", "synthetic",
                 "--split", "val", "--max-sequences", "1", "--trials", "3", "--preset", str(base),
                 "--tune", "lr,calibration", "--out", str(out), "--no-progress", "--json"])
    assert code == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res["best"]) == {"lr", "calibration"}
    preset = get_preset(str(out))
    # the fields not searched keep the starting file's values, not a registry preset's
    assert (preset.vote_radius, preset.penalty_k, preset.template_size) == (1, 0.11, 128)
    assert preset.calibration == pytest.approx(res["best"]["calibration"])
    code = main(["tune", "--tracker", "test_eval_cli:make_offset_tracker", "--dataset", "synthetic",
                 "--split", "val", "--tune", "lr,min_size", "--no-progress"])
    assert code == 2 and "tunable preset fields" in capsys.readouterr().err


def _write_vot_layout(root, n_seqs=2, n=24):
    import cv2

    rng = np.random.default_rng(0)
    names = []
    for k in range(n_seqs):
        name = f"seq{k}"
        d = root / name / "color"
        d.mkdir(parents=True)
        polys = []
        for i in range(n):
            img = np.full((48, 64, 3), 90, np.uint8)
            cx, cy = 20 + i * 0.8 + k, 22 + rng.normal(0, 0.5)
            cv2.rectangle(img, (int(cx - 6), int(cy - 5)), (int(cx + 6), int(cy + 5)), (250, 40, 40), -1)
            cv2.imwrite(str(d / f"{i + 1:08d}.jpg"), img)
            # a slightly rotated quadrilateral around the target
            polys.append([cx - 7, cy - 5, cx + 6, cy - 6, cx + 7, cy + 5, cx - 6, cy + 6])
        np.savetxt(root / name / "groundtruth.txt", np.array(polys), fmt="%.2f", delimiter=",")
        names.append(name)
    (root / "list.txt").write_text("\n".join(names) + "\n")
    return names


def test_eval_vot_supervised_through_the_vot_reader(tmp_path, capsys):
    root = tmp_path / "vot2018"
    names = _write_vot_layout(root)
    out = tmp_path / "static-vot"
    code = main(["eval", "--tracker", "static", "--dataset", "vot", "--root", str(root), "--out", str(out),
                 "--no-progress", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["protocol"]["name"] == "vot-supervised"
    s = doc["summary"]
    assert s["lost"] >= 1  # a static box loses the moving target
    assert s["eao"]["vot2018"] is None  # 24-frame sequences never reach [100, 356]
    lines = (out / "results" / "baseline" / names[0] / f"{names[0]}_001.txt").read_text().splitlines()
    assert lines[0] == "1" and "2" in lines and len(lines) == 24


def test_tune_runs_lighttrack_weights_on_the_named_backend_and_threads(tmp_path, capsys, monkeypatch):
    import lighttrack.eval.tune as tune_module

    seen = []
    real = tune_module.make_tracker

    def spy(spec, preset=None, **kwargs):
        seen.append(kwargs)
        return real("test_eval_cli:make_offset_tracker", preset)

    monkeypatch.setattr(tune_module, "make_tracker", spy)
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"not read: the spy builds the tracker")
    code = main(["tune", "--tracker", str(weights), "--dataset", "synthetic", "--split", "val",
                 "--max-sequences", "1", "--trials", "2", "--backend", "torch", "--threads", "1",
                 "--out", str(tmp_path / "t.yaml"), "--no-progress"])
    assert code == 0
    assert seen and all(k == {"backend": "torch", "threads": 1} for k in seen)
