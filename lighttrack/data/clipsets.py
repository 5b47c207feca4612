"""Named sets of evaluation clips: several data sets' sequences under one list of names.

- :class:`ClipSet`: the container (``names``, ``clips[name]`` or ``clips[i]``), what the
  evaluation runner reads;
- :class:`DemoStills`: the held-out clips - every object of the 12 photos shipped in
  ``lighttrack/assets/demo/stills``, filmed by the virtual camera (no shipped weights saw them);
- :func:`validation_clips`: unseen camera paths over the *training* photos, the split we choose
  weights and presets on;
- :func:`synthetic_clips`: synthetic clips of a seed no training run used (objects no network saw).

The demo evaluates on :class:`DemoStills`; ``benchmarks/heldout.py``, ``tune_validation.py`` and
``scale_response.py`` on all three.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from lighttrack.data.datasets import open_dataset
from lighttrack.models import ASSETS_DIR

HELDOUT_STILLS_DIR = ASSETS_DIR / "demo" / "stills"
HELDOUT_STILL_SETS = ("thermal_dogs_people", "aquarium", "coco_mini")
# A synthetic-clip seed that no training config uses (tests/test_benchmark_clips.py checks it).
UNSEEN_SYNTHETIC_SEED = 4242


def heldout_still_roots() -> list[Path]:
    """The shipped held-out still sets, in the order the demo and the benchmarks list them."""
    return [HELDOUT_STILLS_DIR / name for name in HELDOUT_STILL_SETS]


class ClipSet:
    """Sequences of several data sets under one list of names (``names``, ``clips[name]``)."""

    def __init__(self, items: dict[str, tuple]) -> None:
        self._items = items  # name -> (data set, its own name for the sequence)
        self.names = list(items)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, key):
        name = self.names[key] if isinstance(key, int) else key
        ds, inner = self._items[name]
        return dataclasses.replace(ds[inner], name=name)


class DemoStills(ClipSet):
    """The held-out evaluation clips: every object of the shipped still sets, as a camera clip."""

    format = "stills"
    root = "lighttrack/assets/demo/stills"
    split = None
    PREFIX = {"thermal_dogs_people": "thermal", "aquarium": "aquarium", "coco_mini": "coco"}

    def __init__(self, length: int, max_sequences: int | None = None, camera: str = "handheld") -> None:
        items = {}
        for root in heldout_still_roots():
            ds = open_dataset("stills", str(root), length=length, seed=0, camera=camera)
            prefix = self.PREFIX.get(root.name, root.name)
            for n in ds.names:
                items[f"{prefix}-{n}"] = (ds, n)
        super().__init__(items)
        if max_sequences:
            self.names = self.names[:max_sequences]


def validation_clips(root: str | Path, camera: str, length: int, seed: int = 99) -> ClipSet:
    """Unseen clips of the training photos (``root``: the folder ``python -m lighttrack.demo.assets``
    makes, ``$LIGHTTRACK_STILLS``): a seeded choice of objects from each set."""
    items: dict[str, tuple] = {}
    for name, count in (("coco_mini", 8), ("thermal_dogs_people", 6), ("aquarium", 6)):
        ds = open_dataset("stills", str(Path(root) / name), length=length, seed=seed, camera=camera)
        names = ds.names
        for i in np.random.default_rng(0).choice(len(names), min(count, len(names)), replace=False):
            items[f"{name}-{names[i]}"] = (ds, names[i])
    return ClipSet(items)


def synthetic_clips(count: int, length: int, seed: int = UNSEEN_SYNTHETIC_SEED) -> ClipSet:
    """Synthetic clips of a seed no run trained on: objects no network has seen, a check on what
    the validation clips (seen photos) favour. A preset that trusts box sizes won on validation
    and lost here and on the held-out clips (model card)."""
    ds = open_dataset("synthetic", None, num_sequences=count, length=length, seed=seed)
    return ClipSet({name: (ds, name) for name in ds.names})  # named synthetic-<seed>-<index>
