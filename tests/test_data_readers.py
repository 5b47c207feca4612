"""Every reader against a miniature copy of its exact on-disk layout (built in tmp_path)."""

from __future__ import annotations

import numpy as np
import pytest

from lighttrack.data import detect_format, open_dataset
from lighttrack.data.datasets.common import packaged_list
from lighttrack.data.datasets.uav123 import frame_ranges
from lighttrack.errors import DataError, InputError
import data_helpers as h


def test_got10k_splits_labels_and_meta(tmp_path):
    root = h.make_got10k(tmp_path)
    train = open_dataset("got10k", root, "train")
    assert train.names == ["GOT-10k_Train_000001", "GOT-10k_Train_000002"]
    seq = train[0]
    assert len(seq) == 5 and seq.boxes.shape == (5, 4)
    # absence (frame 3) and cover 0 (frames 2, 3) hide the target
    assert seq.visible.tolist() == [True, False, False, True, True]
    assert seq.meta["object_class"] == "dog" and seq.meta["resolution"] == "(48, 32)"
    assert seq.frame(0).shape == (32, 48, 3) and seq.frame(0).dtype == np.uint8
    test = open_dataset("got10k", root, "test")[0]
    assert test.meta["first_frame_only"] and not test.issues
    assert np.isfinite(test.boxes[0]).all() and np.isnan(test.boxes[1:]).all()
    assert len(open_dataset("got10k", root)) == 4  # every split folder
    assert open_dataset("got10k", root / "val").names == ["GOT-10k_Val_000001"]
    # the common train/val partition of the train set (versioned files)
    assert open_dataset("got10k", root, "train_split").names == ["GOT-10k_Train_000001"]
    assert open_dataset("got10k", root, "val_split").names == ["GOT-10k_Train_000002"]
    assert len(packaged_list("got10k_train_split.txt")) == 7934
    assert len(packaged_list("got10k_val_split.txt")) == 1401


def test_lasot_visibility_and_testing_split(tmp_path):
    root = h.make_lasot(tmp_path)
    ds = open_dataset("lasot", root)
    seq = ds["airplane-1"]
    assert seq.visible.tolist() == [True, True, False, True, False, True]
    assert seq.meta["class"] == "airplane" and "airplane" in seq.meta["nlp"]
    assert open_dataset("lasot", root, "test").names == ["airplane-1"]  # in testing_set.txt
    assert open_dataset("lasot", root, "train").names == ["airplane-2"]
    assert len(packaged_list("lasot_testing_set.txt")) == 280


def test_trackingnet_numeric_order_chunks_and_zips(tmp_path):
    root = h.make_trackingnet(tmp_path)
    seq = open_dataset("trackingnet", root, "TRAIN_0")["vidA"]
    assert [p.rsplit("/", 1)[1] for p in seq.frame_paths][:3] == ["0.jpg", "1.jpg", "2.jpg"]
    assert seq.frame_paths[-1].endswith("/11.jpg") and seq.boxes[11, 0] == 11
    train = open_dataset("trackingnet", root, "train")
    assert set(train.names) == {"vidA", "vidZ"}
    assert any("zips/vidZ.zip" in p.detail for p in train["vidZ"].issues)
    test = open_dataset("trackingnet", root, "test")["vidT"]
    assert test.meta["first_frame_only"] and len(test) == 4
    with pytest.raises(DataError, match="TRAIN_7"):
        open_dataset("trackingnet", root, "TRAIN_7")


def test_otb_delimiters_two_targets_and_ranges(tmp_path):
    root = h.make_otb(tmp_path)
    ds = open_dataset("otb", root)
    assert set(ds.names) == {"Basketball", "Jogging-1", "Jogging-2", "Human4", "Football1"}
    assert ds["Basketball"].boxes[0].tolist() == [1, 2, 8, 9]  # tab separated
    assert ds["Jogging-2"].boxes[0].tolist() == [9, 9, 5, 5]  # ", " separated
    assert ds["Human4"].meta["gt_file"] == "groundtruth_rect.2.txt"
    football = ds["Football1"]
    assert len(football) == 74 and not football.issues
    assert football.frame_paths[-1].endswith("0074.jpg")


def test_uav123_table_nan_rows_and_subsequence_ranges(tmp_path):
    root = h.make_uav123(tmp_path)
    assert frame_ranges()["bird1_2"] == ("bird1", 775, 1477) and len(frame_ranges()) == 123
    ds = open_dataset("uav123", root)
    seq = ds["uav2"]
    assert len(seq) == 133 and not seq.issues
    assert np.isnan(seq.boxes[5]).all() and not seq.visible[5] and seq.visible[6]
    ds._ranges.update({"toy_1": ("toy", 1, 4), "toy_2": ("toy", 6, 10)})
    second = ds["toy_2"]
    assert len(second) == 5 and second.frame_paths[0].endswith("000006.jpg") and not second.issues


def test_vot_polygons_legacy_layout_and_masks(tmp_path):
    root = h.make_vot(tmp_path)
    ds = open_dataset("vot", root)
    assert ds.names == ["poly", "legacy", "masks"]
    poly = ds["poly"]
    assert poly.boxes[0].tolist() == [10, 5, 20, 20]
    assert poly.meta["tags"]["occlusion"].tolist() == [0, 1, 0] and "/color/" in poly.frame_paths[0]
    area = open_dataset("vot", root, poly_mode="area")["poly"].boxes[0]
    assert np.isclose(area[2] * area[3], 200.0)  # the diamond's area, same centre
    assert np.allclose(area[:2] + area[2:] / 2, [20, 15])
    assert ds["legacy"].boxes[0].tolist() == [1, 2, 10, 11] and len(ds["legacy"]) == 3
    assert ds["masks"].boxes[0].tolist() == [13, 6, 4, 3]


def test_davis_binary_and_palette_masks(tmp_path):
    root = h.make_davis(tmp_path)
    ds = open_dataset("davis", root)
    assert ds.names == ["bear", "dogs_1", "dogs_2"]
    assert ds["bear"].boxes[1].tolist() == [10, 6, 20, 10]
    dog1, dog2 = ds["dogs_1"], ds["dogs_2"]
    assert dog1.boxes[0].tolist() == [2, 2, 6, 4] and np.isnan(dog1.boxes[2]).all() and not dog1.visible[2]
    assert dog2.boxes[2].tolist() == [30, 20, 10, 10]
    assert open_dataset("davis", root, "val").names == ["dogs_1", "dogs_2"]


def test_coco_objects_become_one_frame_sequences(tmp_path):
    root = h.make_coco(tmp_path)
    ds = open_dataset("coco", root)  # the only split is found by itself
    assert ds.names == ["000000000001_10", "000000000001_11", "000000000002_13"]  # crowd left out
    seq = ds[0]
    assert len(seq) == 1 and seq.boxes[0].tolist() == [5, 6, 20, 15] and seq.meta["category"] == "person"
    assert not ds["000000000002_13"].visible[0]  # zero-width box: never sampled


def test_vid_tracks_and_occlusion(tmp_path):
    root = h.make_vid(tmp_path)
    ds = open_dataset("vid", root, "train")
    assert ds.names == ["ILSVRC2015_train_00000000_0", "ILSVRC2015_train_00000000_1"]
    first, second = ds[0], ds[1]
    assert first.boxes[1].tolist() == [3, 3, 10, 10] and first.visible.all()
    assert np.isnan(second.boxes[:2]).all() and second.visible.tolist() == [False, False, True, True]
    assert second.meta["occluded"].tolist() == [False, False, True, True]
    assert first.frame(3).shape == (32, 48, 3)


def test_folder_layout_nan_rows_and_splits(tmp_path):
    root = h.make_folder(tmp_path)
    ds = open_dataset("folder", root)
    seq = ds["walk"]
    assert len(seq) == 6 and np.isnan(seq.boxes[2]).all() and seq.visible.sum() == 5
    assert seq.boxes[1].tolist() == [4, 4, 10, 9]
    (tmp_path / "split").mkdir()
    (root).rename(tmp_path / "split" / "train")
    assert open_dataset("folder", tmp_path / "split", "train").names == ["walk"]
    assert open_dataset("folder", tmp_path / "split").names == ["train/walk"]


@pytest.mark.parametrize("maker,fmt", [
    (h.make_got10k, "got10k"), (h.make_lasot, "lasot"), (h.make_trackingnet, "trackingnet"),
    (h.make_otb, "otb"), (h.make_uav123, "uav123"), (h.make_vot, "vot"), (h.make_davis, "davis"),
    (h.make_coco, "coco"), (h.make_vid, "vid"), (h.make_folder, "folder"),
])
def test_auto_detects_every_layout(tmp_path, maker, fmt):
    assert detect_format(maker(tmp_path)) == fmt


def test_missing_root_and_wrong_layout_name_the_expectation(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        open_dataset("got10k", tmp_path / "nope")
    with pytest.raises(DataError, match="expected"):
        open_dataset("got10k", tmp_path)
    with pytest.raises(DataError, match="unknown data set format"):
        open_dataset("kitti", tmp_path)
    with pytest.raises(DataError, match="split"):
        open_dataset("lasot", h.make_lasot(tmp_path), "dev")


def test_unreadable_frame_names_the_file(tmp_path):
    root = h.make_folder(tmp_path)
    seq = open_dataset("folder", root)[0]
    path = seq.frame_paths[0]
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])  # truncated JPEG
    with pytest.raises(InputError, match="0000.jpg"):
        seq.frame(0)
