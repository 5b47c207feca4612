"""Real video with boxes as ``../shared/realvideo/build.py`` builds it:
``<root>/<bench>/<seq>/{img/*.jpg, groundtruth.txt, meta.json}``.

The clips come from UAV123 (at 10 fps), UAVDT, DTB70 and two other sources. Their boxes keep the
benchmarks' MATLAB convention, 1-based (``meta.json``: "coordinates as in the source (1-based,
MATLAB convention)"), so this reader reads with ``box_base=1`` and shifts them to lighttrack's
0-based pixels through ``annotations.to_zero_based`` (the one place a box base is handled, shared
with ``folder``). A ``box_base`` key in a clip's ``meta.json`` overrides the format's base for
that clip.

Unlike the other readers, this one does not repair: a validation split must be exactly what was
built, so a clip whose frame files, ground-truth rows and ``meta.json`` frame count disagree, or
that has unreadable rows, raises ``DataError`` naming the clip. Sequences are named
``<bench>/<seq>``. ``split="train"`` / ``"val"`` keeps the clips the packaged split file
(``splits/realvideo_split.txt``, see ``lighttrack.data.realvideo``) assigns to that side.
"""

from __future__ import annotations

import json
from pathlib import Path

from lighttrack.data.annotations import fill_gaps, list_frames, read_boxes, to_zero_based
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, video_sequence
from lighttrack.data.realvideo import READ_SPLITS, clip_sides, split_file_path
from lighttrack.data.sequence import Sequence
from lighttrack.errors import DataError

GT_NAME = "groundtruth.txt"
META_NAME = "meta.json"
SOURCE = "realvideo"  # this format's name in the split file


class RealVideoDataset(Dataset):
    format = "realvideo"
    layout = "<root>/<bench>/<seq>/{img/*.jpg, groundtruth.txt (1-based x,y,w,h; nan = absent), meta.json}"

    def __init__(self, root, split: str | None = None, box_base: int = 1, split_file=None, search_file=None) -> None:
        super().__init__(root, split)
        if box_base not in (0, 1):
            raise DataError(f"realvideo: box_base must be 0 or 1, not {box_base!r}")
        self.box_base = int(box_base)
        self.split_file = split_file
        self.search_file = search_file  # the search split (splits/realvideo_search_split.txt): sides search / supernet
        self._dirs: dict[str, Path] = {}

    def _list_names(self) -> list[str]:
        base = self._require_dir(self.root)
        self._dirs = {f"{bench.name}/{seq.name}": seq
                      for bench in child_dirs(base) for seq in child_dirs(bench) if (seq / GT_NAME).is_file()}
        if not self._dirs:
            raise DataError(f"realvideo: no clips under {base}; expected layout: {self.layout}")
        if self.split is None:
            return list(self._dirs)

        if self.split not in READ_SPLITS:
            raise self._bad_split(READ_SPLITS)
        assigned = clip_sides(SOURCE, self.split_file, self.search_file, self.split)
        unlisted = [n for n in self._dirs if n not in assigned]
        if unlisted:
            raise DataError(f"realvideo: clip(s) {', '.join(unlisted[:5])} under {base} are in no split of "
                            f"{_split_file_name(self.split_file)}; add them as train or val")
        absent = [n for n, sides in assigned.items() if self.split in sides and n not in self._dirs]
        if absent:
            raise DataError(f"realvideo: {len(absent)} {self.split} clip(s) of {_split_file_name(self.split_file)} "
                            f"are missing under {base}: {', '.join(absent[:5])} (an incomplete build?)")
        return [n for n in self._dirs if self.split in assigned[n]]

    def _load(self, name: str) -> Sequence:
        self.names
        seq_dir = self._dirs[name]
        meta = _read_meta(seq_dir / META_NAME, name)
        frames, missing = fill_gaps(list_frames(seq_dir / "img") or list_frames(seq_dir))
        if missing:
            raise DataError(f"realvideo: clip {name}: frame file(s) missing in {seq_dir / 'img'} "
                            f"(numbers {', '.join(map(str, missing[:5]))})")
        boxes, problems = read_boxes(seq_dir / GT_NAME)
        if problems:
            raise DataError(f"realvideo: clip {name}: {problems[0].detail} ({seq_dir / GT_NAME})")
        expected = meta.get("frames")
        if len(frames) != len(boxes) or (expected is not None and int(expected) != len(frames)):
            said = f", meta.json says {expected}" if expected is not None else ""
            raise DataError(f"realvideo: clip {name} has {len(frames)} frames but {len(boxes)} boxes in "
                            f"{GT_NAME}{said} ({seq_dir})")
        base = meta.get("box_base", self.box_base)
        if base not in (0, 1):
            raise DataError(f"realvideo: clip {name}: box_base in meta.json must be 0 or 1, not {base!r}")
        info = {"dir": str(seq_dir), "bench": meta.get("bench", name.split("/")[0]), "box_base": base}
        if meta.get("width") and meta.get("height"):
            info["resolution"] = (int(meta["width"]), int(meta["height"]))
        for key in ("source_repo", "commit", "gt"):
            if key in meta:
                info[key] = meta[key]
        return video_sequence(name, frames, to_zero_based(boxes, base), [], meta=info, gaps=False)


def _read_meta(path: Path, name: str) -> dict:
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise DataError(f"realvideo: clip {name}: cannot read {path} ({err})") from None
    if not isinstance(meta, dict):
        raise DataError(f"realvideo: clip {name}: {path} is not a JSON object")
    for key in ("frames", "width", "height"):  # counts: a whole number, or absent
        value = meta.get(key)
        if value is None:
            continue
        try:
            number = int(value)
            if isinstance(value, bool) or number != float(value) or number < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise DataError(f"realvideo: clip {name}: {key!r} in {path} must be a whole number, not {value!r}") from None
        meta[key] = number
    return meta


def _split_file_name(split_file) -> str:
    return str(split_file_path(split_file))
