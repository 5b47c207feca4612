"""Real video with boxes: the ``realvideo`` reader (1-based boxes, strict counts), the ``box_base``
option of ``folder``, the packaged real-video split and ``open_realvideo_split``."""

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from lighttrack.data import open_dataset
from lighttrack.data.datasets import detect_format
from lighttrack.data.realvideo import (SPLIT_FILE, data_root, open_realvideo_split, split_assignment,
                                       split_table)
from lighttrack.errors import DataError

WORK = Path(__file__).resolve().parents[2]
REALVIDEO = Path(os.environ.get("LIGHTTRACK_REALVIDEO") or WORK / "data" / "realvideo")
DAVIS = Path(os.environ.get("LIGHTTRACK_DAVIS") or WORK / "shared" / "data" / "davis2016")
CONFIGS = Path(__file__).resolve().parents[1] / "configs"

# What ../shared/realvideo/README.md suggests, with both halves of a split UAV123 video kept together.
EXPECTED_VAL = {
    "DTB70/Gull2", "DTB70/MountainBike6", "DTB70/Surfing06", "UAVDT/S0310", "UAVDT/S1001",
    "UAV123_10fps/car16_1", "UAV123_10fps/car16_2", "UAV123_10fps/group2_2", "UAV123_10fps/person11",
    "UAV123_10fps/truck4_1", "UAV123_10fps/truck4_2", "UAV123_10fps/wakeboard5",
}


def make_clip(root: Path, name: str, rows: list[str], frames: int | None = None, meta: dict | None = None,
              size=(48, 64)) -> Path:
    """A tiny clip: ``frames`` JPEGs (default one per row), groundtruth.txt, meta.json."""
    d = root / name
    (d / "img").mkdir(parents=True)
    n = len(rows) if frames is None else frames
    for i in range(n):
        cv2.imwrite(str(d / "img" / f"{i + 1:08d}.jpg"), np.full((*size, 3), 40 * i % 255, np.uint8))
    (d / "groundtruth.txt").write_text("\n".join(rows) + "\n")
    info = {"bench": name.split("/")[0], "name": name.split("/")[1], "frames": n, "width": size[1],
            "height": size[0], "note": "coordinates as in the source (1-based, MATLAB convention)"}
    info.update(meta or {})
    (d / "meta.json").write_text(json.dumps(info))
    return d


def write_split(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path.write_text("# test split\n" + "".join(f"{s} {c} {side}\n" for s, c, side in rows))
    return path


# --------------------------------------------------------------------------------------------
# The reader


def test_one_based_boxes_become_zero_based(tmp_path):
    make_clip(tmp_path, "BENCH/clip", ["11,21,30,40", "nan,nan,nan,nan", "1,1,5,6"])
    ds = open_dataset("realvideo", tmp_path)
    assert ds.names == ["BENCH/clip"]
    seq = ds["BENCH/clip"]
    np.testing.assert_array_equal(seq.boxes[0], [10, 20, 30, 40])  # x, y shift by one; w, h do not
    np.testing.assert_array_equal(seq.boxes[2], [0, 0, 5, 6])  # the top-left pixel is (0, 0)
    assert np.all(np.isnan(seq.boxes[1])) and list(seq.visible) == [True, False, True]
    assert seq.meta["resolution"] == (64, 48) and seq.meta["box_base"] == 1
    assert seq.frame(0).shape == (48, 64, 3)
    assert detect_format(tmp_path) == "realvideo"


def test_folder_box_base_is_the_same_conversion(tmp_path):
    make_clip(tmp_path, "BENCH/clip", ["11,21,30,40", "12,22,30,40"])
    real = open_dataset("realvideo", tmp_path)["BENCH/clip"].boxes
    as_folder = open_dataset("folder", tmp_path / "BENCH", box_base=1)["clip"].boxes
    raw = open_dataset("folder", tmp_path / "BENCH")["clip"].boxes
    np.testing.assert_array_equal(real, as_folder)
    np.testing.assert_array_equal(raw - [1, 1, 0, 0], real)
    with pytest.raises(DataError, match="box_base"):
        open_dataset("folder", tmp_path / "BENCH", box_base=2)


def test_meta_box_base_overrides_the_format(tmp_path):
    make_clip(tmp_path, "BENCH/zero", ["11,21,30,40"], meta={"box_base": 0})
    np.testing.assert_array_equal(open_dataset("realvideo", tmp_path)["BENCH/zero"].boxes[0], [11, 21, 30, 40])


def test_frames_and_boxes_that_disagree_name_the_clip(tmp_path):
    make_clip(tmp_path, "BENCH/good", ["1,1,5,5"] * 3)
    make_clip(tmp_path, "BENCH/short", ["1,1,5,5"] * 4, frames=3)
    ds = open_dataset("realvideo", tmp_path)
    assert len(ds["BENCH/good"]) == 3
    with pytest.raises(DataError, match=r"clip BENCH/short has 3 frames but 4 boxes"):
        ds["BENCH/short"]


def test_meta_frame_count_and_bad_rows_are_errors(tmp_path):
    make_clip(tmp_path, "BENCH/meta", ["1,1,5,5"] * 3, meta={"frames": 5})
    make_clip(tmp_path, "BENCH/rows", ["1,1,5,5", "one,two", "1,1,5,5"])
    ds = open_dataset("realvideo", tmp_path)
    with pytest.raises(DataError, match=r"BENCH/meta .*meta.json says 5"):
        ds["BENCH/meta"]
    with pytest.raises(DataError, match=r"BENCH/rows.*unreadable line"):
        ds["BENCH/rows"]


def test_empty_root_names_the_layout(tmp_path):
    with pytest.raises(DataError, match="no clips"):
        open_dataset("realvideo", tmp_path)


# --------------------------------------------------------------------------------------------
# Splits


def test_reader_split_follows_the_split_file(tmp_path):
    root = tmp_path / "rv"
    for c in ("A/one", "A/two", "B/three"):
        make_clip(root, c, ["1,1,5,5"] * 2)
    split = write_split(tmp_path / "split.txt", [("realvideo", "A/one", "val"), ("realvideo", "A/two", "train"),
                                                 ("realvideo", "B/three", "train")])
    assert open_dataset("realvideo", root, split="val", split_file=split).names == ["A/one"]
    assert open_dataset("realvideo", root, split="train", split_file=split).names == ["A/two", "B/three"]
    with pytest.raises(DataError, match="unknown split"):
        open_dataset("realvideo", root, split="test", split_file=split)
    write_split(split, [("realvideo", "A/one", "val"), ("realvideo", "A/two", "train")])
    with pytest.raises(DataError, match=r"B/three .*in no split"):
        open_dataset("realvideo", root, split="val", split_file=split)
    write_split(split, [("realvideo", "A/one", "val"), ("realvideo", "A/two", "train"),
                        ("realvideo", "B/three", "train"), ("realvideo", "C/four", "val")])
    with pytest.raises(DataError, match=r"missing .*C/four"):
        open_dataset("realvideo", root, split="val", split_file=split)


def test_bad_split_file_lines(tmp_path):
    bad = tmp_path / "split.txt"
    bad.write_text("realvideo A/one validation\n")
    with pytest.raises(DataError, match=r"split.txt:1: expected"):
        split_table(bad)
    bad.write_text("realvideo A/one val\nrealvideo A/one train\n")
    with pytest.raises(DataError, match="listed twice"):
        split_table(bad)


def test_roots_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("LIGHTTRACK_REALVIDEO", raising=False)
    with pytest.raises(DataError, match="LIGHTTRACK_REALVIDEO is not set"):
        data_root("realvideo")
    monkeypatch.setenv("LIGHTTRACK_DAVIS", str(tmp_path / "missing"))
    with pytest.raises(DataError, match="LIGHTTRACK_DAVIS=.*missing is not a folder"):
        data_root("davis2016")
    monkeypatch.setenv("LIGHTTRACK_REALVIDEO", str(tmp_path))
    assert data_root("realvideo") == tmp_path
    assert data_root("realvideo", tmp_path / ".") == tmp_path / "."  # an explicit root wins


def test_open_realvideo_split_joins_both_sources(tmp_path, monkeypatch):
    rv, davis = tmp_path / "rv", tmp_path / "davis"
    make_clip(rv, "A/one", ["11,21,30,40"] * 2)
    make_clip(rv, "A/two", ["1,1,5,5"] * 2)
    make_clip(davis, "val/cat", ["10,20,30,40"] * 3)  # DAVIS: 0-based already, no meta needed
    make_clip(davis, "train/dog", ["1,1,5,5"] * 3)
    split = write_split(tmp_path / "split.txt", [
        ("realvideo", "A/one", "val"), ("realvideo", "A/two", "train"),
        ("davis2016", "val/cat", "val"), ("davis2016", "train/dog", "train")])
    monkeypatch.setenv("LIGHTTRACK_REALVIDEO", str(rv))
    monkeypatch.setenv("LIGHTTRACK_DAVIS", str(davis))
    val = open_realvideo_split("val", split_file=split)
    assert val.names == ["realvideo/A/one", "davis2016/val/cat"]
    assert open_realvideo_split("train", split_file=split).names == ["realvideo/A/two", "davis2016/train/dog"]
    # one convention for both: the same pixels give the same 0-based box
    np.testing.assert_array_equal(val["realvideo/A/one"].boxes[0], val["davis2016/val/cat"].boxes[0])
    assert val["davis2016/val/cat"].meta["source"] == "davis2016"
    make_clip(davis, "val/cow", ["1,1,5,5"] * 3)
    with pytest.raises(DataError, match=r"davis2016: clip\(s\) val/cow .*in no split"):
        open_realvideo_split("val", split_file=split)
    (davis / "val" / "cow" / "groundtruth.txt").unlink()
    (rv / "A" / "one" / "groundtruth.txt").write_text("1,1,5,5\n")  # 2 frames, 1 box
    with pytest.raises(DataError, match=r"clip A/one has 2 frames but 1 boxes"):
        open_realvideo_split("val", split_file=split)  # check=True reads every clip up front


# --------------------------------------------------------------------------------------------
# The packaged split (no data needed)


def test_packaged_split_is_the_suggested_one():
    rows = split_table()
    assert SPLIT_FILE.name == "realvideo_split.txt"
    real = split_assignment("realvideo")
    davis = split_assignment("davis2016")
    assert {c for c, side in real.items() if side == "val"} == EXPECTED_VAL
    assert len(real) == 34 and len(davis) == 42 and len(rows) == 76
    # DAVIS: val is validation, train is training; nothing crosses
    assert all(side == clip.split("/")[0] for clip, side in davis.items())
    assert sum(side == "val" for side in davis.values()) == 15
    # the two halves of a UAV123 video (name_1, name_2, ...) sit on the same side
    videos: dict[str, set] = {}
    for clip, side in real.items():
        bench, name = clip.split("/")
        if bench.startswith("UAV123") and name.rsplit("_", 1)[-1].isdigit():
            videos.setdefault(name.rsplit("_", 1)[0], set()).add(side)
    assert videos and all(len(sides) == 1 for sides in videos.values()), videos
    assert videos["group1"] == {"train"}


def test_no_training_recipe_trains_on_validation_clips():
    checked = 0
    for path in sorted(CONFIGS.glob("*.yaml")):
        cfg = yaml.safe_load(path.read_text()) or {}
        for src in ((cfg.get("data") or {}).get("train") or []):
            checked += 1
            root, split = str(src.get("root", "")), src.get("split")
            assert not ("davis" in root.lower() and split == "val"), f"{path.name} trains on DAVIS val"
            if src.get("format") == "realvideo":
                assert split == "train", f"{path.name} trains on realvideo split {split!r}"
    assert checked > 10


# --------------------------------------------------------------------------------------------
# The built data (skipped where it is absent, as in a fresh clone)

needs_realvideo = pytest.mark.skipif(not REALVIDEO.is_dir(), reason=f"real-video clips not built at {REALVIDEO} "
                                     "(../shared/realvideo/build.py; or set LIGHTTRACK_REALVIDEO)")
needs_davis = pytest.mark.skipif(not DAVIS.is_dir(), reason=f"DAVIS-2016 folder layout not found at {DAVIS} (../shared)")


@needs_realvideo
def test_split_file_covers_every_built_clip_once():
    built = open_dataset("realvideo", REALVIDEO).names
    listed = [clip for src, clip, _ in split_table() if src == "realvideo"]
    assert len(listed) == len(set(listed))
    assert sorted(built) == sorted(listed)
    seq = open_dataset("realvideo", REALVIDEO)["DTB70/Gull2"]
    first = [float(v) for v in (REALVIDEO / "DTB70" / "Gull2" / "groundtruth.txt").read_text().split("\n")[0].split(",")]
    np.testing.assert_array_equal(seq.boxes[0], np.array(first) - [1, 1, 0, 0])


@needs_davis
def test_split_file_covers_every_davis_clip_once():
    on_disk = open_dataset("folder", DAVIS).names
    listed = [clip for src, clip, _ in split_table() if src == "davis2016"]
    assert sorted(on_disk) == sorted(listed)


@needs_realvideo
@needs_davis
def test_the_validation_split_reads_whole():
    val = open_realvideo_split("val", REALVIDEO, DAVIS)  # reads every clip: counts agree everywhere
    train = open_realvideo_split("train", REALVIDEO, DAVIS)
    assert len(val) == 27 and len(train) == 49
    assert not set(val.names) & set(train.names)
    assert "realvideo/UAV123_10fps/car16_1" in val.names and "davis2016/val/blackswan" in val.names
