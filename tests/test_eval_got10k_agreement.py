"""Agreement with the official got10k toolkit (PyPI ``got10k`` 0.1.3) on the same result files.

got10k 0.1.3 imports ``six`` without declaring it; install ``six`` beside it (it is in the
project's test extras). The OTB experiment is built without its dataset downloader: its
``report`` only needs ``dataset`` (names + annotations), ``result_dir`` and ``report_dir``.
"""

import numpy as np
import pytest

got10k = pytest.importorskip("got10k.experiments", reason="the got10k toolkit (pip install got10k six) is not installed")

from lighttrack.eval.protocols import PROTOCOLS  # noqa: E402
from lighttrack.eval.results import ResultStore  # noqa: E402
from lighttrack.eval.runner import evaluate_results  # noqa: E402

W, H = 320, 240


def _gt(rng, n):
    """A wandering box, sometimes partly outside the image."""
    c = np.cumsum(rng.normal(0, 6, size=(n, 2)), axis=0) + [W / 2, H / 2]
    wh = np.clip(40 + np.cumsum(rng.normal(0, 1.5, size=(n, 2)), axis=0), 8, 120)
    return np.round(np.concatenate([c - wh / 2, wh], axis=1), 2)


def _pred(rng, gt):
    p = gt + rng.normal(0, 1, size=gt.shape) * [8, 8, 5, 5]
    p[:, 2:] = np.clip(p[:, 2:], 1, None)
    lost = rng.random(len(gt)) < 0.1
    p[lost] += [90, -70, 0, 0]
    return np.round(p, 3)


class _Seq:
    def __init__(self, name, boxes, visible=None, meta=None):
        self.name, self.boxes = name, boxes
        self.visible = np.ones(len(boxes), bool) if visible is None else visible
        self.meta = meta or {}

    def __len__(self):
        return len(self.boxes)


class _DS:
    def __init__(self, seqs):
        self._s = {s.name: s for s in seqs}
        self.names = list(self._s)

    def __getitem__(self, k):
        return self._s[k if isinstance(k, str) else self.names[k]]

    def __len__(self):
        return len(self.names)


def _write_got10k_layout(root, rng, n_seqs=4):
    split = root / "val"
    split.mkdir(parents=True)
    names = [f"GOT-10k_Val_{i:06d}" for i in range(1, n_seqs + 1)]
    (split / "list.txt").write_text("\n".join(names) + "\n")
    data = {}
    for k, name in enumerate(names):
        n = 30 + 7 * k
        d = split / name
        d.mkdir()
        for i in range(n):
            (d / f"{i + 1:08d}.jpg").write_bytes(b"")  # names only: neither tool opens frames here
        gt = _gt(rng, n)
        cover = rng.integers(0, 9, size=n)
        cover[0] = 8
        np.savetxt(d / "groundtruth.txt", gt, fmt="%.4f", delimiter=",")
        np.savetxt(d / "cover.label", cover, fmt="%d")
        np.savetxt(d / "absence.label", (cover == 0).astype(int), fmt="%d")
        np.savetxt(d / "cut_by_image.label", np.zeros(n, int), fmt="%d")
        (d / "meta_info.ini").write_text(f"[METAINFO]\nobject_class: thing\nresolution: ({W}, {H})\n")
        data[name] = (gt, cover)
    return names, data


def test_got10k_ao_sr_agree_with_official_toolkit(tmp_path):
    from got10k.experiments import ExperimentGOT10k

    rng = np.random.default_rng(0)
    names, data = _write_got10k_layout(tmp_path / "GOT-10k", rng)
    store = ResultStore(tmp_path / "out" / "GOT-10k" / "results", "got10k")
    seqs = []
    for name in names:
        gt, cover = data[name]
        runs = [_pred(rng, gt) for _ in range(3)]
        times = [rng.uniform(0.005, 0.05, size=len(gt)) for _ in range(3)]
        store.write(name, runs, times)
        seqs.append(_Seq(name, gt, cover > 0, {"cover": cover, "resolution": f"({W}, {H})"}))
    ours = evaluate_results(_DS(seqs), store, PROTOCOLS["got10k"])["summary"]

    exp = ExperimentGOT10k(str(tmp_path / "GOT-10k"), subset="val", result_dir=str(tmp_path / "out"),
                           report_dir=str(tmp_path / "reports"))
    theirs = exp.report(["results"])["results"]["overall"]
    print(f"\nGOT-10k agreement: AO ours {ours['ao']:.9f} got10k {theirs['ao']:.9f}; "
          f"SR0.5 ours {ours['sr50']:.9f} got10k {theirs['sr']:.9f}; "
          f"speed ours {ours['speed_fps']:.6f} got10k {theirs['speed_fps']:.6f}")
    assert ours["ao"] == pytest.approx(theirs["ao"], abs=1e-6)
    assert ours["sr50"] == pytest.approx(theirs["sr"], abs=1e-6)
    assert ours["speed_fps"] == pytest.approx(theirs["speed_fps"], rel=1e-6)
    np.testing.assert_allclose(ours["success_curve"], theirs["succ_curve"], atol=1e-6)
    assert ours["sr75"] == pytest.approx(theirs["succ_curve"][75], abs=1e-6)


def test_got10k_real_reader_gives_the_same_numbers(tmp_path):
    """The same check through lighttrack's own GOT-10k reader (when the data package has it)."""
    reader = pytest.importorskip("lighttrack.data.datasets.got10k")
    from got10k.experiments import ExperimentGOT10k

    rng = np.random.default_rng(1)
    names, data = _write_got10k_layout(tmp_path / "GOT-10k", rng, n_seqs=3)
    store = ResultStore(tmp_path / "out" / "GOT-10k" / "results", "got10k")
    for name in names:
        gt, _ = data[name]
        store.write(name, [_pred(rng, gt)], [np.full(len(gt), 0.01)])
    ds = reader.Got10kDataset(tmp_path / "GOT-10k", "val")
    ours = evaluate_results(ds, store, PROTOCOLS["got10k"])["summary"]
    exp = ExperimentGOT10k(str(tmp_path / "GOT-10k"), subset="val", result_dir=str(tmp_path / "out"),
                           report_dir=str(tmp_path / "reports"))
    theirs = exp.report(["results"])["results"]["overall"]
    assert ours["ao"] == pytest.approx(theirs["ao"], abs=1e-6)
    assert ours["sr50"] == pytest.approx(theirs["sr"], abs=1e-6)


class _OTBData:
    """What ExperimentOTB.report reads: seq_names and (img_files, anno) per sequence."""

    def __init__(self, seqs):
        self.seqs = seqs
        self.seq_names = [s.name for s in seqs]

    def __len__(self):
        return len(self.seqs)

    def __iter__(self):
        return iter([([], s.boxes.copy()) for s in self.seqs])


def _otb_experiment(tmp_path, seqs):
    from got10k.experiments import ExperimentOTB

    exp = object.__new__(ExperimentOTB)
    exp.dataset = _OTBData(seqs)
    exp.result_dir = str(tmp_path / "out")
    exp.report_dir = str(tmp_path / "reports")
    exp.nbins_iou, exp.nbins_ce = 21, 51
    return exp


def _otb_case(tmp_path, rng, invalid_frames=0):
    seqs = []
    store = ResultStore(tmp_path / "out" / "results", "ope")
    for k in range(5):
        n = 40 + 9 * k
        gt = _gt(rng, n)
        gt[:, :2] = np.clip(gt[:, :2], 1, None)  # OTB ground truth is 1-based and inside the image
        if invalid_frames:
            idx = rng.choice(np.arange(1, n), size=invalid_frames, replace=False)
            gt[idx] = np.nan
        pred = _pred(rng, np.where(np.isfinite(gt), gt, 50.0))
        store.write(f"Seq{k}", [pred], [rng.uniform(0.01, 0.02, size=n)])
        seqs.append(_Seq(f"Seq{k}", gt))
    return seqs, store


def test_otb_auc_precision_agree_with_official_toolkit(tmp_path):
    rng = np.random.default_rng(2)
    seqs, store = _otb_case(tmp_path, rng)
    ours = evaluate_results(_DS(seqs), store, PROTOCOLS["otb-ope"])["summary"]
    theirs = _otb_experiment(tmp_path, seqs).report(["results"])["results"]["overall"]
    print(f"\nOTB agreement: AUC ours {ours['auc']:.9f} got10k {theirs['success_score']:.9f}; "
          f"precision ours {ours['precision']:.9f} got10k {theirs['precision_score']:.9f}")
    assert ours["auc"] == pytest.approx(theirs["success_score"], abs=1e-6)
    assert ours["precision"] == pytest.approx(theirs["precision_score"], abs=1e-6)
    np.testing.assert_allclose(ours["success_curve"], theirs["success_curve"], atol=1e-6)
    np.testing.assert_allclose(ours["precision_curve"], theirs["precision_curve"], atol=1e-6)


def test_otb_invalid_ground_truth_documented_difference(tmp_path):
    """With NaN ground truth, got10k 0.1.3 counts the frame as a failure for precision too; the
    OTB MATLAB toolkit (which we follow) counts it as a success. Success (AUC) agrees; precision
    differs by exactly the mean over sequences of (invalid frames / frames)."""
    rng = np.random.default_rng(3)
    seqs, store = _otb_case(tmp_path, rng, invalid_frames=4)
    ours = evaluate_results(_DS(seqs), store, PROTOCOLS["otb-ope"])["summary"]
    theirs = _otb_experiment(tmp_path, seqs).report(["results"])["results"]["overall"]
    expected_gap = np.mean([4 / len(s) for s in seqs])
    print(f"\nOTB with invalid GT: AUC ours {ours['auc']:.9f} got10k {theirs['success_score']:.9f}; "
          f"precision ours {ours['precision']:.9f} got10k {theirs['precision_score']:.9f} "
          f"(expected gap {expected_gap:.9f})")
    assert ours["auc"] == pytest.approx(theirs["success_score"], abs=1e-6)
    assert ours["precision"] - theirs["precision_score"] == pytest.approx(expected_gap, abs=1e-6)
