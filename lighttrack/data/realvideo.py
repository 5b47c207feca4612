"""The real-video split: validation clips no weights ever train on, and the training clips.

Two sources of real video with boxes, each found through one environment variable:

* ``LIGHTTRACK_REALVIDEO``: the clips ``../shared/realvideo/build.py`` builds (UAV123 at 10 fps,
  UAVDT, DTB70, two others), read with the ``realvideo`` format (1-based boxes shifted to 0-based);
  clips named ``<bench>/<seq>``.
* ``LIGHTTRACK_DAVIS``: DAVIS-2016 in the folder layout (``../shared/data/davis2016``, 0-based
  boxes), read with the ``folder`` format; clips named ``<split>/<seq>``.

``lighttrack/data/splits/realvideo_split.txt`` assigns every clip of both sources to ``train`` or
``val``. A clip on disk that the file does not list, or a listed clip missing on disk, is a
``DataError``: the validation split is exactly the recorded one or nothing.

    from lighttrack.data.realvideo import open_realvideo_split
    val = open_realvideo_split("val")            # roots from the two environment variables
    seq = val["realvideo/DTB70/Gull2"]           # or val["davis2016/val/blackswan"]
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lighttrack.data.datasets import open_dataset
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.sequence import Sequence
from lighttrack.errors import ConfigError, DataError
from lighttrack.settings import DATA_ROOTS
from lighttrack.settings import data_root as settings_data_root

SPLITS = ("train", "val")
SPLIT_FILE = Path(__file__).resolve().parent / "splits" / "realvideo_split.txt"
# The search split (issue 26): training-side clips held out of supernet training, on which the
# search measures candidate fitness. ``search`` reads them, ``supernet`` the rest of the training
# side; ``train`` stays the whole training side and ``val`` the validation split.
SEARCH_SPLIT_FILE = Path(__file__).resolve().parent / "splits" / "realvideo_search_split.txt"
READ_SPLITS = ("train", "val", "search", "supernet")
# source name in the split file -> (environment variable, reader format, what it is: the one
# description of each variable, in lighttrack.settings.DATA_ROOTS)
SOURCES = {
    "realvideo": ("LIGHTTRACK_REALVIDEO", "realvideo", DATA_ROOTS["LIGHTTRACK_REALVIDEO"]),
    "davis2016": ("LIGHTTRACK_DAVIS", "folder", DATA_ROOTS["LIGHTTRACK_DAVIS"]),
}


def split_file_path(split_file=None) -> Path:
    return Path(split_file).expanduser() if split_file is not None else SPLIT_FILE


def split_table(split_file=None) -> list[tuple[str, str, str]]:
    """``(source, clip, split)`` rows of the split file, in its order; DataError for a bad line."""
    path = split_file_path(split_file)
    try:
        text = path.read_text()
    except OSError as err:
        raise DataError(f"cannot read the real-video split file {path} ({err.strerror or err})") from None
    rows, seen = [], set()
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 3 or parts[0] not in SOURCES or parts[2] not in SPLITS:
            raise DataError(f"{path}:{number}: expected '<source> <clip> <split>' with source in "
                            f"{', '.join(SOURCES)} and split in {', '.join(SPLITS)}, got {line!r}")
        if (parts[0], parts[1]) in seen:
            raise DataError(f"{path}:{number}: {parts[0]} {parts[1]} is listed twice")
        seen.add((parts[0], parts[1]))
        rows.append((parts[0], parts[1], parts[2]))
    return rows


def split_assignment(source: str, split_file=None) -> dict[str, str]:
    """clip -> ``train`` / ``val`` for one source of the split file."""
    return {clip: side for src, clip, side in split_table(split_file) if src == source}


def search_clips(search_file=None, split_file=None) -> set[tuple[str, str]]:
    """``(source, clip)`` of the search split file; DataError for a bad line, an unknown clip or
    any clip of the validation split (the validation split is never searched on)."""
    path = Path(search_file).expanduser() if search_file is not None else SEARCH_SPLIT_FILE
    try:
        text = path.read_text()
    except OSError as err:
        raise DataError(f"cannot read the real-video search split file {path} ({err.strerror or err})") from None
    sides = {(src, clip): side for src, clip, side in split_table(split_file)}
    clips, val = set(), []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or parts[0] not in SOURCES:
            raise DataError(f"{path}:{number}: expected '<source> <clip>' with source in {', '.join(SOURCES)}, got {line!r}")
        key = (parts[0], parts[1])
        if key not in sides:
            raise DataError(f"{path}:{number}: {parts[0]} {parts[1]} is not a clip of {split_file_path(split_file)}")
        if sides[key] == "val":
            val.append(f"{parts[0]} {parts[1]}")
        clips.add(key)
    if val:
        raise DataError(f"the search split {path} overlaps the validation split of {split_file_path(split_file)} "
                        f"({', '.join(val[:5])}{' …' if len(val) > 5 else ''}): the validation split is never searched on")
    return clips


def clip_sides(source: str, split_file=None, search_file=None, split: str = "search") -> dict[str, tuple[str, ...]]:
    """clip -> the splits that read it: ``("val",)``, or ``("train", "search")`` /
    ``("train", "supernet")`` for a training clip inside / outside the search split. The search
    split file is read only when ``split`` is ``search`` or ``supernet``."""
    if split not in ("search", "supernet"):
        return {clip: (side,) for clip, side in split_assignment(source, split_file).items()}
    held = {clip for src, clip in search_clips(search_file, split_file) if src == source}
    return {clip: (side,) if side == "val" else (side, "search" if clip in held else "supernet")
            for clip, side in split_assignment(source, split_file).items()}


def data_root(source: str, root=None) -> Path:
    """The folder of one source: ``root`` when given, else its environment variable.

    DataError naming the variable when it is unset or does not name a folder.
    """
    if source not in SOURCES:
        raise DataError(f"unknown real-video source {source!r}; choose one of {', '.join(SOURCES)}")
    var, _, what = SOURCES[source]
    if root is None or str(root) == "":
        try:
            return settings_data_root(var)
        except ConfigError as err:  # a missing data set, here: the reader's kind of error
            raise DataError(str(err)) from None
    path = Path(root).expanduser()
    if not path.is_dir():
        raise DataError(f"{source} root {root} is not a folder (expected {what})")
    return path


class RealVideoSplit(Dataset):
    """One side of the split over both sources; names ``<source>/<clip>``.

    Opening lists every clip of both sources against the split file (DataError on any
    difference); ``check()`` also reads every clip (frame and box counts).
    """

    format = "realvideo-split"
    layout = "two roots (LIGHTTRACK_REALVIDEO, LIGHTTRACK_DAVIS) and lighttrack/data/splits/realvideo_split.txt"

    def __init__(self, split: str, realvideo_root=None, davis_root=None, split_file=None, search_file=None) -> None:
        if split not in READ_SPLITS:
            raise DataError(f"unknown real-video split {split!r}; choose one of {', '.join(READ_SPLITS)}")
        super().__init__(None, split)

        self.split_file = split_file_path(split_file)
        self.roots = {"realvideo": data_root("realvideo", realvideo_root),
                      "davis2016": data_root("davis2016", davis_root)}
        self.parts: dict[str, Dataset] = {
            "realvideo": open_dataset("realvideo", self.roots["realvideo"], split=split, split_file=self.split_file,
                                      search_file=search_file),
            "davis2016": open_dataset("folder", self.roots["davis2016"]),
        }
        assigned = clip_sides("davis2016", self.split_file, search_file, split)
        on_disk = set(self.parts["davis2016"].names)
        unlisted = sorted(on_disk - set(assigned))
        if unlisted:
            raise DataError(f"davis2016: clip(s) {', '.join(unlisted[:5])} under {self.roots['davis2016']} are in "
                            f"no split of {self.split_file}; add them as train or val")
        absent = [c for c, sides in assigned.items() if split in sides and c not in on_disk]
        if absent:
            raise DataError(f"davis2016: {len(absent)} {split} clip(s) of {self.split_file} are missing under "
                            f"{self.roots['davis2016']}: {', '.join(absent[:5])}")
        self._davis = [c for c in self.parts["davis2016"].names if split in assigned[c]]

    def _list_names(self) -> list[str]:
        return ([f"realvideo/{n}" for n in self.parts["realvideo"].names]
                + [f"davis2016/{n}" for n in self._davis])

    def _load(self, name: str) -> Sequence:
        source, _, clip = name.partition("/")
        seq = self.parts[source][clip]
        return dataclasses.replace(seq, name=name, meta={**seq.meta, "source": source})

    def check(self) -> "RealVideoSplit":
        """Read every clip now (frame and box counts; DataError names a bad clip); returns self."""
        for name in self.names:
            self[name]
        return self

    def __repr__(self) -> str:
        return (f"RealVideoSplit(split={self.split!r}, realvideo={str(self.roots['realvideo'])!r}, "
                f"davis2016={str(self.roots['davis2016'])!r}, clips={len(self)})")


class RealVideoSplitSource(RealVideoSplit):
    """The split over both sources as a data source of configs (``format: realvideo-split``):
    ``root`` is the real-video folder, ``options.davis_root`` DAVIS (default ``$LIGHTTRACK_DAVIS``);
    ``split`` one of ``train``, ``val``, ``search``, ``supernet``."""

    def __init__(self, root, split: str | None = None, davis_root=None, split_file=None, search_file=None) -> None:
        if split is None:
            raise DataError(f"realvideo-split: name a split ({', '.join(READ_SPLITS)})")
        super().__init__(split, root, davis_root, split_file, search_file)


def open_realvideo_split(split: str = "val", realvideo_root=None, davis_root=None, split_file=None,
                         check: bool = True, search_file=None) -> RealVideoSplit:
    """The real-video ``val`` (or ``train``) clips of both sources.

    Roots default to ``$LIGHTTRACK_REALVIDEO`` and ``$LIGHTTRACK_DAVIS``; ``check`` reads every
    clip up front, so a clip whose frames and boxes disagree fails before any work starts.
    """
    ds = RealVideoSplit(split, realvideo_root, davis_root, split_file, search_file)
    return ds.check() if check else ds


__all__ = ["SPLITS", "READ_SPLITS", "SPLIT_FILE", "SEARCH_SPLIT_FILE", "search_clips", "clip_sides", "SOURCES", "RealVideoSplit", "RealVideoSplitSource", "open_realvideo_split", "data_root",
           "split_table", "split_assignment", "split_file_path"]
