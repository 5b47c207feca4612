"""Which benchmark follows which evaluation protocol and writes which result format."""

from __future__ import annotations

from dataclasses import dataclass

from lighttrack.errors import DataError


@dataclass(frozen=True)
class Protocol:
    name: str
    kind: str  # "ope" | "got10k" | "vot" | "multistart"
    rule: str  # OPE rule for invalid / absent ground truth (see metrics.ope_sequence)
    result_format: str  # "ope" | "got10k" | "trackingnet" | "vot" | "vot-multistart"
    description: str
    headline: tuple[str, ...]

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "rule": self.rule,
                "result_format": self.result_format, "description": self.description}


_OPE_CURVES = ("success over 21 IoU thresholds 0:0.05:1 with IoU > t, AUC = their mean; "
               "precision = centre error <= 20 px with centres x+(w-1)/2; first frame = ground "
               "truth; invalid predicted boxes replaced by the previous frame's box")

PROTOCOLS = {
    "otb-ope": Protocol(
        "otb-ope", "ope", "otb", "ope",
        "OTB one-pass evaluation as the OTB MATLAB toolkit computes it: " + _OPE_CURVES +
        "; ground truth with a coordinate <= 0 or NaN counts as a failure for success and a "
        "success for precision; curves averaged over sequences",
        ("auc", "precision", "norm_precision")),
    "uav-ope": Protocol(
        "uav-ope", "ope", "otb", "ope",
        "UAV123 one-pass evaluation (same rules as the OTB toolkit): " + _OPE_CURVES +
        "; NaN ground truth (target absent) counts as a failure for success and a success for "
        "precision; curves averaged over sequences",
        ("auc", "precision", "norm_precision")),
    "lasot-ope": Protocol(
        "lasot-ope", "ope", "lasot", "ope",
        "LaSOT one-pass evaluation as the LaSOT toolkit computes it: " + _OPE_CURVES +
        "; absent frames (full occlusion or out of view) count as failures for success, "
        "precision and normalised precision, divided by the full length; normalised precision "
        "= offsets divided by ground-truth w, h, reported at 0.20",
        ("auc", "norm_precision", "precision")),
    "trackingnet": Protocol(
        "trackingnet", "ope", "trackingnet", "trackingnet",
        "TrackingNet as its evaluation server's devkit computes it: coordinates rounded, centres "
        "x+(w+1)/2; success = trapezoidal area under the 21-point IoU curve, precision = area "
        "under the 0..50 px curve, normalised precision = area under 21 points in [0, 0.5]",
        ("auc", "precision", "norm_precision")),
    "got10k": Protocol(
        "got10k", "got10k", "exclude", "got10k",
        "GOT-10k as its toolkit computes it: first frame excluded, both boxes bounded to the "
        "image, only frames with cover > 0, IoUs of all frames of all sequences and repetitions "
        "pooled; AO = mean IoU, SR0.5 / SR0.75 = fraction IoU > 0.5 / 0.75",
        ("ao", "sr50", "sr75")),
    "vot-supervised": Protocol(
        "vot-supervised", "vot", "exclude", "vot",
        "VOT short-term supervised ('baseline', VOT2016-2019): overlap of regions bounded to the "
        "image; failure when it is 0, re-initialisation 5 frames later; accuracy excludes 10 "
        "burn-in frames after every initialisation; reliability exp(-30 F/L); EAO over the "
        "VOT2016 [108, 371], VOT2017/2018 [100, 356] and VOT2019 [46, 291] intervals",
        ("accuracy", "robustness_per100", "eao")),
    "vot-multistart": Protocol(
        "vot-multistart", "multistart", "exclude", "vot-multistart",
        "VOT short-term multi-start (VOT2020-2022, VOT-STb2022; vot-toolkit 0.9): the tracker starts "
        "at every anchor of anchor.value and runs forward (> 0) or backward (< 0) without resets; "
        "overlaps with the ground truth (masks as masks, boxes rasterised to pixels) bounded to the "
        "image; a run fails at the first of 10 consecutive frames with overlap <= 0.1; accuracy "
        "over the frames before failure, robustness = their share; EAO over [115, 755]",
        ("accuracy", "robustness", "eao")),
    "ope": Protocol(
        "ope", "ope", "exclude", "ope",
        "generic one-pass evaluation (OTB-style curves): " + _OPE_CURVES +
        "; frames whose ground truth is absent or NaN are left out of the averages",
        ("auc", "precision", "norm_precision")),
}

DATASET_PROTOCOL = {
    "otb": "otb-ope",
    "uav123": "uav-ope",
    "uav": "uav-ope",
    "lasot": "lasot-ope",
    "trackingnet": "trackingnet",
    "got10k": "got10k",
    "vot": "vot-supervised",
    "davis": "ope",
    "folder": "ope",
    "realvideo": "ope",
    "vid": "ope",
    "synthetic": "ope",
    "coco": "ope",
}


def protocol_for(dataset_format: str, override: str | None = None) -> Protocol:
    """The protocol a benchmark is evaluated with (``override`` picks another by name)."""
    name = override or DATASET_PROTOCOL.get(dataset_format)
    if name is None:
        raise DataError(f"no evaluation protocol for data set format {dataset_format!r}; "
                        f"known: {', '.join(sorted(DATASET_PROTOCOL))}")
    if name not in PROTOCOLS:
        raise DataError(f"unknown protocol {name!r}; known: {', '.join(sorted(PROTOCOLS))}")
    return PROTOCOLS[name]


def vot_protocol(dataset) -> Protocol:
    """VOT2020+ layouts (sequences with ``anchor.value``) are multi-start, older ones supervised."""
    try:
        first = dataset[0]
    except (IndexError, KeyError):
        return PROTOCOLS["vot-supervised"]
    meta = first.meta if isinstance(getattr(first, "meta", None), dict) else {}
    return PROTOCOLS["vot-multistart" if "anchor" in (meta.get("values") or {}) else "vot-supervised"]
