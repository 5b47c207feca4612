"""Builders of miniature copies of every data set layout, for the data-layer tests.

Each writes tiny frames (a few dozen pixels) in exactly the directory structure and annotation
format of the real distribution, so readers are tested against the layout, not against a mock.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np


def write_jpg(path: Path, w: int = 48, h: int = 32, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    img = cv2.resize(rng.integers(0, 255, (4, 6, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_LINEAR)
    cv2.imwrite(str(path), img)
    return path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_palette_png(path: Path, labels: np.ndarray, palette: list[tuple[int, int, int]]) -> Path:
    """A paletted (colour type 3) PNG, as DAVIS 2017 ships its masks; OpenCV cannot write these."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    h, w = labels.shape
    raw = b"".join(b"\x00" + labels[r].astype(np.uint8).tobytes() for r in range(h))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
           + chunk(b"PLTE", b"".join(bytes(c) for c in palette)) + chunk(b"IDAT", zlib.compress(raw))
           + chunk(b"IEND", b""))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return path


def boxes_text(boxes, sep: str = ",") -> str:
    return "\n".join(sep.join(f"{v:g}" for v in b) for b in boxes) + "\n"


def make_got10k(root: Path) -> Path:
    base = root / "GOT-10k"
    specs = {
        "train": ["GOT-10k_Train_000001", "GOT-10k_Train_000002"],
        "val": ["GOT-10k_Val_000001"],
        "test": ["GOT-10k_Test_000001"],
    }
    for split, names in specs.items():
        write_text(base / split / "list.txt", "\n".join(names) + "\n")
        for k, name in enumerate(names):
            seq = base / split / name
            for i in range(5):
                write_jpg(seq / f"{i + 1:08d}.jpg", seed=i)
            boxes = [[2 + i, 3, 10, 8] for i in range(5)]
            write_text(seq / "groundtruth.txt", boxes_text(boxes[:1] if split == "test" else boxes))
            if split != "test":
                write_text(seq / "absence.label", "0\n0\n1\n0\n0\n")
                write_text(seq / "cover.label", "8\n0\n0\n5\n8\n")
                write_text(seq / "cut_by_image.label", "0\n0\n0\n0\n0\n")
                write_text(seq / "meta_info.ini", "[METAINFO]\nobject_class: dog\nmotion_class: running\n"
                                                  "resolution: (48, 32)\nanno_fps: 10Hz\n")
    return base


def make_lasot(root: Path) -> Path:
    base = root / "LaSOT"
    for name in ("airplane-1", "airplane-2"):
        seq = base / "airplane" / name
        for i in range(6):
            write_jpg(seq / "img" / f"{i + 1:08d}.jpg", seed=i)
        write_text(seq / "groundtruth.txt", boxes_text([[1, 2, 10, 9]] * 6))
        write_text(seq / "full_occlusion.txt", "0,0,1,0,0,0")
        write_text(seq / "out_of_view.txt", "0,0,0,0,1,0")
        write_text(seq / "nlp.txt", "white airplane flying in the sky")
    return base


def make_trackingnet(root: Path) -> Path:
    base = root / "TrackingNet"
    frames = base / "TRAIN_0" / "frames" / "vidA"
    for i in range(12):  # 0..11: lexicographic order would put 10, 11 after 1
        write_jpg(frames / f"{i}.jpg", seed=i)
    write_text(base / "TRAIN_0" / "anno" / "vidA.txt", boxes_text([[i, 1, 5, 6] for i in range(12)]))
    write_text(base / "TRAIN_1" / "anno" / "vidZ.txt", boxes_text([[1, 1, 5, 6]] * 3))
    write_text(base / "TRAIN_1" / "zips" / "vidZ.zip", "not extracted")
    for i in range(4):
        write_jpg(base / "TEST" / "frames" / "vidT" / f"{i}.jpg", seed=i)
    write_text(base / "TEST" / "anno" / "vidT.txt", "3,4,10,11\n")
    return base


def make_otb(root: Path) -> Path:
    base = root / "OTB100"
    for i in range(4):
        write_jpg(base / "Basketball" / "img" / f"{i + 1:04d}.jpg", seed=i)
    write_text(base / "Basketball" / "groundtruth_rect.txt", boxes_text([[1, 2, 8, 9]] * 4, sep="\t"))
    for i in range(3):
        write_jpg(base / "Jogging" / "img" / f"{i + 1:04d}.jpg", seed=i)
    write_text(base / "Jogging" / "groundtruth_rect.1.txt", boxes_text([[1, 1, 5, 5]] * 3, sep=" "))
    write_text(base / "Jogging" / "groundtruth_rect.2.txt", boxes_text([[9, 9, 5, 5]] * 3, sep=", "))
    for i in range(3):
        write_jpg(base / "Human4" / "img" / f"{i + 1:04d}.jpg", seed=i)
    write_text(base / "Human4" / "groundtruth_rect.1.txt", "")
    write_text(base / "Human4" / "groundtruth_rect.2.txt", boxes_text([[2, 2, 6, 6]] * 3))
    for i in range(80):  # official range 1-74: GT covers the first 74 of 80 frames
        write_jpg(base / "Football1" / "img" / f"{i + 1:04d}.jpg", w=8, h=8, seed=i)
    write_text(base / "Football1" / "groundtruth_rect.txt", boxes_text([[1, 1, 3, 3]] * 74))
    return base


def make_uav123(root: Path) -> Path:
    base = root / "UAV123"
    for i in range(133):  # uav2: frames 1-133 in the official table
        write_jpg(base / "data_seq" / "UAV123" / "uav2" / f"{i + 1:06d}.jpg", w=8, h=8, seed=i)
    rows = [[1, 1, 4, 4]] * 133
    text = boxes_text(rows).splitlines()
    text[5] = "NaN,NaN,NaN,NaN"
    write_text(base / "anno" / "UAV123" / "uav2.txt", "\n".join(text) + "\n")
    for i in range(10):  # a split target sharing one folder: custom ranges in the test
        write_jpg(base / "data_seq" / "UAV123" / "toy" / f"{i + 1:06d}.jpg", w=8, h=8, seed=i)
    write_text(base / "anno" / "UAV123" / "toy_1.txt", boxes_text([[1, 1, 4, 4]] * 4))
    write_text(base / "anno" / "UAV123" / "toy_2.txt", boxes_text([[2, 2, 4, 4]] * 5))
    return base


def rle_runs(mask: np.ndarray) -> list[int]:
    """Runs of 0s and 1s, row-major, starting with 0s (VOT's mask encoding)."""
    flat = mask.reshape(-1).astype(bool)
    runs, value, count = [], False, 0
    for v in flat:
        if v == value:
            count += 1
        else:
            runs.append(count)
            value, count = v, 1
    runs.append(count)
    return runs


def rle_line(mask: np.ndarray, x0: int, y0: int) -> str:
    runs = rle_runs(mask)
    h, w = mask.shape
    return "m" + ",".join(str(v) for v in [x0, y0, w, h] + runs)


def make_vot(root: Path) -> Path:
    base = root / "VOT2018"
    write_text(base / "list.txt", "poly\nlegacy\nmasks\n")
    for i in range(3):
        write_jpg(base / "poly" / "color" / f"{i + 1:08d}.jpg", seed=i)
        write_jpg(base / "legacy" / f"{i + 1:08d}.jpg", seed=i)
        write_jpg(base / "masks" / "color" / f"{i + 1:08d}.jpg", seed=i)
    # a diamond polygon centred at (20, 15): axis-aligned min/max box 10,5,20,20
    write_text(base / "poly" / "groundtruth.txt", "20,5,30,15,20,25,10,15\n" * 3)
    write_text(base / "poly" / "occlusion.tag", "0\n1\n0\n")
    write_text(base / "poly" / "sequence", "channels.color=color/%08d.jpg\nfps=30\n")
    write_text(base / "legacy" / "groundtruth.txt", "1,2,10,11\n" * 3)
    mask = np.zeros((6, 8), bool)
    mask[2:5, 3:7] = True
    write_text(base / "masks" / "groundtruth.txt", (rle_line(mask, 10, 4) + "\n") * 3)
    return base


def make_davis(root: Path) -> Path:
    base = root / "DAVIS"
    palette = [(0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0)] + [(0, 0, 0)] * 252
    for i in range(3):
        write_jpg(base / "JPEGImages" / "480p" / "bear" / f"{i:05d}.jpg", seed=i)
        binary = np.zeros((32, 48), np.uint8)
        binary[5 + i:15 + i, 10:30] = 255
        (base / "Annotations" / "480p" / "bear").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(base / "Annotations" / "480p" / "bear" / f"{i:05d}.png"), binary)
        write_jpg(base / "JPEGImages" / "480p" / "dogs" / f"{i:05d}.jpg", seed=i)
        labels = np.zeros((32, 48), np.uint8)
        labels[2:6, 2:8] = 1
        labels[20:30, 30:40] = 2
        if i == 2:
            labels[labels == 1] = 0  # object 1 leaves the frame
        write_palette_png(base / "Annotations" / "480p" / "dogs" / f"{i:05d}.png", labels, palette)
    write_text(base / "ImageSets" / "2017" / "train.txt", "bear\n")
    write_text(base / "ImageSets" / "2017" / "val.txt", "dogs\n")
    return base


def make_coco(root: Path) -> Path:
    base = root / "COCO"
    for k in (1, 2):
        write_jpg(base / "val2017" / f"{k:012d}.jpg", w=64, h=48, seed=k)
    data = {
        "images": [{"id": 1, "file_name": f"{1:012d}.jpg", "width": 64, "height": 48},
                   {"id": 2, "file_name": f"{2:012d}.jpg", "width": 64, "height": 48}],
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 1, "bbox": [5, 6, 20, 15], "iscrowd": 0, "area": 300},
            {"id": 11, "image_id": 1, "category_id": 2, "bbox": [30, 10, 12, 12], "iscrowd": 0, "area": 144},
            {"id": 12, "image_id": 2, "category_id": 1, "bbox": [0, 0, 64, 48], "iscrowd": 1, "area": 3072},
            {"id": 13, "image_id": 2, "category_id": 1, "bbox": [3, 3, 0, 10], "iscrowd": 0, "area": 0},
        ],
        "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "dog"}],
    }
    write_text(base / "annotations" / "instances_val2017.json", json.dumps(data))
    return base


def make_vid(root: Path) -> Path:
    base = root / "ILSVRC2015"
    rel = Path("train") / "ILSVRC2015_VID_train_0000" / "ILSVRC2015_train_00000000"
    for i in range(4):
        write_jpg(base / "Data" / "VID" / rel / f"{i:06d}.JPEG", seed=i)
        objects = [(0, (2 + i, 3, 12 + i, 13), 0)]
        if i >= 2:
            objects.append((1, (20, 5, 30, 20), 1))
        body = "".join(
            f"<object><trackid>{t}</trackid><name>n01503061</name><bndbox><xmax>{b[2]}</xmax><xmin>{b[0]}</xmin>"
            f"<ymax>{b[3]}</ymax><ymin>{b[1]}</ymin></bndbox><occluded>{o}</occluded><generated>0</generated></object>"
            for t, b, o in objects)
        write_text(base / "Annotations" / "VID" / rel / f"{i:06d}.xml",
                   f"<annotation><folder>x</folder><size><width>48</width><height>32</height></size>{body}</annotation>")
    return base


def make_folder(root: Path, n_frames: int = 6) -> Path:
    base = root / "myclips"
    for i in range(n_frames):
        write_jpg(base / "walk" / "img" / f"{i:04d}.jpg", seed=i)
    rows = [f"{3 + i} {4} {10} {9}" for i in range(n_frames)]
    rows[2] = "nan nan nan nan"
    write_text(base / "walk" / "groundtruth.txt", "\n".join(rows) + "\n")
    return base
