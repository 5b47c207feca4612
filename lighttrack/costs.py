"""Per-module parameter and MAC costs of a search space, cached on disk: what training's
constrained path sampling and the search's budgets both read (below both layers).

:func:`cost_table` is ``profile.CostTable.build`` with a disk cache; the key helpers name a
space and a table entry the same way in every cache file (latency tables use them too).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from lighttrack.io import atomic_write_json
from lighttrack.profile import CostTable
from lighttrack.space import SearchSpace


def key_to_str(key: tuple) -> str:
    return "/".join(str(k) for k in key)


def str_to_key(text: str) -> tuple:
    parts = text.split("/")
    return (parts[0], *(int(p) for p in parts[1:]))


def space_signature(space: SearchSpace) -> dict:
    return {"depths": list(space.depths), "output_positions": [list(p) for p in space.output_positions], "head_layers": space.head_layers}


def _nn_fingerprint() -> str:
    """Hash of the network code the costs depend on (a change invalidates cached tables)."""
    root = Path(__file__).parent  # the package folder
    h = hashlib.sha256()
    for rel in ("nn/ops.py", "nn/backbone.py", "nn/head.py", "nn/net.py", "profile.py", "arch.py"):
        path = root / rel
        h.update(path.read_bytes() if path.is_file() else b"")
    return h.hexdigest()[:16]


def cost_table(space: SearchSpace, search_size: int = 256, template_size: int = 128):
    """``CostTable.build`` with a disk cache (building one takes about a minute on a small CPU).

    Looks in ``lighttrack/search/tables/`` (package data, shipped for the paper space), then in
    ``$LIGHTTRACK_CACHE`` (default ``~/.cache/lighttrack``); builds and stores it there otherwise.
    The file name carries a hash of the network code, so stale tables are never used.
    """
    sig = json.dumps([space_signature(space), search_size, template_size], sort_keys=True)

    name = f"costs-{hashlib.sha256(sig.encode()).hexdigest()[:10]}-{_nn_fingerprint()}.json"
    shipped = Path(__file__).parent / "search" / "tables" / name
    user = Path(os.environ.get("LIGHTTRACK_CACHE", Path.home() / ".cache" / "lighttrack")) / name
    for path in (shipped, user):
        if path.is_file():
            try:
                data = json.loads(path.read_text())
                entries = {str_to_key(k): tuple(v) for k, v in data["entries"].items()}
                return CostTable(entries, search_size, space)
            except (ValueError, KeyError, TypeError):
                pass
    table = CostTable.build(space, search_size, template_size)
    try:
        atomic_write_json(user, {"signature": sig, "entries": {key_to_str(k): list(v) for k, v in table.entries.items()}})
    except OSError:
        pass
    return table
