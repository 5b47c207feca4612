"""Bad-input campaign (issue 19, part 2): hundreds of malformed inputs through every entry point.

Each case writes one malformed input into its own folder under a temporary directory and runs it
through the entry point that reads it: ``lighttrack data check``, every reader
(``lighttrack.data.open_dataset`` on each layout, every frame decoded), ``lighttrack track``,
``lighttrack eval``, ``lighttrack export onnx``, ``lighttrack train`` / ``search`` configs
(``--dry-run``), checkpoint loading (``models.load_weights``, ``Tracker.from_weights``) and ONNX
folders (``Tracker.from_onnx``).

Pass means no Python traceback reaches the user. Outcomes:

- ``error``: a clear one-line error (a ``LightTrackError`` from the library; from the CLI a
  non-zero exit with one ``lighttrack <cmd>: error: ...`` line, or argparse's usage error);
- ``handled``: the documented handling (a reader records the problem in ``Sequence.issues``, a
  frame is marked absent, ``data check`` lists the problem and exits 1, the tracker keeps going);
- ``BUG``: any other exception or a traceback in the output (the exception type is recorded).

CLI cases run in-process through ``lighttrack.cli.main(argv)``; ``--subprocess N`` also runs N of
them as real ``lighttrack`` processes and checks they end the same way.

    python benchmarks/bad_inputs.py                  # every case, JSON table + totals
    python benchmarks/bad_inputs.py --sample 40 --seed 0 --summary-only
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, NamedTuple

import cv2
import numpy as np

from lighttrack.errors import LightTrackError

# --------------------------------------------------------------------------------------------
# small writers


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def jpg_bytes(w: int = 48, h: int = 32, seed: int = 0, ext: str = ".jpg") -> bytes:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return buf.tobytes()


def cmyk_jpg_bytes(w: int = 48, h: int = 32) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("CMYK", (w, h), (10, 200, 30, 0)).save(out, format="JPEG")
    return out.getvalue()


def png16_bytes(w: int = 48, h: int = 32, channels: int = 3) -> bytes:
    shape = (h, w, channels) if channels > 1 else (h, w)
    image = np.random.default_rng(0).integers(0, 65535, shape, dtype=np.uint16)
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


# Ground-truth file contents: name -> text (or bytes). Five frames of 48x32 each.
GOOD_ROWS = ["2,3,10,8", "3,3,10,8", "4,3,10,8", "5,3,10,8", "6,3,10,8"]


def rows(*replace: tuple[int, str]) -> str:
    out = list(GOOD_ROWS)
    for i, text in replace:
        out[i] = text
    return "\n".join(out) + "\n"


GT_VARIANTS: dict[str, str | bytes] = {
    "empty": "",
    "blank_lines": "\n\n\n",
    "three_columns": "\n".join(r.rsplit(",", 1)[0] for r in GOOD_ROWS) + "\n",
    "five_columns": "\n".join(r + ",1" for r in GOOD_ROWS) + "\n",
    "seven_columns": "\n".join(r + ",1,2,3" for r in GOOD_ROWS) + "\n",
    "one_column": "1\n2\n3\n4\n5\n",
    "mixed_delimiters": "2,3 10\t8\n3;3,10 8\n4 3\t10,8\n5,3,10,8\n6\t3\t10\t8\n",
    "nan_row": rows((2, "nan,nan,nan,nan")),
    "partial_nan": rows((1, "2,nan,10,8")),
    "inf_row": rows((3, "inf,3,10,8")),
    "neg_inf_size": rows((3, "2,3,-inf,8")),
    "negative_size": rows((1, "2,3,-10,8")),
    "zero_size": rows((0, "2,3,0,0")),
    "zero_first_frame": rows((0, "0,0,0,0")),
    "trailing_garbage_line": rows() + "this is not a box\n",
    "trailing_garbage_cols": rows((4, "6,3,10,8 xyz")),
    "binary_junk": bytes(range(256)) * 4,
    "non_utf8": rows().encode() + b"\xff\xfe\xfa\n",
    "latin1_row": rows((2, "4,3,10,8")).encode().replace(b"4,3,10,8", b"4,3,10\xe9,8"),
    "utf16_bom": rows().encode("utf-16"),
    "too_many_rows": rows() + "\n".join(GOOD_ROWS) + "\n",
    "too_few_rows": "2,3,10,8\n",
    "huge_numbers": rows((2, "1e308,1e308,1e308,1e308")),
    "box_outside_frame": rows((0, "500,500,10,8")),
    "polygon_with_nan": rows((1, "1,1,nan,1,5,5,1,5")),
    "odd_polygon": rows((1, "1,1,5,1,5,5,1")),
    "crlf": rows().replace("\n", "\r\n"),
    "hex_numbers": rows((1, "0x2,0x3,0xa,0x8")),
    "only_header": "x,y,w,h\n",
    "header_then_rows": "x,y,w,h\n" + rows(),
}


def make_frames(folder: Path, n: int = 5, name=lambda i: f"{i + 1:08d}.jpg", ext: str = ".jpg") -> None:
    for i in range(n):
        write(folder / name(i), jpg_bytes(seed=i, ext=ext))


# Each layout: a function (root, gt_text, frame_hook) -> (format, root, split). frame_hook(folder,
# names) may damage the frames after they are written.
def _one_clip_layout(fmt: str, base_name: str, img: str, gt_file: str, name, split=None):
    """A layout of one clip: its frames in ``img`` and its boxes in ``gt_file``, under ``base_name``."""
    def build(root: Path, gt, hook=None):
        base = root / base_name
        make_frames(base / img, name=name)
        write(base / gt_file, gt)
        if hook:
            hook(base / img)
        return fmt, base, split
    return build


layout_folder = _one_clip_layout("folder", "clips", "walk/img", "walk/groundtruth.txt", lambda i: f"{i:04d}.jpg")
layout_otb = _one_clip_layout("otb", "OTB100", "Toy/img", "Toy/groundtruth_rect.txt", lambda i: f"{i + 1:04d}.jpg")
layout_uav123 = _one_clip_layout("uav123", "UAV123", "data_seq/UAV123/toy", "anno/UAV123/toy.txt", lambda i: f"{i + 1:06d}.jpg")
layout_trackingnet = _one_clip_layout("trackingnet", "TrackingNet", "TRAIN_0/frames/vidA", "TRAIN_0/anno/vidA.txt",
                                      lambda i: f"{i}.jpg", "TRAIN_0")


def layout_realvideo(root: Path, gt, hook=None):
    base = root / "realvideo"
    seq = base / "bench" / "clip1"
    make_frames(seq / "img", name=lambda i: f"{i + 1:06d}.jpg")
    write(seq / "groundtruth.txt", gt)
    write(seq / "meta.json", json.dumps({"frames": 5, "width": 48, "height": 32}))
    if hook:
        hook(seq / "img")
    return "realvideo", base, None


def layout_got10k(root: Path, gt, hook=None, labels: str = "0\n0\n0\n0\n0\n"):
    base = root / "GOT-10k"
    seq = base / "train" / "GOT-10k_Train_000001"
    write(base / "train" / "list.txt", "GOT-10k_Train_000001\n")
    make_frames(seq)
    write(seq / "groundtruth.txt", gt)
    write(seq / "absence.label", labels)
    write(seq / "cover.label", "8\n8\n8\n8\n8\n")
    write(seq / "meta_info.ini", "[METAINFO]\nobject_class: dog\n")
    if hook:
        hook(seq)
    return "got10k", base, "train"


def layout_lasot(root: Path, gt, hook=None, flags: str = "0,0,0,0,0"):
    base = root / "LaSOT"
    seq = base / "cat" / "cat-1"
    make_frames(seq / "img")
    write(seq / "groundtruth.txt", gt)
    write(seq / "full_occlusion.txt", flags)
    write(seq / "out_of_view.txt", "0,0,0,0,0")
    if hook:
        hook(seq / "img")
    return "lasot", base, None


def layout_vot(root: Path, gt, hook=None, tags: str = "0\n0\n0\n0\n0\n"):
    base = root / "VOT2018"
    write(base / "list.txt", "toy\n")
    make_frames(base / "toy" / "color")
    write(base / "toy" / "groundtruth.txt", gt)
    write(base / "toy" / "occlusion.tag", tags)
    if hook:
        hook(base / "toy" / "color")
    return "vot", base, None


TEXT_LAYOUTS = {
    "folder": layout_folder, "realvideo": layout_realvideo, "otb": layout_otb, "uav123": layout_uav123,
    "got10k": layout_got10k, "lasot": layout_lasot, "trackingnet": layout_trackingnet, "vot": layout_vot,
}


# Frame damage: name -> hook(folder) acting on the frame files in it (the 3rd of five).
def _frames(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def _damage(fn):
    def hook(folder: Path):
        fn(_frames(folder)[2])
    return hook


def _resize_from_third(folder: Path):
    for k, p in enumerate(_frames(folder)[2:]):
        write(p, jpg_bytes(96, 64, seed=k))


def _first_frame(fn):
    def hook(folder: Path):
        fn(_frames(folder)[0])
    return hook


IMAGE_VARIANTS: dict[str, Callable[[Path], None]] = {
    "zero_bytes": _damage(lambda p: write(p, b"")),
    "truncated_jpeg": _damage(lambda p: write(p, jpg_bytes()[:200])),
    "truncated_jpeg_first": _first_frame(lambda p: write(p, jpg_bytes()[:200])),
    "header_only_jpeg": _damage(lambda p: write(p, b"\xff\xd8\xff\xe0" + b"\0" * 20 + b"\xff\xd9")),
    "one_by_one": _damage(lambda p: write(p, jpg_bytes(1, 1))),
    "one_by_one_first": _first_frame(lambda p: write(p, jpg_bytes(1, 1))),
    "png16_as_jpg_name": _damage(lambda p: write(p, png16_bytes())),
    "png16_gray": _damage(lambda p: write(p, png16_bytes(channels=1))),
    "cmyk_jpeg": _damage(lambda p: write(p, cmyk_jpg_bytes())),
    "grayscale": _damage(lambda p: write(p, cv2.imencode(".jpg", np.zeros((32, 48), np.uint8))[1].tobytes())),
    "rgba_png": _damage(lambda p: write(p, cv2.imencode(".png", np.zeros((32, 48, 4), np.uint8))[1].tobytes())),
    "text_as_jpg": _damage(lambda p: write(p, "I am not an image\n")),
    "size_changes_midclip": _resize_from_third,
    "missing_middle": _damage(lambda p: p.unlink()),
    "directory_as_frame": _damage(lambda p: (p.unlink(), p.mkdir())),
}


# --------------------------------------------------------------------------------------------
# running a case


class Case(NamedTuple):
    name: str
    group: str
    make: Callable[[Path], tuple]  # dir -> ("cli", argv) | ("lib", callable)


def run_cli(argv: list[str]) -> tuple[str, str]:
    from lighttrack.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(argv)
    except SystemExit as exit_:  # argparse's usage errors: one line, exit 2
        rc = exit_.code if isinstance(exit_.code, int) else 1
    except Exception as exc:  # escaped main(): a traceback would reach the user
        return "BUG", f"{type(exc).__name__}: {str(exc)[:200]}"
    text = err.getvalue() + out.getvalue()
    if "Traceback (most recent call last)" in text:
        return "BUG", "traceback printed: " + text.strip().splitlines()[-1][:200]
    if rc == 0:
        return "handled", "exit 0"
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    at = next((i for i, ln in enumerate(lines) if ln.startswith("lighttrack") and ": error:" in ln), None)
    if at is not None and at != len(lines) - 1:  # the error runs on over several lines
        return "BUG", f"multi-line error: {lines[at][:120]} ... {last[:80]}"
    if rc == 1 and argv[:2] == ["data", "check"]:
        return "handled", "problems listed, exit 1"
    return "error", f"exit {rc}: {last[:200]}"


def run_lib(fn: Callable[[], object]) -> tuple[str, str]:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            note = fn()
    except LightTrackError as err:
        text = str(err)
        return "error", f"{type(err).__name__}: {text.splitlines()[0][:200] if text else ''}"
    except Exception as exc:
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return "BUG", f"{type(exc).__name__} at {Path(tb.filename).name}:{tb.lineno}: {str(exc)[:160]}"
    return "handled", str(note or "")[:200]


def run_case(case: Case, workdir: Path) -> dict:
    folder = workdir / case.name.replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        how, what = case.make(folder)
    except Exception as exc:  # the generator itself failed: report, do not count as the package's bug
        return {"case": case.name, "group": case.group, "outcome": "GENERATOR", "detail": repr(exc)}
    outcome, detail = run_cli(what) if how == "cli" else run_lib(what)
    return {"case": case.name, "group": case.group, "outcome": outcome, "detail": detail,
            "seconds": round(time.perf_counter() - t0, 3), **({"argv": what} if how == "cli" else {})}


# --------------------------------------------------------------------------------------------
# the reader check: open, build every sequence, decode every frame


def read_all(fmt: str, root, split=None, decode: bool = True):
    from lighttrack.data import open_dataset

    ds = open_dataset(fmt, root, split)
    issues, absent, frames = 0, 0, 0
    for seq in ds:
        issues += len(seq.issues)
        absent += int((~seq.visible).sum())
        if decode:
            for i in range(len(seq)):
                seq.frame(i)
                frames += 1
    return f"{len(ds)} seq, {issues} issue(s), {absent} absent frame(s), {frames} decoded"


def reader_case(layout, gt, hook=None):
    def make(d: Path):
        fmt, root, split = layout(d, gt, hook)
        return "lib", lambda: read_all(fmt, root, split)
    return make


def check_case(layout, gt, hook=None):
    def make(d: Path):
        fmt, root, split = layout(d, gt, hook)
        argv = ["data", "check", str(root), "--format", fmt, "--decode"]
        return "cli", argv + (["--split", split] if split else [])
    return make


# --------------------------------------------------------------------------------------------
# the cases


def reader_cases() -> list[Case]:
    cases = []
    good = rows()
    for lname, layout in TEXT_LAYOUTS.items():
        for gname, gt in GT_VARIANTS.items():
            cases.append(Case(f"read/{lname}/gt_{gname}", "reader", reader_case(layout, gt)))
        for iname, hook in IMAGE_VARIANTS.items():
            cases.append(Case(f"read/{lname}/img_{iname}", "reader", reader_case(layout, good, hook)))
    # flag files
    for name, text in {"garbage": "yes\nno\n", "short": "0\n", "binary": b"\xff\x00\xfe", "floats": "0.5\n1.5\n"}.items():
        cases.append(Case(f"read/got10k/absence_{name}", "reader",
                          lambda d, t=text: ("lib", lambda: read_all(*layout_got10k(d, good, labels=t)))))
        cases.append(Case(f"read/lasot/occlusion_{name}", "reader",
                          lambda d, t=text: ("lib", lambda: read_all(*layout_lasot(d, good, flags=t)))))
        cases.append(Case(f"read/vot/tag_{name}", "reader",
                          lambda d, t=text: ("lib", lambda: read_all(*layout_vot(d, good, tags=t)))))
    # realvideo meta.json
    for name, meta in {"not_json": "{frames: 5", "wrong_frames": '{"frames": 7}', "frames_text": '{"frames": "five"}',
                       "width_text": '{"frames": 5, "width": "wide", "height": 32}', "list": "[1, 2]",
                       "box_base_2": '{"box_base": 2}', "non_utf8": b'{"frames": 5, "x": "\xff"}'}.items():
        def make(d: Path, meta=meta):
            fmt, root, split = layout_realvideo(d, good)
            write(root / "bench" / "clip1" / "meta.json", meta)
            return "lib", lambda: read_all(fmt, root, split)
        cases.append(Case(f"read/realvideo/meta_{name}", "reader", make))
    cases += davis_cases() + coco_cases() + vid_cases() + stills_cases()
    return cases


def layout_davis(root: Path, mask_hook=None):
    base = root / "DAVIS"
    for i in range(3):
        write(base / "JPEGImages" / "480p" / "bear" / f"{i:05d}.jpg", jpg_bytes(seed=i))
        m = np.zeros((32, 48), np.uint8)
        m[5:15, 10:30] = 255
        write(base / "Annotations" / "480p" / "bear" / f"{i:05d}.png", cv2.imencode(".png", m)[1].tobytes())
    if mask_hook:
        mask_hook(base)
    return "davis", base, None


DAVIS_VARIANTS = {
    "mask_zero_bytes": lambda b: write(b / "Annotations/480p/bear/00001.png", b""),
    "mask_truncated": lambda b: write(b / "Annotations/480p/bear/00001.png", (b / "Annotations/480p/bear/00001.png").read_bytes()[:40]),
    "mask_missing": lambda b: (b / "Annotations/480p/bear/00002.png").unlink(),
    "mask_empty_first": lambda b: write(b / "Annotations/480p/bear/00000.png", cv2.imencode(".png", np.zeros((32, 48), np.uint8))[1].tobytes()),
    "mask_other_size": lambda b: write(b / "Annotations/480p/bear/00001.png", cv2.imencode(".png", np.full((8, 8), 255, np.uint8))[1].tobytes()),
    "mask_16bit": lambda b: write(b / "Annotations/480p/bear/00001.png", png16_bytes(channels=1)),
    "mask_text": lambda b: write(b / "Annotations/480p/bear/00001.png", "no"),
    "frame_truncated": lambda b: write(b / "JPEGImages/480p/bear/00001.jpg", jpg_bytes()[:100]),
    "frame_cmyk": lambda b: write(b / "JPEGImages/480p/bear/00001.jpg", cmyk_jpg_bytes()),
    "frame_zero": lambda b: write(b / "JPEGImages/480p/bear/00000.jpg", b""),
    "imageset_binary": lambda b: write(b / "ImageSets/2017/train.txt", b"\xff\xfe\x00bear"),
    "no_frames": lambda b: [p.unlink() for p in (b / "JPEGImages/480p/bear").iterdir()],
}


def davis_cases() -> list[Case]:
    out = []
    for name, hook in DAVIS_VARIANTS.items():
        out.append(Case(f"read/davis/{name}", "reader",
                        lambda d, h=hook: ("lib", lambda: read_all(*layout_davis(d, h)))))
    return out


def layout_coco(root: Path, data, image_hook=None):
    base = root / "COCO"
    write(base / "val2017" / f"{1:012d}.jpg", jpg_bytes(64, 48))
    write(base / "annotations" / "instances_val2017.json", data if isinstance(data, (str, bytes)) else json.dumps(data))
    if image_hook:
        image_hook(base / "val2017" / f"{1:012d}.jpg")
    return "coco", base, "val2017"


def _coco(ann: dict | None = None, image: dict | None = None, **top):
    data = {"images": [{"id": 1, "file_name": f"{1:012d}.jpg", "width": 64, "height": 48, **(image or {})}],
            "annotations": [{"id": 10, "image_id": 1, "category_id": 1, "bbox": [5, 6, 20, 15], "iscrowd": 0,
                             "area": 300, **(ann or {})}],
            "categories": [{"id": 1, "name": "person"}]}
    data.update(top)
    return data


COCO_VARIANTS = {
    "not_json": "{images: [",
    "empty_file": "",
    "non_utf8": b'{"images": [], "x": "\xff"}',
    "json_list": "[1, 2, 3]",
    "no_images_key": {"annotations": []},
    "images_not_list": _coco(images={"id": 1}),
    "bbox_three": _coco({"bbox": [1, 2, 3]}),
    "bbox_text": _coco({"bbox": ["a", "b", "c", "d"]}),
    "bbox_nan": _coco({"bbox": [float("nan"), 1, 2, 3]}),
    "bbox_negative": _coco({"bbox": [1, 2, -3, 4]}),
    "bbox_null": _coco({"bbox": None}),
    "image_id_unknown": _coco({"image_id": 99}),
    "image_no_file": _coco(image={"file_name": "missing.jpg"}),
    "width_text": _coco(image={"width": "wide"}),
    "iscrowd_text": _coco({"iscrowd": "no"}),
}


def coco_cases() -> list[Case]:
    out = []
    for name, data in COCO_VARIANTS.items():
        out.append(Case(f"read/coco/{name}", "reader", lambda d, x=data: ("lib", lambda: read_all(*layout_coco(d, x)))))
    for name in SINGLE_IMAGE:
        out.append(Case(f"read/coco/img_{name}", "reader", _single_image(layout_coco, name)))
    return out


SINGLE_IMAGE = {
    "zero_bytes": lambda p: write(p, b""),
    "truncated_jpeg": lambda p: write(p, jpg_bytes(64, 48)[:200]),
    "cmyk_jpeg": lambda p: write(p, cmyk_jpg_bytes(64, 48)),
    "png16_as_jpg_name": lambda p: write(p, png16_bytes(64, 48)),
    "one_by_one": lambda p: write(p, jpg_bytes(1, 1)),
}


def _single_image(layout, name):
    def make(d: Path):
        fmt, root, split = layout(d, _coco())
        SINGLE_IMAGE[name](root / "val2017" / f"{1:012d}.jpg")
        return "lib", lambda: read_all(fmt, root, split)
    return make


def layout_vid(root: Path, xml_hook=None):
    base = root / "ILSVRC2015"
    rel = Path("train") / "ILSVRC2015_VID_train_0000" / "ILSVRC2015_train_00000000"
    for i in range(3):
        write(base / "Data" / "VID" / rel / f"{i:06d}.JPEG", jpg_bytes(seed=i))
        write(base / "Annotations" / "VID" / rel / f"{i:06d}.xml",
              "<annotation><size><width>48</width><height>32</height></size><object><trackid>0</trackid>"
              "<name>n01503061</name><bndbox><xmax>20</xmax><xmin>2</xmin><ymax>13</ymax><ymin>3</ymin></bndbox>"
              "<occluded>0</occluded></object></annotation>")
    if xml_hook:
        xml_hook(base / "Annotations" / "VID" / rel / "000001.xml")
    return "vid", base, "train"


VID_VARIANTS = {
    "xml_not_xml": lambda p: write(p, "not xml <"),
    "xml_empty": lambda p: write(p, ""),
    "xml_binary": lambda p: write(p, b"\xff\xfe\x00\x01"),
    "xml_box_text": lambda p: write(p, p.read_text().replace("<xmax>20</xmax>", "<xmax>far</xmax>")),
    "xml_box_missing": lambda p: write(p, p.read_text().replace("<xmax>20</xmax>", "")),
    "xml_trackid_text": lambda p: write(p, p.read_text().replace("<trackid>0</trackid>", "<trackid>zero</trackid>")),
    "xml_inverted_box": lambda p: write(p, p.read_text().replace("<xmax>20</xmax>", "<xmax>1</xmax>")),
    "xml_missing": lambda p: p.unlink(),
    "frame_truncated": lambda p: write(Path(str(p).replace("Annotations", "Data").replace(".xml", ".JPEG")), jpg_bytes()[:150]),
}


def vid_cases() -> list[Case]:
    return [Case(f"read/vid/{name}", "reader", lambda d, h=hook: ("lib", lambda: read_all(*layout_vid(d, h))))
            for name, hook in VID_VARIANTS.items()]


def stills_cases() -> list[Case]:
    def make(name):
        def inner(d: Path):
            base = d / "stills"
            write(base / "images" / "a.jpg", jpg_bytes(64, 48))
            data = _coco(image={"file_name": "a.jpg"})
            if name == "not_json":
                write(base / "annotations.json", "{")
            elif name == "bbox_zero":
                data["annotations"][0]["bbox"] = [1, 1, 0, 0]
                write(base / "annotations.json", json.dumps(data))
            elif name == "image_truncated":
                write(base / "annotations.json", json.dumps(data))
                write(base / "images" / "a.jpg", jpg_bytes(64, 48)[:100])
            elif name == "image_zero":
                write(base / "annotations.json", json.dumps(data))
                write(base / "images" / "a.jpg", b"")
            elif name in ("width_text", "bbox_text", "bbox_three", "id_text", "bbox_null"):
                change = {"width_text": ("image", "width", "wide"), "bbox_text": ("ann", "bbox", ["a", 1, 2, 3]),
                          "bbox_three": ("ann", "bbox", [1, 2, 3]), "id_text": ("ann", "id", "x"),
                          "bbox_null": ("ann", "bbox", None)}[name]
                (data["images"][0] if change[0] == "image" else data["annotations"][0])[change[1]] = change[2]
                write(base / "annotations.json", json.dumps(data))
            elif name == "no_annotations":
                data["annotations"] = []
                write(base / "annotations.json", json.dumps(data))
            return "lib", lambda: _read_stills(base)
        return inner
    return [Case(f"read/stills/{n}", "reader", make(n))
            for n in ("not_json", "bbox_zero", "image_truncated", "image_zero", "no_annotations", "width_text",
                      "bbox_text", "bbox_three", "id_text", "bbox_null")]


def _read_stills(base: Path):
    from lighttrack.data import open_dataset

    ds = open_dataset("stills", base)
    n = 0
    for seq in list(ds)[:2]:
        for i in range(min(3, len(seq))):
            seq.frame(i)
            n += 1
    return f"{len(ds)} seq, {n} frames made"


def check_cases() -> list[Case]:
    """``lighttrack data check --decode`` over a spread of the reader cases (each layout, a rotating
    subset of the ground-truth and image variants)."""
    cases = []
    good = rows()
    gts, imgs = list(GT_VARIANTS.items()), list(IMAGE_VARIANTS.items())
    for k, (lname, layout) in enumerate(TEXT_LAYOUTS.items()):
        for gname, gt in gts[k % 3::3]:
            cases.append(Case(f"check/{lname}/gt_{gname}", "data check", check_case(layout, gt)))
        for iname, hook in imgs[k % 2::2]:
            cases.append(Case(f"check/{lname}/img_{iname}", "data check", check_case(layout, good, hook)))
    for name, hook in list(DAVIS_VARIANTS.items())[:6]:
        def make(d, hook=hook):
            fmt, root, split = layout_davis(d, hook)
            return "cli", ["data", "check", str(root), "--format", fmt, "--decode"]
        cases.append(Case(f"check/davis/{name}", "data check", make))
    for name, data in list(COCO_VARIANTS.items())[:6]:
        def make(d, data=data):
            fmt, root, split = layout_coco(d, data)
            return "cli", ["data", "check", str(root), "--format", fmt, "--split", split, "--decode"]
        cases.append(Case(f"check/coco/{name}", "data check", make))
    for name, hook in list(VID_VARIANTS.items())[:5]:
        def make(d, hook=hook):
            fmt, root, split = layout_vid(d, hook)
            return "cli", ["data", "check", str(root), "--format", fmt, "--split", split, "--decode"]
        cases.append(Case(f"check/vid/{name}", "data check", make))
    # roots that are not data sets at all
    cases.append(Case("check/auto/empty_folder", "data check", lambda d: ("cli", ["data", "check", str(d)])))
    cases.append(Case("check/auto/a_file", "data check",
                      lambda d: ("cli", ["data", "check", str(write(d / "x.txt", "x"))])))
    cases.append(Case("check/auto/missing", "data check", lambda d: ("cli", ["data", "check", str(d / "nope")])))
    cases.append(Case("check/unknown_format", "data check",
                      lambda d: ("cli", ["data", "check", str(d), "--format", "nosuch"])))
    cases.append(Case("check/limit_negative", "data check",
                      lambda d: ("cli", ["data", "check", str(layout_folder(d, rows())[1]), "--format", "folder", "--limit", "-3"])))
    return cases


# ---- videos and track


def video_file(d: Path, kind: str) -> Path:
    path = d / "clip.mp4"
    if kind == "no_frames":
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
        writer.release()
        if not path.exists():
            write(path, b"")
    elif kind in ("ok", "truncated", "header_only"):
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
        for i in range(6):
            writer.write(np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8))
        writer.release()
        data = path.read_bytes()
        if kind == "truncated":
            write(path, data[: len(data) // 2])
        elif kind == "header_only":
            write(path, data[:64])
    elif kind == "zero_bytes":
        write(path, b"")
    elif kind == "text":
        write(path, "this is not a video\n")
    return path


def image_folder(d: Path, hook=None) -> Path:
    folder = d / "frames"
    make_frames(folder, n=5, name=lambda i: f"{i:04d}.jpg")
    if hook:
        hook(folder)
    return folder


TRACK = ["--backend", "torch", "--no-progress", "--max-frames", "4", "--network-only"]


def track_cases() -> list[Case]:
    cases = []
    for kind in ("no_frames", "truncated", "header_only", "zero_bytes", "text"):
        cases.append(Case(f"track/video_{kind}", "track",
                          lambda d, k=kind: ("cli", ["track", str(video_file(d, k)), "--box", "5,5,10,10", *TRACK])))
    for iname, hook in IMAGE_VARIANTS.items():
        cases.append(Case(f"track/folder_{iname}", "track",
                          lambda d, h=hook: ("cli", ["track", str(image_folder(d, h)), "--box", "5,5,10,10", *TRACK])))
    for name, box in {"nan": "nan,5,10,10", "inf": "5,5,inf,10", "zero": "5,5,0,0", "negative": "5,5,-10,10",
                      "three_values": "5,5,10", "text": "a,b,c,d", "outside": "500,500,10,10", "huge": "0,0,1e9,1e9",
                      "empty": ""}.items():
        cases.append(Case(f"track/box_{name}", "track",
                          lambda d, b=box: ("cli", ["track", str(image_folder(d)), "--box", b, *TRACK])))
    cases.append(Case("track/empty_folder", "track", lambda d: ("cli", ["track", str(d), "--box", "1,1,4,4", *TRACK])))
    cases.append(Case("track/missing_source", "track", lambda d: ("cli", ["track", str(d / "none.mp4"), "--box", "1,1,4,4", *TRACK])))
    cases.append(Case("track/bad_preset_file", "track",
                      lambda d: ("cli", ["track", str(image_folder(d)), "--box", "5,5,10,10", "--preset",
                                         str(write(d / "p.yaml", "penalty_k: [1, 2]\nnonsense: 3\n")), *TRACK])))
    cases.append(Case("track/preset_bad_yaml", "track",
                      lambda d: ("cli", ["track", str(image_folder(d)), "--box", "5,5,10,10", "--preset",
                                         str(write(d / "p.yaml", "penalty_k: [1,\n  : :\n")), *TRACK])))
    cases.append(Case("track/preset_not_yaml", "track",
                      lambda d: ("cli", ["track", str(image_folder(d)), "--box", "5,5,10,10", "--preset",
                                         str(write(d / "p.yaml", b"\xff\xfe: [")), *TRACK])))
    cases.append(Case("track/out_bad_ext", "track",
                      lambda d: ("cli", ["track", str(image_folder(d)), "--box", "5,5,10,10", "--out", str(d / "o.xyz"), *TRACK])))
    return cases


# ---- eval


def eval_cases() -> list[Case]:
    cases = []
    for gname in ("empty", "nan_row", "zero_first_frame", "non_utf8", "binary_junk", "three_columns",
                  "negative_size", "inf_row", "too_few_rows", "box_outside_frame"):
        cases.append(Case(f"eval/kcf_gt_{gname}", "eval",
                          lambda d, g=GT_VARIANTS[gname]: ("cli", ["eval", "--dataset", "folder", "--root",
                                                                   str(layout_folder(d, g)[1]), "--tracker", "kcf",
                                                                   "--out", str(d / "run"), "--no-progress"])))
    for iname in ("zero_bytes", "truncated_jpeg", "truncated_jpeg_first", "size_changes_midclip", "cmyk_jpeg",
                  "png16_as_jpg_name", "one_by_one_first", "text_as_jpg"):
        cases.append(Case(f"eval/kcf_img_{iname}", "eval",
                          lambda d, h=IMAGE_VARIANTS[iname]: ("cli", ["eval", "--dataset", "folder", "--root",
                                                                      str(layout_folder(d, rows(), h)[1]), "--tracker", "kcf",
                                                                      "--out", str(d / "run"), "--no-progress"])))
    for gname in ("zero_first_frame", "nan_row", "inf_row"):
        cases.append(Case(f"eval/lighttrack_gt_{gname}", "eval",
                          lambda d, g=GT_VARIANTS[gname]: ("cli", ["eval", "--dataset", "folder", "--root",
                                                                   str(layout_folder(d, g)[1]), "--backend", "torch", "--network-only",
                                                                   "--out", str(d / "run"), "--no-progress"])))
    cases.append(Case("eval/lighttrack_img_truncated", "eval",
                      lambda d: ("cli", ["eval", "--dataset", "folder", "--root",
                                         str(layout_folder(d, rows(), IMAGE_VARIANTS["truncated_jpeg"])[1]),
                                         "--backend", "torch", "--network-only", "--out", str(d / "run"), "--no-progress"])))
    cases.append(Case("eval/corrupt_results_resume", "eval", _eval_corrupt_resume))
    cases.append(Case("eval/unknown_tracker", "eval",
                      lambda d: ("cli", ["eval", "--dataset", "folder", "--root", str(layout_folder(d, rows())[1]),
                                         "--tracker", "nosuch", "--out", str(d / "run"), "--no-progress"])))
    return cases


def _eval_corrupt_resume(d: Path):
    root = layout_folder(d, rows())[1]
    run = d / "run"
    run.mkdir()
    # results of an earlier, interrupted run, damaged
    for name in ("walk.txt", "results/walk.txt", "walk/walk_001.txt"):
        write(run / name, b"\xff\x00garbage,1,2\n")
    write(run / "run.json", "{not json")
    return "cli", ["eval", "--dataset", "folder", "--root", str(root), "--tracker", "kcf", "--out", str(run), "--no-progress"]


# ---- checkpoints


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED_BY_PICKLE",))


def checkpoint_file(d: Path, kind: str) -> Path:
    import torch

    path = d / "weights.pt"
    mobile = Path(__file__).resolve().parent.parent / "lighttrack" / "assets" / "lighttrack-mobile-ours.pt"
    if kind == "pickle_code":
        write(path, pickle.dumps({"state_dict": _Boom()}))
    elif kind == "torch_pickle_code":
        torch.save({"arch": "lighttrack-mobile", "state_dict": {}, "x": _Boom()}, path)
    elif kind == "truncated":
        write(path, mobile.read_bytes()[:5000])
    elif kind == "truncated_half":
        data = mobile.read_bytes()
        write(path, data[: len(data) // 2])
    elif kind == "zero_bytes":
        write(path, b"")
    elif kind == "text":
        write(path, "hello\n")
    elif kind == "other_arch":
        data = torch.load(mobile, weights_only=True)
        data["arch"] = "back_00000000000000000000+cls_002222222+reg_002222222_ops_20"
        torch.save(data, path)
    elif kind == "bad_arch_string":
        data = torch.load(mobile, weights_only=True)
        data["arch"] = "back_99+cls_1"
        torch.save(data, path)
    elif kind == "arch_not_string":
        data = torch.load(mobile, weights_only=True)
        data["arch"] = 42
        torch.save(data, path)
    elif kind == "state_dict_list":
        torch.save({"arch": torch.load(mobile, weights_only=True)["arch"], "state_dict": [1, 2, 3]}, path)
    elif kind == "state_dict_not_tensors":
        arch = torch.load(mobile, weights_only=True)["arch"]
        torch.save({"arch": arch, "state_dict": {"backbone.stem.conv.weight": [1, 2, 3]}}, path)
    elif kind == "tensor_only":
        torch.save(torch.zeros(3), path)
    elif kind == "wrong_shapes":
        data = torch.load(mobile, weights_only=True)
        sd = data.get("state_dict", data)
        key = next(k for k, v in sd.items() if hasattr(v, "dim") and v.dim() == 4)
        sd[key] = torch.zeros(1, 1, 1, 1)
        torch.save(data, path)
    elif kind == "nan_weights":
        data = torch.load(mobile, weights_only=True)
        sd = data.get("state_dict", data)
        for k, v in sd.items():
            if hasattr(v, "is_floating_point") and v.is_floating_point():
                sd[k] = torch.full_like(v, float("nan"))
        torch.save(data, path)
    elif kind == "empty_dict":
        torch.save({}, path)
    elif kind == "supernet_like":
        torch.save({"format": "lighttrack.supernet/1", "state_dict": {"x": torch.zeros(1)}}, path)
    elif kind == "supernet_space_text":
        torch.save({"format": "lighttrack.supernet/1", "space": "paper", "state_dict": {}}, path)
    elif kind == "supernet_no_state":
        data = torch.load(good_supernet(), weights_only=True)
        del data["state_dict"]
        torch.save(data, path)
    elif kind == "bad_preset":
        data = torch.load(mobile, weights_only=True)
        data["preset"] = {"penalty_k": "high", "nonsense": 1}
        torch.save(data, path)
    elif kind == "directory":
        path.mkdir()
    return path


CHECKPOINT_KINDS = ("pickle_code", "torch_pickle_code", "truncated", "truncated_half", "zero_bytes", "text",
                    "other_arch", "bad_arch_string", "arch_not_string", "state_dict_list", "state_dict_not_tensors", "tensor_only",
                    "wrong_shapes", "nan_weights", "empty_dict", "supernet_like", "bad_preset", "directory")


def _no_pwn(fn, d: Path):
    def inner():
        cwd = os.getcwd()
        os.chdir(d)
        try:
            return fn()
        finally:
            os.chdir(cwd)
            if (d / "PWNED_BY_PICKLE").exists() or Path("PWNED_BY_PICKLE").exists():
                raise RuntimeError("a pickled checkpoint executed code")  # reported as BUG
    return inner


def _track_one(tracker):
    frame = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    tracker.init(frame, (100, 100, 40, 30))
    r = tracker.update(frame)
    return f"box {np.round(r.box, 1).tolist()}"


def checkpoint_cases() -> list[Case]:
    cases = []
    for kind in CHECKPOINT_KINDS:
        def lw(d, kind=kind):
            from lighttrack.models import load_weights
            path = checkpoint_file(d, kind)
            return "lib", _no_pwn(lambda: load_weights(path) and "loaded", d)

        def tw(d, kind=kind):
            from lighttrack.tracker import Tracker
            path = checkpoint_file(d, kind)
            return "lib", _no_pwn(lambda: _track_one(Tracker.from_weights(path, backend="torch")), d)

        def ex(d, kind=kind):
            path = checkpoint_file(d, kind)
            return "cli", ["export", "onnx", str(path), str(d / "onnx"), "--no-check"]

        def tr(d, kind=kind):
            path = checkpoint_file(d, kind)
            return "cli", ["track", str(image_folder(d)), "--box", "5,5,10,10", "--weights", str(path), *TRACK]

        cases += [Case(f"checkpoint/load_weights_{kind}", "checkpoint", lw),
                  Case(f"checkpoint/from_weights_{kind}", "checkpoint", tw),
                  Case(f"export/onnx_{kind}", "export", ex),
                  Case(f"track/weights_{kind}", "track", tr)]
    cases.append(Case("export/missing_weights", "export", lambda d: ("cli", ["export", "onnx", str(d / "no.pt"), str(d / "o")])))
    cases.append(Case("export/outdir_is_file", "export",
                      lambda d: ("cli", ["export", "onnx", "lighttrack-mobile", str(write(d / "f", "x")), "--no-check"])))
    cases.append(Case("export/bad_arch", "export",
                      lambda d: ("cli", ["export", "onnx", "lighttrack-mobile", str(d / "o"), "--arch", "back_1", "--no-check"])))
    return cases


# ---- ONNX folders


def onnx_folder(d: Path, kind: str) -> Path:
    import onnx
    from onnx import TensorProto, helper

    folder = d / "onnx"
    folder.mkdir()

    def graph(name, inputs, outputs, nodes):
        g = helper.make_graph(nodes, name, inputs, outputs)
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        return model

    f = TensorProto.FLOAT
    # template: z (1,3,127,127) -> zf with a wrong shape; track: (zf, x) -> cls/reg with wrong shapes
    zshape = [1, 3, 64, 64] if kind == "template_input_shape" else [1, 3, 127, 127]
    t = graph("t", [helper.make_tensor_value_info("z", f, zshape)],
              [helper.make_tensor_value_info("zf", f, None)],
              [helper.make_node("ReduceMean", ["z"], ["zf"], keepdims=1, axes=[2, 3])])
    if kind in ("wrong_shape", "template_input_shape"):
        k = graph("k", [helper.make_tensor_value_info("zf", f, None), helper.make_tensor_value_info("x", f, [1, 3, 256, 256])],
                  [helper.make_tensor_value_info("cls", f, None), helper.make_tensor_value_info("reg", f, None)],
                  [helper.make_node("ReduceMean", ["x"], ["cls"], keepdims=1, axes=[1]),
                   helper.make_node("ReduceMean", ["x"], ["reg"], keepdims=1, axes=[2])])
    else:  # a graph with the wrong inputs entirely
        k = graph("k", [helper.make_tensor_value_info("a", f, [2, 2])],
                  [helper.make_tensor_value_info("b", f, None)],
                  [helper.make_node("Identity", ["a"], ["b"])])
    onnx.save(t, folder / "template.onnx")
    onnx.save(k, folder / "track.onnx")
    meta = {"template": "template.onnx", "track": "track.onnx", "template_size": 127}
    if kind == "bad_meta":
        write(folder / "lighttrack.json", "{not json")
    elif kind == "meta_list":
        write(folder / "lighttrack.json", "[1]")
    elif kind == "truncated_graph":
        write(folder / "track.onnx", (folder / "track.onnx").read_bytes()[:30])
        write(folder / "lighttrack.json", json.dumps(meta))
    elif kind == "missing_graph":
        (folder / "track.onnx").unlink()
        write(folder / "lighttrack.json", json.dumps(meta))
    elif kind == "template_size_text":
        write(folder / "lighttrack.json", json.dumps({**meta, "template_size": "big"}))
    else:
        write(folder / "lighttrack.json", json.dumps(meta))
    return folder


ONNX_KINDS = ("template_input_shape", "wrong_shape", "wrong_inputs", "bad_meta", "meta_list", "truncated_graph", "missing_graph",
              "template_size_text")


def onnx_cases() -> list[Case]:
    cases = []
    for kind in ONNX_KINDS:
        def lib(d, kind=kind):
            from lighttrack.tracker import Tracker
            folder = onnx_folder(d, kind)
            return "lib", lambda: _track_one(Tracker.from_onnx(folder))

        def cli(d, kind=kind):
            folder = onnx_folder(d, kind)
            return "cli", ["track", str(image_folder(d)), "--box", "5,5,10,10", "--onnx", str(folder), "--no-progress",
                           "--max-frames", "3"]
        cases += [Case(f"onnx/from_onnx_{kind}", "onnx", lib), Case(f"onnx/track_{kind}", "onnx", cli)]
    return cases


# ---- configs


TRAIN_BASE = """name: bad
seed: 0
device: cpu
threads: 1
model:
  kind: tracker
  arch: back_00000000000000000000+cls_002222222+reg_002222222_ops_20
data:
  train:
    - format: synthetic
      pairs: 16
      options: {num_sequences: 4, length: 20, seed: 1}
  template_size: 128
  search_size: 192
  workers: 0
train:
  epochs: 1
  batch_size: 4
checkpoint:
  every_steps: 50
"""

TRAIN_VARIANTS = {
    "empty": "",
    "not_mapping": "- 1\n- 2\n",
    "scalar": "42\n",
    "not_yaml": "name: [unclosed\n  : :\n",
    "tabs": "name:\tbad\n\tmodel: x\n",
    "non_utf8": b"name: \xff\xfe\n",
    "unknown_top_key": TRAIN_BASE + "nonsense: 1\n",
    "unknown_nested_key": TRAIN_BASE.replace("  epochs: 1", "  epochs: 1\n  epochz: 2"),
    "epochs_text": TRAIN_BASE.replace("epochs: 1", "epochs: many"),
    "epochs_negative": TRAIN_BASE.replace("epochs: 1", "epochs: -1"),
    "epochs_float": TRAIN_BASE.replace("epochs: 1", "epochs: 1.5"),
    "epochs_list": TRAIN_BASE.replace("epochs: 1", "epochs: [1, 2]"),
    "batch_zero": TRAIN_BASE.replace("batch_size: 4", "batch_size: 0"),
    "batch_null": TRAIN_BASE.replace("batch_size: 4", "batch_size: null"),
    "lr_text": TRAIN_BASE.replace("  epochs: 1", "  epochs: 1\n  lr: fast"),
    "lr_nan": TRAIN_BASE.replace("  epochs: 1", "  epochs: 1\n  lr: .nan"),
    "lr_inf": TRAIN_BASE.replace("  epochs: 1", "  epochs: 1\n  lr: .inf"),
    "seed_text": TRAIN_BASE.replace("seed: 0", "seed: abc"),
    "model_is_list": TRAIN_BASE.replace("model:\n  kind: tracker\n", "model: [tracker]\nx:\n  kind: tracker\n"),
    "model_kind_unknown": TRAIN_BASE.replace("kind: tracker", "kind: bicycle"),
    "arch_malformed": TRAIN_BASE.replace("back_00000000000000000000+", "back_0000+"),
    "arch_number": TRAIN_BASE.replace("arch: back_00000000000000000000+cls_002222222+reg_002222222_ops_20", "arch: 7"),
    "data_train_empty": TRAIN_BASE.replace("  train:\n    - format: synthetic\n      pairs: 16\n      options: {num_sequences: 4, length: 20, seed: 1}\n", "  train: []\n"),
    "data_train_mapping": TRAIN_BASE.replace("  train:\n    - format: synthetic", "  train:\n    format: synthetic"),
    "data_format_unknown": TRAIN_BASE.replace("format: synthetic", "format: nosuch"),
    "data_root_missing": TRAIN_BASE.replace("format: synthetic", "format: got10k\n      root: /nonexistent/got10k"),
    "data_env_unset": TRAIN_BASE.replace("format: synthetic", "format: got10k\n      root: ${LIGHTTRACK_NOSUCH}"),
    "options_unknown": TRAIN_BASE.replace("seed: 1}", "seed: 1, colour: red}"),
    "pairs_negative": TRAIN_BASE.replace("pairs: 16", "pairs: -16"),
    "template_size_text": TRAIN_BASE.replace("template_size: 128", "template_size: large"),
    "search_size_odd": TRAIN_BASE.replace("search_size: 192", "search_size: 7"),
    "workers_negative": TRAIN_BASE.replace("workers: 0", "workers: -2"),
    "device_unknown": TRAIN_BASE.replace("device: cpu", "device: toaster"),
    "threads_zero": TRAIN_BASE.replace("threads: 1", "threads: 0"),
    "threads_negative": TRAIN_BASE.replace("threads: 1", "threads: -4"),
    "checkpoint_every_text": TRAIN_BASE.replace("every_steps: 50", "every_steps: often"),
    "init_missing": TRAIN_BASE.replace("  kind: tracker", "  kind: tracker\n  init: /nonexistent/init.pt"),
    "duplicate_key": TRAIN_BASE + "seed: 1\n",
    "yaml_anchor_bomb": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n",
    "python_tag": TRAIN_BASE + "evil: !!python/object/apply:os.system ['touch PWNED_BY_YAML']\n",
}


def train_cases() -> list[Case]:
    cases = []
    for name, text in TRAIN_VARIANTS.items():
        cases.append(Case(f"train/config_{name}", "train",
                          lambda d, t=text: ("cli", ["train", str(write(d / "cfg.yaml", t)), f"output_dir={d / 'out'}",
                                                     "--dry-run"])))
    for name, ov in {"unknown_key": "nonsense=1", "wrong_type": "train.epochs=many", "no_equals": "train.epochs",
                     "empty_key": "=3", "deep_unknown": "train.optim.beta=2"}.items():
        cases.append(Case(f"train/override_{name}", "train",
                          lambda d, o=ov: ("cli", ["train", str(write(d / "cfg.yaml", TRAIN_BASE)), o, "--dry-run"])))
    cases.append(Case("train/config_missing", "train", lambda d: ("cli", ["train", str(d / "none.yaml"), "--dry-run"])))
    cases.append(Case("train/config_is_dir", "train", lambda d: ("cli", ["train", str(d), "--dry-run"])))
    return cases


SEARCH_BASE = """name: bad
seed: 0
device: cpu
threads: 1
space: paper
algorithm: evolution
settings: {population: 4, generations: 1, top_k: 2, mutations: 1, crossovers: 1, mutation_prob: 0.1}
constraints:
  - {name: mobile, max_macs: 6.0e+8}
data:
  train:
    - {format: synthetic, pairs: 16, options: {num_sequences: 4, length: 20, seed: 1}}
  val:
    - {format: synthetic, options: {num_sequences: 2, length: 10, seed: 7}}
  template_size: 128
  search_size: 256
fitness:
  calibration_batches: 1
  calibration_batch_size: 4
  max_frames: 10
"""

SEARCH_VARIANTS = {
    "empty": "",
    "not_mapping": "[1, 2]\n",
    "not_yaml": "a: [\n",
    "non_utf8": b"\xff\xfe\x00name: x\n",
    "unknown_key": SEARCH_BASE + "nonsense: 1\n",
    "algorithm_unknown": SEARCH_BASE.replace("algorithm: evolution", "algorithm: magic"),
    "population_text": SEARCH_BASE.replace("population: 4", "population: many"),
    "population_zero": SEARCH_BASE.replace("population: 4", "population: 0"),
    "settings_unknown": SEARCH_BASE.replace("mutation_prob: 0.1", "mutation_prob: 0.1, flavour: 3"),
    "mutation_prob_2": SEARCH_BASE.replace("mutation_prob: 0.1", "mutation_prob: 2"),
    "constraints_mapping": SEARCH_BASE.replace("constraints:\n  - {name: mobile, max_macs: 6.0e+8}", "constraints: {name: mobile}"),
    "constraint_text": SEARCH_BASE.replace("max_macs: 6.0e+8", "max_macs: lots"),
    "constraint_negative": SEARCH_BASE.replace("max_macs: 6.0e+8", "max_macs: -1"),
    "constraint_unknown_key": SEARCH_BASE.replace("max_macs: 6.0e+8", "max_macs: 6.0e+8, max_joy: 1"),
    "space_unknown": SEARCH_BASE.replace("space: paper", "space: moon"),
    "latency_no_table": SEARCH_BASE.replace("max_macs: 6.0e+8", "max_latency_ms: 5, latency_runtime: abacus"),
    "fitness_text": SEARCH_BASE.replace("max_frames: 10", "max_frames: ten"),
}


def search_cases() -> list[Case]:
    out = []
    for name, text in SEARCH_VARIANTS.items():
        out.append(Case(f"search/config_{name}", "search",
                        lambda d, t=text: ("cli", ["search", str(write(d / "s.yaml", t)), "--dry-run",
                                                   "--output-dir", str(d / "out"), "--supernet", str(good_supernet())])))
    for kind in ("truncated", "text", "pickle_code", "other_arch", "zero_bytes", "supernet_like", "empty_dict",
                 "supernet_space_text", "supernet_no_state"):
        out.append(Case(f"search/supernet_{kind}", "search",
                        lambda d, k=kind: ("cli", ["search", str(write(d / "s.yaml", SEARCH_BASE)), "--dry-run",
                                                   "--output-dir", str(d / "out"),
                                                   "--supernet", str(checkpoint_file(d, k))])))
    return out


_SUPERNET: list[Path] = []


def good_supernet() -> Path:
    """A freshly initialised paper-space supernet file, made once per process (a valid input
    beside the malformed configs, so that their own checks are reached)."""
    if not _SUPERNET:
        from lighttrack.nn.net import SuperNet
        from lighttrack.space import SearchSpace
        from lighttrack.train.checkpoint import save_supernet

        path = Path(tempfile.mkdtemp(prefix="lt-bad-supernet-")) / "supernet.pt"
        save_supernet(SuperNet(SearchSpace()), path)
        _SUPERNET.append(path)
    return _SUPERNET[0]


def all_cases() -> list[Case]:
    cases = (reader_cases() + check_cases() + track_cases() + eval_cases() + checkpoint_cases()
             + onnx_cases() + train_cases() + search_cases())
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


def sample_cases(n: int | None, seed: int = 0, groups: list[str] | None = None) -> list[Case]:
    cases = all_cases()
    if groups:
        cases = [c for c in cases if c.group in groups or c.name.split("/")[0] in groups]
    if n is not None and n < len(cases):
        cases = random.Random(seed).sample(cases, n)
    return cases


def summarize(results: list[dict]) -> dict:
    totals: dict[str, int] = {}
    by_group: dict[str, dict[str, int]] = {}
    for r in results:
        totals[r["outcome"]] = totals.get(r["outcome"], 0) + 1
        g = by_group.setdefault(r["group"], {})
        g[r["outcome"]] = g.get(r["outcome"], 0) + 1
    return {"cases": len(results), "totals": totals, "by_group": by_group,
            "bugs": [{"case": r["case"], "detail": r["detail"]} for r in results if r["outcome"] not in ("error", "handled")]}


def run_subprocess_checks(results: list[dict], cases: dict[str, Case], workdir: Path, n: int, seed: int) -> list[dict]:
    """Re-run ``n`` CLI cases as real ``lighttrack`` processes: same exit class, no traceback."""
    cli = [r for r in results if "argv" in r]
    picked = random.Random(seed).sample(cli, min(n, len(cli)))
    out = []
    for r in picked:
        folder = workdir / ("sub_" + r["case"].replace("/", "__"))
        folder.mkdir(parents=True, exist_ok=True)
        _, argv = cases[r["case"]].make(folder)
        proc = subprocess.run([sys.executable, "-m", "lighttrack", *argv], capture_output=True, text=True, timeout=600)
        tb = "Traceback (most recent call last)" in proc.stderr
        same = (proc.returncode == 0) == (r["outcome"] == "handled" and r["detail"] == "exit 0") and not tb
        out.append({"case": r["case"], "in_process": r["outcome"], "exit": proc.returncode, "traceback": tb, "same": same})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, help="run only N cases, drawn with --seed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--group", action="append", help="only these groups (reader, data check, track, eval, ...)")
    ap.add_argument("--subprocess", type=int, default=0, help="also run N CLI cases as real processes")
    ap.add_argument("--summary-only", action="store_true", help="print the totals, not every case")
    ap.add_argument("--list", action="store_true", help="list the case names and exit")
    ap.add_argument("--keep", metavar="DIR", help="write the inputs here and keep them")
    args = ap.parse_args(argv)
    os.environ.setdefault("LIGHTTRACK_CACHE_DIR", tempfile.mkdtemp(prefix="lt-bad-cache-"))
    cases = sample_cases(args.sample, args.seed, args.group)
    if args.list:
        print("\n".join(c.name for c in cases))
        return 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lt-bad-") as tmp:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        results = []
        for case in cases:
            results.append(run_case(case, workdir))
            print(f"{results[-1]['outcome']:8s} {case.name}  {results[-1]['detail'][:120]}", file=sys.stderr)
        report = {"summary": summarize(results)}
        if args.subprocess:
            report["subprocess"] = run_subprocess_checks(results, {c.name: c for c in cases}, workdir, args.subprocess, args.seed)
    report["summary"]["seconds"] = round(time.perf_counter() - t0, 1)
    if not args.summary_only:
        report["cases"] = {r["case"]: r["outcome"] if r["outcome"] != "BUG" else f"BUG ({r['detail'].split(':')[0]})"
                           for r in results}
    print(json.dumps(report, indent=1))
    return 1 if report["summary"]["bugs"] else 0


if __name__ == "__main__":
    sys.exit(main())
