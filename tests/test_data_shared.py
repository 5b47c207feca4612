"""The real data in ../shared/data (DAVIS-2016 in the folder layout, still sets in COCO format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lighttrack.data import PairDataset, PairSampler, Source, open_dataset
from lighttrack.data.validate import check_dataset

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DAVIS = SHARED_DATA / "davis2016"
COCO_MINI = SHARED_DATA / "stills" / "coco_mini"


@pytest.mark.skipif(not DAVIS.is_dir(), reason=f"shared DAVIS-2016 data not found at {DAVIS}")
def test_davis2016_reads_as_the_folder_layout():
    val = open_dataset("folder", DAVIS, "val")
    assert len(val) == 15 and len(open_dataset("folder", DAVIS, "train")) == 27
    bmx = open_dataset("folder", DAVIS, "train")["bmx-bumps"]
    assert len(bmx) == 90 and (~bmx.visible).sum() == 14  # the README's empty-mask frames
    assert bmx.frame(0).shape == (360, 640, 3)
    assert all(r.ok for r in check_dataset(val, progress=False, limit=3))


@pytest.mark.skipif(not COCO_MINI.is_dir(), reason=f"shared still set not found at {COCO_MINI}")
def test_coco_mini_stills_become_clips_and_pairs():
    stills = open_dataset("stills", COCO_MINI, length=10, size=(320, 240))
    seq = stills[0]
    assert len(seq) == 10 and seq.frame(5).shape == (240, 320, 3)
    assert np.all(seq.boxes[:, 2:] > 0)
    coco = open_dataset("coco", COCO_MINI)
    assert len(coco) == 539
    ds = PairDataset(PairSampler([Source(stills, 4, 5), Source(coco, 4, 0)], seed=0))
    assert all(ds[i]["cls_label"].sum() == 5 for i in range(4))
