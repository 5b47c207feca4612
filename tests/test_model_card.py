"""The short model card that ships in the package: what each file is (with its registry hash),
a clear data-and-licences section, the headline figures as measured, and a link to the long log."""

from __future__ import annotations

import json
from pathlib import Path

from lighttrack.models import ASSETS_DIR, list_models

ROOT = Path(__file__).resolve().parents[1]
CARD = ASSETS_DIR / "MODEL_CARD.md"
LOG = ROOT / "docs" / "model-card-log.md"
RESULTS = ROOT / "docs" / "results" / "realvideo_val.json"
# card row label -> the tracker's key in docs/results/realvideo_val.json
ROWS = {
    "**lighttrack-mobile**, official weights, carried preset": "official", "official weights, network only": "official-network-only",
    "NanoTrack v2": "nanotrack", "lighttrack-mobile-ours, carried preset": "mobile-ours",
    "lighttrack-mobile-ours, network only": "mobile-ours-network-only", "lighttrack-m300, carried preset": "m300",
    "lighttrack-m300, network only": "m300-network-only", "lighttrack-m200, carried preset": "m200",
    "lighttrack-m200, network only": "m200-network-only", "CSRT": "csrt", "KCF": "kcf", "static": "static",
}


def test_the_card_is_short_and_points_to_the_log():
    text = CARD.read_text()
    assert len(text) < 12_000
    assert "## Training data and licences" in text and "research use only" in text.lower()
    assert "docs/model-card-log.md" in text and LOG.is_file()
    assert "lighttrack/assets/MODEL_CARD.md" in LOG.read_text()


def test_every_shipped_file_is_described_with_its_hash():
    text = CARD.read_text()
    shipped = [m for m in list_models() if m.weights]
    assert shipped
    for model in shipped:
        assert f"`{model.weights}`" in text and model.sha256 in text and model.arch in text


def test_headline_figures_are_the_measured_ones():
    trackers = json.loads(RESULTS.read_text())["trackers"]
    rows = {line.split("|")[1].strip(): line for line in CARD.read_text().splitlines() if line.startswith("| ")}
    for label, key in ROWS.items():
        (row,) = [line for name, line in rows.items() if name.startswith(label)]
        cells = [c.strip().strip("*") for c in row.split("|")[2:-1]]
        t = trackers[key]
        measured = [t["auc"], t["precision"], t["success_rate_50"], t["by_source"]["realvideo"]["auc"], t["by_source"]["davis2016"]["auc"]]
        assert cells == [f"{v:.3f}" for v in measured], (label, cells)
