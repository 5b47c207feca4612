"""The validation split is never searched on: refuse a search whose scoring data reads it.

Candidate fitness is measured on the search split (``lighttrack/data/splits/realvideo_search_split.txt``,
training-side clips held out of supernet training; ``split: search`` of the ``realvideo`` and
``realvideo-split`` formats). The real-video validation split (``val`` in ``realvideo_split.txt``:
real-video clips and DAVIS-2016 val) is what every result is reported on, so a search that picked
architectures by it would report on its own selection set. Checked from the config alone, before
the supernet or any clip is read.
"""

from __future__ import annotations

from pathlib import Path

from lighttrack.data.realvideo import search_clips, split_table
from lighttrack.errors import ConfigError

REALVIDEO_FORMATS = ("realvideo", "realvideosplit")


def _format_key(fmt) -> str:
    return str(fmt or "").lower().replace("-", "").replace("_", "")


def check_search_split(data: dict) -> None:
    """ConfigError for the first ``data.val`` source that reads clips of the validation split;
    DataError (from the reader's own check) for a search split file that overlaps it."""
    val_davis = [clip for src, clip, side in split_table() if src == "davis2016" and side == "val"]
    for i, src in enumerate(data.get("val") or []):
        src = src if isinstance(src, dict) else {}
        fmt, split, options = _format_key(src.get("format")), src.get("split"), src.get("options") or {}
        key = f"data.val.{i}"
        if fmt in REALVIDEO_FORMATS:
            if split in (None, "val", "train_val"):
                raise ConfigError(
                    f"config key '{key}.split': {split!r} reads the real-video validation split, which is never searched on; "
                    "score candidates on split: search (lighttrack/data/splits/realvideo_search_split.txt)"
                )
            if split == "search":
                search_clips(options.get("search_file"), options.get("split_file"))  # its own overlap check
        elif src.get("root") and split in (None, "val"):
            root = Path(str(src["root"])).expanduser()
            inside = [clip for clip in val_davis if (root / clip).is_dir()]  # DAVIS folder layout: <root>/val/<seq>
            if inside:
                raise ConfigError(
                    f"config key '{key}': {src.get('format')} {str(root)!r} (split {split!r}) holds clips of the real-video "
                    f"validation split ({', '.join(inside[:3])}{' …' if len(inside) > 3 else ''}), which is never searched on; "
                    "score candidates on the search split (format realvideo-split, split: search)"
                )
