"""The search split (issue 26 part 3): held out of the training side, never overlapping validation."""

import os

import pytest

from lighttrack.data.realvideo import READ_SPLITS, SEARCH_SPLIT_FILE, search_clips, split_table
from lighttrack.errors import ConfigError, DataError
from lighttrack.search.runner import search_config_from_dict
from lighttrack.search.split_guard import check_search_split


def test_recorded_search_split_is_on_the_training_side():
    sides = {(src, clip): side for src, clip, side in split_table()}
    clips = search_clips()
    assert len(clips) == 17 and all(sides[c] == "train" for c in clips)
    assert {src for src, _ in clips} == {"realvideo", "davis2016"}
    # halves of one UAV123 video stay on one side
    held = {clip for src, clip in clips if src == "realvideo"}
    assert {"UAV123_10fps/group1_1", "UAV123_10fps/group1_3", "UAV123_10fps/group1_4"} <= held


def test_search_split_overlapping_validation_is_refused(tmp_path):
    bad = tmp_path / "search.txt"
    bad.write_text(SEARCH_SPLIT_FILE.read_text() + "realvideo DTB70/Gull2\ndavis2016 val/blackswan\n")
    with pytest.raises(DataError, match=r"overlaps the validation split.*DTB70/Gull2.*never searched on"):
        search_clips(bad)
    with pytest.raises(DataError, match="not a clip of"):
        (tmp_path / "unknown.txt").write_text("realvideo NOPE/none\n")
        search_clips(tmp_path / "unknown.txt")
    # through a search config: its validation source names the bad file
    with pytest.raises(DataError, match="overlaps the validation split"):
        check_search_split({"val": [{"format": "realvideo", "root": "x", "split": "search", "options": {"search_file": str(bad)}}]})


def search_cfg(val):
    return {"supernet": "runs/none/supernet.pt", "constraints": [{"name": "m300", "max_macs": 3e8}],
            "data": {"train": [{"format": "synthetic", "pairs": 2}], "val": val}}


@pytest.mark.parametrize("fmt,split", [("realvideo", "val"), ("realvideo-split", "val"), ("realvideo", None)])
def test_search_config_scoring_on_validation_is_refused_before_work(fmt, split):
    with pytest.raises(ConfigError, match=r"data.val.0.split.*validation split.*never searched on"):
        search_config_from_dict(search_cfg([{"format": fmt, "root": "/nonexistent", "split": split}]))


def test_search_config_on_a_davis_val_folder_is_refused(tmp_path):
    (tmp_path / "val" / "blackswan").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"data.val.0.*val/blackswan.*never searched on"):
        search_config_from_dict(search_cfg([{"format": "folder", "root": str(tmp_path), "split": "val"}]))
    cfg = search_config_from_dict(search_cfg([{"format": "realvideo-split", "root": "/nonexistent", "split": "search"}]))
    assert cfg.data["val"][0]["split"] == "search"


@pytest.mark.skipif(not (os.environ.get("LIGHTTRACK_REALVIDEO") and os.environ.get("LIGHTTRACK_DAVIS")),
                    reason="needs the real-video data (LIGHTTRACK_REALVIDEO, LIGHTTRACK_DAVIS)")
def test_readers_split_the_training_side():
    from lighttrack.data.datasets import open_dataset

    names = {s: set(open_dataset("realvideo-split", os.environ["LIGHTTRACK_REALVIDEO"], split=s).names) for s in READ_SPLITS}
    assert names["search"] | names["supernet"] == names["train"] and not names["search"] & names["supernet"]
    assert not names["val"] & names["train"] and len(names["search"]) == 17
