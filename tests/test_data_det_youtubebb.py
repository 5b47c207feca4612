"""ImageNet DET and YouTube-BB readers on miniature layouts built here (generated images, XML, CSV):
the sequences they give, `data check / stats / cache` on valid and malformed copies, the sampler."""

from __future__ import annotations

import json

import data_helpers as h
import numpy as np
import pytest

from lighttrack.cli import main
from lighttrack.data import PairDataset, PairSampler, Source, open_dataset
from lighttrack.data.cache import build_cache
from lighttrack.data.datasets.youtubebb import parse_row
from lighttrack.data.imagesize import image_size
from lighttrack.data.validate import check_dataset

DOG, CAT = "n02084071", "n02121808"


def _det_xml(width, height, objects, folder="x"):
    """A DET annotation as the devkit writes it, one element per line (so lines are countable)."""
    lines = ["<annotation>", f"\t<folder>{folder}</folder>", "\t<filename>img</filename>",
             "\t<size>", f"\t\t<width>{width}</width>", f"\t\t<height>{height}</height>", "\t</size>"]
    for synset, (x1, y1, x2, y2) in objects:
        lines += ["\t<object>", f"\t\t<name>{synset}</name>", "\t\t<bndbox>",
                  f"\t\t\t<xmin>{x1}</xmin>", f"\t\t\t<xmax>{x2}</xmax>",
                  f"\t\t\t<ymin>{y1}</ymin>", f"\t\t\t<ymax>{y2}</ymax>", "\t\t</bndbox>", "\t</object>"]
    return "\n".join(lines + ["</annotation>"]) + "\n"


def make_det(root, bad_box=False, bad_synset=False, with_sets=True):
    base = root / "ILSVRC"
    train = {
        f"ILSVRC2013_train/{DOG}/{DOG}_1": [(DOG, (4, 5, 30, 25)), (DOG, (33, 2, 60, 40))],
        f"ILSVRC2013_train/{CAT}/{CAT}_7": [(CAT, (0, 0, 64, 48))],  # touching the borders is inside
        "ILSVRC2014_train_0000/ILSVRC2014_train_00000001": [(CAT, (10, 10, 20, 20))],
        "ILSVRC2014_train_0000/ILSVRC2014_train_00000002": [],  # a negative image
    }
    if bad_box:
        train[f"ILSVRC2013_train/{DOG}/{DOG}_1"][1] = (DOG, (33, 2, 70, 40))
    if bad_synset:
        train["ILSVRC2014_train_0000/ILSVRC2014_train_00000001"].append(("n99999999", (1, 1, 9, 9)))
    val = {"ILSVRC2012_val_00000001": [(DOG, (8, 8, 40, 30))]}
    for split, images in (("train", train), ("val", val)):
        for k, (image_id, objects) in enumerate(images.items()):
            h.write_jpg(base / "Data" / "DET" / split / f"{image_id}.JPEG", w=64, h=48, seed=k)
            h.write_text(base / "Annotations" / "DET" / split / f"{image_id}.xml", _det_xml(64, 48, objects))
    if with_sets:
        sets = base / "ImageSets" / "DET"
        ids = list(train)
        h.write_text(sets / "train_1.txt", f"{ids[0]} 1\n{ids[1]} -1\n{ids[3]} -1\n")  # class 1's list
        h.write_text(sets / "train_2.txt", f"{ids[1]} 1\n{ids[2]} 1\n{ids[0]} -1\n")
        h.write_text(sets / "val.txt", "ILSVRC2012_val_00000001 1\n")
    return root


def test_det_objects_become_one_frame_sequences(tmp_path):
    root = make_det(tmp_path)
    ds = open_dataset("det", root, "train")  # the parent of ILSVRC/ is accepted too
    assert len(ds) == 4  # two dogs, one cat filling its image, one cat; the negative image has none
    seq = ds[f"ILSVRC2013_train_{DOG}_{DOG}_1_1"]
    assert len(seq) == 1 and seq.frame_paths[0].endswith(f"{DOG}_1.JPEG")
    np.testing.assert_allclose(seq.boxes[0], [33, 2, 27, 38])
    assert seq.visible[0] and seq.meta["synset"] == DOG and seq.frame(0).shape == (48, 64, 3)
    assert all(r.ok for r in check_dataset(ds, progress=False))
    val = open_dataset("det", root / "ILSVRC", "val")
    assert val.names == ["ILSVRC2012_val_00000001_0"]
    assert open_dataset("auto", root).format == "det"
    # without ImageSets/DET every XML of the split is read
    plain = open_dataset("det", make_det(tmp_path / "plain", with_sets=False), "train")
    assert sorted(plain.names) == sorted(ds.names)


def test_det_check_names_xml_file_and_line(tmp_path, capsys):
    root = make_det(tmp_path, bad_box=True, bad_synset=True)
    assert main(["data", "check", str(root), "--format", "det", "--split", "train", "--json"]) == 1
    findings = {f["sequence"]: [p["detail"] for p in f["problems"]] for f in json.loads(capsys.readouterr().out)}
    outside = findings[f"ILSVRC2013_train_{DOG}_{DOG}_1_1"][0]
    assert f"{DOG}_1.xml:17:" in outside and "outside its 64x48 image" in outside  # the second <object>
    unknown = findings["ILSVRC2014_train_0000_ILSVRC2014_train_00000001_1"][0]
    assert "ILSVRC2014_train_00000001.xml:17:" in unknown and "unknown synset 'n99999999'" in unknown
    assert len(findings) == 2  # nothing else is lost: the same images' other objects are fine
    ds = open_dataset("det", root, "train")
    assert ds[f"ILSVRC2013_train_{DOG}_{DOG}_1_0"].visible[0]
    assert not ds[f"ILSVRC2013_train_{DOG}_{DOG}_1_1"].visible[0]  # never drawn for training


def test_det_listed_image_without_xml_and_broken_xml(tmp_path):
    root = make_det(tmp_path)
    sets = root / "ILSVRC" / "ImageSets" / "DET" / "val.txt"
    sets.write_text("ILSVRC2012_val_00000001 1\nILSVRC2012_val_00000009 2\n")
    xml = root / "ILSVRC" / "Annotations" / "DET" / "val" / "ILSVRC2012_val_00000001.xml"
    xml.write_text("<annotation>\n<size><width>64</width>\n</annotation>\n")
    reports = {r.name: r for r in check_dataset(open_dataset("det", root, "val"), progress=False)}
    assert "val.txt:2: lists ILSVRC2012_val_00000009" in reports["ILSVRC2012_val_00000009"].problems[0].detail
    assert "ILSVRC2012_val_00000001.xml:3: not a readable DET annotation" in reports["ILSVRC2012_val_00000001"].problems[0].detail


def _ytbb_rows():
    """Two tracks of one video and one of another; rows as the distributed CSV writes them."""
    rows = []
    for k, ts in enumerate((1000, 2000, 3000, 4000)):
        present = k != 2
        rows.append(("AAAAAAAAAAA", ts, 0, "person", 0, "present" if present else "absent",
                     *((0.1 + 0.05 * k, 0.5 + 0.05 * k, 0.2, 0.8) if present else (-1, -1, -1, -1))))
    rows.append(("AAAAAAAAAAA", 1000, 0, "person", 1, "present", 0.6, 0.9, 0.1, 0.5))
    rows.append(("AAAAAAAAAAA", 2000, 0, "person", 1, "present", 0.6, 0.95, 0.1, 0.5))
    rows += [("B-b_bbbbbbb", ts, 22, "dog", 0, "present", 0.25, 0.75, 0.25, 0.75) for ts in (0, 1000, 2000)]
    return rows


def make_youtubebb(root, rows=None, skip_frames=()):
    base = root / "youtube_bb"
    rows = _ytbb_rows() if rows is None else rows
    h.write_text(base / "yt_bb_detection_train.csv", "".join(",".join(str(v) for v in r) + "\n" for r in rows))
    for i, r in enumerate(rows):
        if len(r) < 6:
            continue
        youtube_id, ts, class_id, _, object_id, presence = r[:6]
        if presence == "present" and i not in skip_frames:
            h.write_jpg(base / "yt_bb_detection_train" / str(class_id) / f"{youtube_id}_{ts}_{class_id}_{object_id}.jpg",
                        w=80, h=60, seed=i)
    return base


def test_youtubebb_tracks_absent_rows_and_relative_boxes(tmp_path):
    root = make_youtubebb(tmp_path)
    ds = open_dataset("youtubebb", root)  # split train by default
    assert ds.names == ["AAAAAAAAAAA_0_0", "AAAAAAAAAAA_0_1", "B-b_bbbbbbb_22_0"]
    seq = ds["AAAAAAAAAAA_0_0"]
    assert len(seq) == 4 and seq.visible.tolist() == [True, True, False, True]
    assert np.isnan(seq.boxes[2]).all() and seq.meta["resolution"] == (80, 60)
    np.testing.assert_allclose(seq.boxes[1], [0.15 * 80, 0.2 * 60, 0.4 * 80, 0.6 * 60])
    assert seq.meta["timestamps_ms"].tolist() == [1000, 2000, 3000, 4000]
    assert seq.frame_paths[3].endswith("yt_bb_detection_train/0/AAAAAAAAAAA_4000_0_0.jpg")
    assert all(r.ok for r in check_dataset(ds, progress=False))  # the absent row's frame need not exist
    assert open_dataset("auto", root).format == "youtubebb"


def test_youtubebb_check_names_csv_line(tmp_path, capsys):
    rows = _ytbb_rows()
    rows.insert(5, ("AAAAAAAAAAA", "x", 0, "person"))  # line 6: a broken row
    root = make_youtubebb(tmp_path, rows, skip_frames={6})  # line 7: a present row without its frame
    assert main(["data", "check", str(root), "-f", "youtubebb", "--json"]) == 1
    findings = {f["sequence"]: [p["detail"] for p in f["problems"]] for f in json.loads(capsys.readouterr().out)}
    assert set(findings) == {"AAAAAAAAAAA_0_1", "yt_bb_detection_train.csv"}
    assert "yt_bb_detection_train.csv:7: frame" in findings["AAAAAAAAAAA_0_1"][0]
    assert "AAAAAAAAAAA_2000_0_1.jpg is missing" in findings["AAAAAAAAAAA_0_1"][0]
    assert "yt_bb_detection_train.csv:6: 4 fields" in findings["yt_bb_detection_train.csv"][0]
    seq = open_dataset("youtubebb", root)["AAAAAAAAAAA_0_1"]
    assert seq.visible.tolist() == [True, False]  # the row stays, as an invisible frame


def test_parse_row_rejects_bad_fields():
    assert parse_row(["v", "10", "0", "person", "0", "present", "0.1", "0.2", "0.1", "0.2"])[1][:2] == [10.0, 1.0]
    assert "neither" in parse_row(["v", "10", "0", "person", "0", "maybe", "0", "0", "0", "0"])
    assert "integer" in parse_row(["v", "1.5", "0", "person", "0", "present", "0", "0", "0", "0"])


def test_image_size_from_headers(tmp_path):
    jpg = h.write_jpg(tmp_path / "a.jpg", w=81, h=37)
    assert image_size(jpg) == (81, 37)
    import cv2

    cv2.imwrite(str(tmp_path / "b.png"), np.zeros((12, 7, 3), np.uint8))
    assert image_size(tmp_path / "b.png") == (7, 12)
    assert image_size(tmp_path / "none.jpg") is None


@pytest.mark.parametrize("fmt,maker", [("det", make_det), ("youtubebb", make_youtubebb)])
def test_stats_cache_and_sampler(tmp_path, capsys, fmt, maker):
    root = maker(tmp_path / "src")
    assert main(["data", "stats", str(root), "-f", fmt, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["usable_frames"] == (4 if fmt == "det" else 8)
    ds = open_dataset(fmt, root)
    summary = build_cache(ds, tmp_path / "cache", progress=False)
    assert summary["frames_failed"] == 0
    cached = open_dataset("cache", tmp_path / "cache")
    assert cached.names == ds.names
    pairs = PairDataset(PairSampler([Source(ds, 6, 3 if fmt == "youtubebb" else 100)], seed=1))
    item = pairs.item(0, 0)
    assert item["template"].shape == (3, 128, 128) and pairs.skipped == 0


PAPER_MIX = [("youtubebb", 200000, 3), ("vid", 100000, 100), ("coco", 50000, 1), ("det", 50000, 100),
             ("got10k", 200000, 100)]


@pytest.mark.parametrize("recipe", ["supernet_paper.yaml", "retrain_mobile_paper.yaml"])
def test_paper_recipes_name_all_five_sources(recipe, tmp_path, monkeypatch):
    from pathlib import Path

    from lighttrack.errors import ConfigError
    from lighttrack.train.config import load_config

    path = Path(__file__).resolve().parents[1] / "configs" / recipe
    variables = ["LIGHTTRACK_YOUTUBEBB", "LIGHTTRACK_VID", "LIGHTTRACK_COCO", "LIGHTTRACK_DET", "LIGHTTRACK_GOT10K"]
    for name in variables:
        monkeypatch.setenv(name, str(tmp_path))
    cfg = load_config(path)
    assert [(s.format, s.pairs, s.frame_range) for s in cfg.data.train] == PAPER_MIX
    assert cfg.data.pairs_per_epoch == sum(p for _, p, _ in PAPER_MIX) == 600000
    monkeypatch.delenv("LIGHTTRACK_DET")
    monkeypatch.setenv("LIGHTTRACK_YOUTUBEBB", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="LIGHTTRACK_YOUTUBEBB=.* is not a folder.*also not set or not a folder: LIGHTTRACK_DET"):
        load_config(path)
