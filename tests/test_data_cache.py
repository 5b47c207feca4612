"""The crop cache: written resumably, read back as ordinary sequences, same pairs as the source."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lighttrack.cli import main
from lighttrack.data import PairDataset, PairSampler, Source, open_dataset
from lighttrack.data.cache import CacheConfig, build_cache
from lighttrack.errors import DataError


def test_cache_roundtrip_and_resume(tmp_path):
    src = open_dataset("synthetic", None, num_sequences=3, length=8, seed=4, size=(200, 150))
    out = tmp_path / "cache"
    summary = build_cache(src, out, CacheConfig(crop_size=160), progress=False)
    usable = sum(len(s.usable()) for s in src)
    assert summary["frames_written"] == usable and summary["sequences"] == 3
    cached = open_dataset("cache", out)
    assert cached.names == src.names and cached.complete
    for a, b in zip(src, cached):
        assert len(a) == len(b) and np.array_equal(a.usable(), b.usable())
        i = int(b.usable()[0])
        assert b.frame(i).shape == (160, 160, 3)
        x, y, w, h = b.boxes[i]  # the target sits centred in its crop
        assert np.allclose([x + w / 2, y + h / 2], [80, 80], atol=0.01)
        assert np.allclose(w / h, a.boxes[i, 2] / a.boxes[i, 3], rtol=1e-4)
    again = build_cache(src, out, CacheConfig(crop_size=160), progress=False)
    assert again["reused_sequences"] == 3 and again["frames_written"] == 0
    with pytest.raises(DataError, match="other settings"):
        build_cache(src, out, CacheConfig(crop_size=128), progress=False)


def test_pairs_from_cache_match_pairs_from_frames(tmp_path):
    src = open_dataset("synthetic", None, num_sequences=2, length=10, seed=1, size=(240, 180))
    build_cache(src, tmp_path / "c", progress=False)
    cached = open_dataset("cache", tmp_path / "c")
    a = PairDataset(PairSampler([Source(src, 12, 4)], seed=5))
    b = PairDataset(PairSampler([Source(cached, 12, 4)], seed=5))
    for i in range(6):
        x, y = a[i], b[i]
        assert np.allclose(x["box"].numpy(), y["box"].numpy(), atol=0.05)
        assert np.array_equal(x["cls_label"].numpy(), y["cls_label"].numpy())
        diff = np.abs(x["search"].numpy().astype(int) - y["search"].numpy().astype(int)).mean()
        assert diff < 12  # only resampling and JPEG differ


def test_cache_cli(tmp_path, capsys):
    import data_helpers as h

    root = h.make_folder(tmp_path)
    out = tmp_path / "cache"
    assert main(["data", "cache", "--format", "folder", "--root", str(root), "--out", str(out),
                 "--crop-size", "96", "--workers", "2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["frames_written"] == 5
    assert open_dataset("auto", out).format == "cache"
    assert main(["data", "stats", str(out)]) == 0
