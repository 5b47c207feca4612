"""Synthetic clips and still-image camera clips: deterministic, with exact boxes."""

from __future__ import annotations

import json

import cv2
import data_helpers as h
import numpy as np

from lighttrack.cli import main
from lighttrack.data import open_dataset, synthetic_sequence


def test_synthetic_is_deterministic_and_varied():
    a, b = synthetic_sequence(3, 1, 30), synthetic_sequence(3, 1, 30)
    assert np.array_equal(a.boxes, b.boxes) and np.array_equal(a.frame(7), b.frame(7))
    assert not np.array_equal(a.boxes, synthetic_sequence(4, 1, 30).boxes)
    f = a.frame(0)
    assert f.shape == (240, 320, 3) and f.dtype == np.uint8
    w, hh = a.boxes[:, 2], a.boxes[:, 3]
    assert np.ptp(a.boxes[:, 0]) > 5 and np.ptp(w * hh) > 0 and np.ptp(w / hh) > 0  # motion, scale, aspect
    assert a.meta["distractors"] >= 1


def test_synthetic_occlusion_hides_the_target_in_some_clips():
    hidden = sum((~synthetic_sequence(0, i, 60).visible).sum() for i in range(12))
    assert hidden > 0


def test_synthetic_box_covers_the_rendered_target():
    seq = synthetic_sequence(1, 0, 10, size=(160, 120))
    clip_visible = np.flatnonzero(seq.visible)
    i = int(clip_visible[0])
    frame = seq.frame(i).astype(np.int16)
    x, y, w, hgt = seq.boxes[i]
    inner = frame[int(y + hgt * 0.3):int(y + hgt * 0.7), int(x + w * 0.3):int(x + w * 0.7)]
    # the target texture differs from the background just outside the box
    ring = frame[max(0, int(y) - 6):int(y) - 1, int(x):int(x + w)] if y > 8 else frame[int(y + hgt) + 1:int(y + hgt) + 6, int(x):int(x + w)]
    assert inner.size and ring.size
    assert abs(inner.mean(axis=(0, 1)) - ring.mean(axis=(0, 1))).max() > 3


def test_stills_camera_clip_has_exact_boxes(tmp_path):
    root = tmp_path / "stills"
    img = np.zeros((120, 160, 3), np.uint8)
    img[:] = (30, 60, 90)
    img[40:70, 50:90] = (250, 250, 250)  # object 40x30 at (50, 40)
    (root / "images").mkdir(parents=True)
    cv2.imwrite(str(root / "images" / "a.png"), img)
    h.write_text(root / "annotations.json", json.dumps({
        "images": [{"id": 1, "file_name": "a.png", "width": 160, "height": 120}],
        "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [50, 40, 40, 30], "iscrowd": 0}],
        "categories": [{"id": 1, "name": "thing"}]}))
    ds = open_dataset("stills", root, length=12, seed=2)
    seq = ds["a_5"]
    assert len(seq) == 12 and seq.visible.all()
    assert np.ptp(seq.meta["zoom"]) > 0 and np.ptp(seq.boxes[:, 0]) > 0  # the camera moves and zooms
    for i in (0, 6, 11):
        frame = seq.frame(i)
        ys, xs = np.nonzero(frame[..., 0] > 170)
        x, y, w, hh = seq.boxes[i]
        assert abs(xs.min() - x) <= 1.01 and abs(xs.max() + 1 - (x + w)) <= 1.01
        assert abs(ys.min() - y) <= 1.01 and abs(ys.max() + 1 - (y + hh)) <= 1.01
    again = open_dataset("stills", root, length=12, seed=2)["a_5"]
    assert np.array_equal(again.boxes, seq.boxes)


def _one_still(tmp_path, size=(240, 320), box=(130, 100, 40, 30)):
    root = tmp_path / "stills"
    rng = np.random.default_rng(0)
    img = rng.integers(0, 120, size=(*size, 3), dtype=np.uint8)  # textured background
    x, y, w, hh = box
    img[y:y + hh, x:x + w] = (250, 250, 250)
    (root / "images").mkdir(parents=True)
    cv2.imwrite(str(root / "images" / "a.png"), img)
    h.write_text(root / "annotations.json", json.dumps({
        "images": [{"id": 1, "file_name": "a.png", "width": size[1], "height": size[0]}],
        "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": list(box), "iscrowd": 0}],
        "categories": [{"id": 1, "name": "thing"}]}))
    return root


def test_handheld_camera_is_harder_but_keeps_exact_boxes(tmp_path):
    root = _one_still(tmp_path)
    smooth = open_dataset("stills", root, length=30, seed=3)["a_5"]
    hand = open_dataset("stills", root, length=30, seed=3, camera="handheld")["a_5"]
    assert hand.meta["camera"] == "handheld" and hand.visible.all()

    def speed(seq):
        c = seq.boxes[:, :2] + seq.boxes[:, 2:] / 2
        return np.linalg.norm(np.diff(c, axis=0), axis=1).mean()

    assert speed(hand) > 1.5 * speed(smooth)  # fast motion and shake
    # frame 0 is unblurred and never occluded: the white target sits exactly in its box
    frame = hand.frame(0)
    ys, xs = np.nonzero(frame.min(axis=2) > 200)
    x, y, w, hh = hand.boxes[0]
    assert abs(xs.min() - x) <= 1.5 and abs(xs.max() + 1 - (x + w)) <= 1.5
    assert abs(ys.min() - y) <= 1.5 and abs(ys.max() + 1 - (y + hh)) <= 1.5
    # a patch of the photo slides over the target for a few frames, the box does not change
    covered = []
    for i in range(len(hand)):
        x, y, w, hh = (int(round(v)) for v in hand.boxes[i])
        inside = hand.frame(i)[y + 2:y + hh - 2, x + 2:x + w - 2].min(axis=2)
        covered.append(float((inside < 150).mean()))
    assert max(covered) > 0.3 and min(covered) < 0.05  # blur alone darkens at most ~10 %
    # pure function of (seed, object)
    again = open_dataset("stills", root, length=30, seed=3, camera="handheld")["a_5"]
    assert np.array_equal(again.boxes, hand.boxes) and np.array_equal(again.frame(7), hand.frame(7))


def test_unknown_camera_style_is_named(tmp_path):
    import pytest

    from lighttrack.errors import DataError

    with pytest.raises(DataError, match="camera style 'shaky'"):
        open_dataset("stills", _one_still(tmp_path), camera="shaky")


def test_synth_cli_writes_the_folder_layout(tmp_path, capsys):
    out = tmp_path / "syn"
    assert main(["data", "synth", "--out", str(out), "--num-sequences", "2", "--length", "5", "--size", "64", "48"]) == 0
    ds = open_dataset("auto", out)
    assert ds.format == "folder" and len(ds) == 2
    assert np.allclose(ds[0].boxes, synthetic_sequence(0, 0, 5, (64, 48)).boxes, atol=0.01)
    assert main(["data", "check", str(out)]) == 0
