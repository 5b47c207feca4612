"""YouTube-BoundingBoxes: the distributed CSV over frames the user decoded from the videos.

Layout (the one pysot's and Ocean's preparation scripts read; the frames are what YouTube-BB's
download utilities write, one JPEG per annotated timestamp)::

    <root>/yt_bb_detection_train.csv             as distributed (gunzipped), no header row
    <root>/yt_bb_detection_validation.csv
    <root>/yt_bb_detection_train/<class_id>/<youtube_id>_<timestamp_ms>_<class_id>_<object_id>.jpg
    <root>/yt_bb_detection_validation/<class_id>/…

Each CSV row is ``youtube_id, timestamp_ms, class_id, class_name, object_id, object_presence,
xmin, xmax, ymin, ymax`` with coordinates relative to the frame (0..1; -1 when absent). One
sequence per ``(youtube_id, class_id, object_id)``, its rows in timestamp order (one a second,
so ``frame_range: 3`` spans three seconds); ``absent`` rows become absent frames whose files need
not exist. Boxes are scaled by the frame size, read from one frame's header per track. A present
row whose frame is missing, or whose box is not inside 0..1, stays an invisible frame and its
problem names the CSV file and line (``lighttrack data check``); a row that cannot be parsed
is listed under a sequence named after the CSV file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from tqdm import tqdm

from lighttrack.data.datasets.base import Dataset
from lighttrack.data.imagesize import image_size
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError

SPLITS = {"train": "yt_bb_detection_train", "validation": "yt_bb_detection_validation",
          "val": "yt_bb_detection_validation"}
COLUMNS = ("youtube_id", "timestamp_ms", "class_id", "class_name", "object_id", "object_presence",
           "xmin", "xmax", "ymin", "ymax")
# per-row numbers kept for a track: timestamp, present (1/0), xmin, xmax, ymin, ymax, CSV line
TS, PRESENT, XMIN, XMAX, YMIN, YMAX, LINE = range(7)
_SHOWN = 3  # problems listed per sequence before "and N more"


def parse_row(row: list[str]) -> tuple[tuple[str, str, str, str], list[float]] | str:
    """(key fields, numbers) of one CSV row, or why it cannot be read."""
    if len(row) != len(COLUMNS):
        return f"{len(row)} fields, expected {len(COLUMNS)} ({', '.join(COLUMNS)})"
    youtube_id, ts, class_id, class_name, object_id, presence, *coords = (v.strip() for v in row)
    if presence not in ("present", "absent"):
        return f"object_presence {presence!r} is neither 'present' nor 'absent'"
    try:
        numbers = [float(int(ts)), 1.0 if presence == "present" else 0.0, *(float(v) for v in coords)]
    except ValueError:
        return "timestamp_ms must be an integer and xmin, xmax, ymin, ymax numbers"
    return (youtube_id, class_id, class_name, object_id), numbers


def box_problem(rel: np.ndarray) -> str | None:
    """Why relative corners ``xmin, xmax, ymin, ymax`` of a present row are no box, or None."""
    xmin, xmax, ymin, ymax = rel
    if not np.all(np.isfinite(rel)) or min(xmin, ymin) < 0 or max(xmax, ymax) > 1:
        return f"xmin={xmin:g} xmax={xmax:g} ymin={ymin:g} ymax={ymax:g} is not inside 0..1"
    if xmax <= xmin or ymax <= ymin:
        return f"empty box xmin={xmin:g} xmax={xmax:g} ymin={ymin:g} ymax={ymax:g}"
    return None


def _listed(problems: list[str], what: str) -> Problem | None:
    if not problems:
        return None
    more = f" and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
    return Problem(what, "; ".join(problems[:_SHOWN]) + more)


class YoutubeBBDataset(Dataset):
    format = "youtubebb"
    layout = ("YouTube-BB/{yt_bb_detection_<split>.csv, yt_bb_detection_<split>/<class_id>/"
              "<youtube_id>_<timestamp_ms>_<class_id>_<object_id>.jpg}")

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self.split = split or "train"
        if self.split not in SPLITS:
            raise self._bad_split(SPLITS)
        self.csv_path = self.root / f"{SPLITS[self.split]}.csv"
        if not self.csv_path.is_file():
            raise DataError(f"youtubebb: {self.csv_path} not found; expected layout: {self.layout}")
        self.frame_root = self.root / SPLITS[self.split]
        self._tracks: dict[str, tuple[tuple[str, str, str, str], np.ndarray]] = {}
        self._bad_rows: list[str] = []

    def _list_names(self) -> list[str]:
        pending: dict[tuple, list[list[float]]] = {}
        with open(self.csv_path, newline="", errors="replace") as handle:
            reader = csv.reader(handle)
            video = None
            for row in tqdm(reader, desc="YouTube-BB rows", unit="row", leave=False, mininterval=2,
                            disable=self.csv_path.stat().st_size < 10_000_000):
                if not row or not "".join(row).strip():
                    continue
                line = reader.line_num
                if line == 1 and row[0].strip() == COLUMNS[0]:
                    continue  # a header row some tools add
                parsed = parse_row(row)
                if isinstance(parsed, str):
                    self._bad_rows.append(f"{self.csv_path}:{line}: {parsed}")
                    continue
                key, numbers = parsed
                if key[0] != video:  # the CSV lists a video's rows together: keep the finished ones compact
                    self._flush(pending)
                    video = key[0]
                pending.setdefault(key, []).append(numbers + [float(line)])
            self._flush(pending)
        names = sorted(self._tracks)
        if self._bad_rows:
            names.append(self.csv_path.name)
        if not names:
            raise DataError(f"youtubebb: no rows in {self.csv_path}")
        return names

    def _flush(self, pending: dict) -> None:
        for key, rows in pending.items():
            name = "_".join((key[0], key[1], key[3]))
            arr = np.asarray(rows, dtype=np.float64)
            if name in self._tracks:  # a video listed in two places
                arr = np.concatenate([self._tracks[name][1], arr])
            self._tracks[name] = (key, arr[np.argsort(arr[:, TS], kind="stable")])
        pending.clear()

    def frame_path(self, key: tuple[str, str, str, str], timestamp_ms: int) -> Path:
        youtube_id, class_id, _, object_id = key
        return self.frame_root / class_id / f"{youtube_id}_{timestamp_ms}_{class_id}_{object_id}.jpg"

    def _load(self, name: str) -> Sequence:
        self.names
        if name not in self._tracks:  # the rows that could not be parsed
            return Sequence(name, [], np.zeros((0, 4)), np.zeros(0, bool), {"csv": str(self.csv_path)},
                            (_listed(self._bad_rows, "invalid_boxes"),))
        key, rows = self._tracks[name]
        frames = [self.frame_path(key, int(ts)) for ts in rows[:, TS]]
        present = rows[:, PRESENT] > 0
        exists = np.array([bool(p) and f.is_file() for p, f in zip(present, frames)])
        missing, bad_box = [], []
        box_ok = np.zeros(len(rows), bool)
        for i in np.flatnonzero(present):
            where = f"{self.csv_path}:{int(rows[i, LINE])}"
            why = box_problem(rows[i, XMIN:YMAX + 1])
            box_ok[i] = why is None
            if why:
                bad_box.append(f"{where}: {why}")
            if not exists[i]:
                missing.append(f"{where}: frame {frames[i]} is missing")
        size = next((s for s in (image_size(frames[i]) for i in np.flatnonzero(exists)) if s), None)
        boxes = np.full((len(rows), 4), np.nan)
        if size is not None:
            w, h = size
            ok = box_ok & exists
            boxes[ok, 0] = rows[ok, XMIN] * w
            boxes[ok, 1] = rows[ok, YMIN] * h
            boxes[ok, 2] = (rows[ok, XMAX] - rows[ok, XMIN]) * w
            boxes[ok, 3] = (rows[ok, YMAX] - rows[ok, YMIN]) * h
        visible = box_ok & exists & (size is not None)
        issues = [p for p in (_listed(missing, "missing_frames"), _listed(bad_box, "invalid_boxes")) if p]
        meta = {"youtube_id": key[0], "class_id": key[1], "class_name": key[2], "object_id": key[3],
                "timestamps_ms": rows[:, TS].astype(np.int64), "csv_lines": rows[:, LINE].astype(np.int64),
                # absent rows need no frame file: data check does not ask for them
                "optional_frames": ~present}
        if size is not None:
            meta["resolution"] = size
        return Sequence(name, [str(f) for f in frames], boxes, visible, meta, tuple(issues))

