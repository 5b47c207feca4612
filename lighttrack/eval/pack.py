"""Result archives in the layouts the evaluation servers require.

* GOT-10k test server: a zip whose root holds one folder per sequence,
  ``<seq>/<seq>_001.txt`` (``_002``, ``_003`` for stochastic trackers) and ``<seq>/<seq>_time.txt``,
  boxes as ``x,y,w,h`` per frame.
* TrackingNet server: a zip whose root holds ``<video>.txt`` for each of the test videos.

Before writing, every sequence of the data set must have results with one line per frame; boxes
that are NaN (which the servers cannot score) are replaced by the previous frame's box (the
first frame's ground truth at the start), and the count is reported.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from lighttrack.errors import InputError
from lighttrack.eval.results import ResultStore, format_boxes, format_times
from lighttrack.io import atomic_write

SERVERS = {"got10k": "got10k", "trackingnet": "trackingnet"}


def _fill_nan(boxes: np.ndarray, first: np.ndarray) -> tuple[np.ndarray, int]:
    b = boxes.copy()
    n = 0
    prev = first
    for i in range(len(b)):
        if not np.all(np.isfinite(b[i])):
            b[i] = prev
            n += 1
        prev = b[i]
    return b, n


def pack_results(dataset, store: ResultStore, out_zip: str | Path) -> dict:
    """Write the server archive for the run in ``store``; returns what was packed."""
    if store.fmt not in SERVERS:
        raise InputError(f"no evaluation server layout for {store.fmt!r} results; packing supports "
                         "got10k and trackingnet")
    names = list(dataset.names)
    missing = [n for n in names if store.repetitions(n) == 0]
    if missing:
        raise InputError(f"cannot pack: results missing for {len(missing)} of {len(names)} sequences "
                         f"(first: {', '.join(missing[:5])})")
    filled = 0
    entries: list[tuple[str, str]] = []
    for name in names:
        seq = dataset[name]
        first = np.asarray(seq.boxes[0], dtype=np.float64)
        runs = store.read_runs(name, len(seq))
        if store.fmt == "trackingnet":
            boxes, n = _fill_nan(runs[0], first)
            filled += n
            entries.append((f"{name}.txt", format_boxes(boxes)))
        else:
            for r, run in enumerate(runs, 1):
                boxes, n = _fill_nan(run, first)
                filled += n
                entries.append((f"{name}/{name}_{r:03d}.txt", format_boxes(boxes)))
            times = store.read_times(name)
            if times is None:
                times = np.zeros((len(seq), len(runs)))
            entries.append((f"{name}/{name}_time.txt", format_times(times)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, text in entries:
            zf.writestr(arcname, text)
    out_zip = Path(out_zip)
    atomic_write(out_zip, lambda f: f.write(buf.getvalue()))
    return {"archive": str(out_zip), "server": store.fmt, "sequences": len(names), "files": len(entries),
            "nan_boxes_filled": filled}
