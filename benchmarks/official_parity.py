"""Proof of the OpenVINO-IR conversion (issue 23): the converted network against the IR itself.

The IR (``../shared/peers/lighttrack-official``) runs in OpenVINO (``pip install openvino``; a
benchmark and test dependency, never the package's), the converted checkpoint in our PyTorch
network. Both are fed the crops that LightTrack's own step cuts from real video: a tracker is run
over each clip with a backend that sends every template and search crop to both networks, records
how far their outputs lie apart (template feature, classification probability, box distances) and
tracks with one of them. Then each network drives a tracker of its own over the same clip and
the two box sequences are compared (largest corner difference, mean IoU, success AUC of each).

OpenVINO is asked for float32 inference (``INFERENCE_PRECISION_HINT``): on CPUs with bf16 units
its default is bfloat16, which is OpenVINO's rounding, not the conversion's (``--ov-precision
default`` measures that instead).

    LIGHTTRACK_DAVIS=../shared/data/davis2016 python benchmarks/official_parity.py \\
        --out docs/results/official_parity.json
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from lighttrack.imaging import IMAGENET_MEAN, IMAGENET_STD
from lighttrack.io import report_json

REPO = Path(__file__).resolve().parents[1]
DEFAULT_IR = REPO.parent / "shared" / "peers" / "lighttrack-official"
DEFAULT_CLIPS = ("val/blackswan", "val/car-shadow", "val/dog", "val/paragliding-launch", "val/soapbox")
_MEAN = np.asarray(IMAGENET_MEAN, np.float32).reshape(1, 3, 1, 1)
_STD = np.asarray(IMAGENET_STD, np.float32).reshape(1, 3, 1, 1)


def to_bgr_u8(batch: np.ndarray) -> np.ndarray:
    """Our normalised RGB NCHW float32 crops back to the u8 BGR NHWC the IR's graphs take
    (exact: the crops were u8 before the tracker normalised them)."""
    pixels = np.rint((batch * _STD + _MEAN) * 255.0).clip(0, 255).astype(np.uint8)
    return np.ascontiguousarray(pixels[:, ::-1].transpose(0, 2, 3, 1))


class OpenVinoBackend:
    """The IR's three graphs behind the tracker's backend interface (template / track / take)."""

    name = "openvino"

    def __init__(self, ir: Path, precision: str = "f32") -> None:
        import openvino as ov

        self.core = ov.Core()
        self.config = {"INFERENCE_PRECISION_HINT": "f32"} if precision == "f32" else {}
        self.models = {g: self.core.read_model(str(ir / f"{g}.xml")) for g in ("z_feature", "x_feature", "head")}
        self.compiled: dict[tuple, object] = {}
        self.template_size = 128

    def _run(self, graph: str, feeds: dict):
        shapes = tuple((k, tuple(v.shape)) for k, v in feeds.items())
        key = (graph, shapes)
        if key not in self.compiled:
            model = self.models[graph].clone()
            model.reshape({k: list(v.shape) for k, v in feeds.items()})  # 127-px templates too
            self.compiled[key] = self.core.compile_model(model, "CPU", self.config)
        compiled = self.compiled[key]
        out = compiled(feeds)
        return {o.get_any_name(): out[o] for o in compiled.outputs}, [out[o] for o in compiled.outputs]

    def template(self, z: np.ndarray) -> np.ndarray:
        return np.concatenate([self._run("z_feature", {"z": img[None]})[1][0] for img in to_bgr_u8(z)])

    def track(self, features: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cls_all, reg_all = [], []
        for zf, img in zip(features, to_bgr_u8(x)):
            xf = self._run("x_feature", {"x": img[None]})[1][0]
            _, outs = self._run("head", {"zf": zf[None], "xf": xf})
            prob = next(o for o in outs if o.ndim == 2)
            reg = next(o for o in outs if o.ndim == 3)
            # the tracker takes logits x 0.1 and applies the sigmoid itself
            p = prob.astype(np.float64).clip(1e-12, 1 - 1e-12)
            cls_all.append(np.log(p / (1 - p)).astype(np.float32)[None, None])
            reg_all.append(reg[None])
        return np.concatenate(cls_all), np.concatenate(reg_all)

    def take(self, features: np.ndarray, indices) -> np.ndarray:
        return features[list(indices)]


class ComparingBackend:
    """Runs every crop through both backends, records the differences, returns ``lead``'s."""

    name = "comparing"

    def __init__(self, ours, theirs, lead: str = "ours") -> None:
        self.ours, self.theirs, self.lead = ours, theirs, lead
        self.diffs: dict[str, list[float]] = {"template_feature": [], "cls_prob": [], "reg_px": []}
        self.scales: dict[str, list[float]] = {"template_feature": [], "reg_px": []}

    def template(self, z):
        a, b = self.ours.template(z), self.theirs.template(z)
        self.diffs["template_feature"].append(float(np.abs(np.asarray(a) - b).max()))
        self.scales["template_feature"].append(float(np.abs(b).max()))
        return (a, b)

    def track(self, features, x):
        (ca, ra), (cb, rb) = self.ours.track(features[0], x), self.theirs.track(features[1], x)
        sig = lambda v: 1.0 / (1.0 + np.exp(-v.astype(np.float64)))  # noqa: E731
        self.diffs["cls_prob"].append(float(np.abs(sig(ca) - sig(cb)).max()))
        self.diffs["reg_px"].append(float(np.abs(ra - rb).max()))
        self.scales["reg_px"].append(float(np.abs(rb).max()))
        return (ca, ra) if self.lead == "ours" else (cb, rb)

    def take(self, features, indices):
        return (self.ours.take(features[0], indices), self.theirs.take(features[1], indices))


def run_clip(tracker, seq) -> np.ndarray:
    import cv2

    boxes = []
    for i, path in enumerate(seq.frame_paths):
        frame = cv2.imread(str(path))
        result = tracker.init(frame, seq.boxes[0]) if i == 0 else tracker.update(frame)
        boxes.append(result.box if i else seq.boxes[0])
    return np.asarray(boxes, np.float64)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ir", default=str(DEFAULT_IR), help="folder of the IR (default ../shared/peers/lighttrack-official)")
    p.add_argument("--weights", help="converted checkpoint (default: convert --ir now)")
    p.add_argument("--davis", default=os.environ.get("LIGHTTRACK_DAVIS", str(REPO.parent / "shared" / "data" / "davis2016")))
    p.add_argument("--clips", default=",".join(DEFAULT_CLIPS), help="DAVIS-2016 clips <split>/<name>, comma-separated")
    p.add_argument("--max-frames", type=int, default=0, help="cut each clip to its first N frames (0: whole clips)")
    p.add_argument("--preset", default="default", help="LightTrack's step for both trackers (default 'default')")
    p.add_argument("--ov-precision", choices=("f32", "default"), default="f32")
    p.add_argument("--out", help="write the JSON here too (atomically)")
    args = p.parse_args(argv)

    import lighttrack
    from lighttrack.data.datasets import open_dataset
    from lighttrack.eval.metrics import iou, success_curve
    from lighttrack.nn.from_openvino import convert_openvino
    from lighttrack.tracker.backends import TorchBackend

    ir = Path(args.ir)
    if args.weights:
        net, _ = lighttrack.models.load_weights(args.weights)
    else:
        net = lighttrack.build("lighttrack-mobile", weights=convert_openvino(ir).state_dict)
    ours, theirs = TorchBackend(net, threads=1), OpenVinoBackend(ir, args.ov_precision)
    davis = open_dataset("folder", Path(args.davis))
    t0 = time.perf_counter()
    clips, comparing = {}, ComparingBackend(ours, theirs)
    for name in args.clips.split(","):
        seq = davis[name]
        if args.max_frames:
            seq = seq.head(args.max_frames)
        run_clip(lighttrack.Tracker(comparing, preset=args.preset, color="bgr"), seq)
        by_ours = run_clip(lighttrack.Tracker(ours, preset=args.preset, color="bgr"), seq)
        by_ir = run_clip(lighttrack.Tracker(theirs, preset=args.preset, color="bgr"), seq)
        gt, visible = np.asarray(seq.boxes, np.float64), np.asarray(seq.visible, bool)
        between = iou(by_ours, by_ir)
        clips[name] = {
            "frames": len(seq.frame_paths),
            "box_max_abs_diff_px": round(float(np.abs(by_ours - by_ir).max()), 4),
            "box_mean_iou_between": round(float(between.mean()), 6),
            "frames_identical_to_1e-3px": int((np.abs(by_ours - by_ir).max(axis=1) < 1e-3).sum()),
            "auc_converted": round(float(success_curve(iou(by_ours[visible], gt[visible])).mean()), 4),
            "auc_ir": round(float(success_curve(iou(by_ir[visible], gt[visible])).mean()), 4),
        }
    d, s = comparing.diffs, comparing.scales
    crops = {
        "templates": len(d["template_feature"]), "searches": len(d["cls_prob"]),
        "template_feature_max_abs_diff": max(d["template_feature"]),
        "template_feature_max_abs": max(s["template_feature"]),
        "cls_prob_max_abs_diff": max(d["cls_prob"]),
        "reg_px_max_abs_diff": max(d["reg_px"]), "reg_px_max_abs": max(s["reg_px"]),
    }
    report = {
        "benchmark": "official_parity", "ir": str(ir), "openvino_precision": args.ov_precision, "preset": args.preset,
        "crops": crops, "clips": clips,
        "tolerance": TOLERANCE,
        "within_tolerance": bool(crops["template_feature_max_abs_diff"] <= TOLERANCE["feature_rel"] * crops["template_feature_max_abs"]
                                 and crops["cls_prob_max_abs_diff"] <= TOLERANCE["cls_prob_abs"]
                                 and crops["reg_px_max_abs_diff"] <= TOLERANCE["reg_rel"] * crops["reg_px_max_abs"]),
        "seconds": round(time.perf_counter() - t0, 1),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg": list(os.getloadavg())},
    }
    report_json(report, args.out)
    return 0 if report["within_tolerance"] else 1


# What float arithmetic explains. The IR stores float16 weights and OpenVINO widens them to float32;
# the conversion keeps exactly those values, so both sides compute in float32 from the same
# numbers and differ only by the order of float32 sums (about 1e-7 relative per operation over ~70
# layers). The bounds leave 10x room over that; a conversion error (a misplaced bias, a wrong
# scale, a swapped kernel) moves outputs by 1e-2 or more.
TOLERANCE = {"feature_rel": 1e-5, "cls_prob_abs": 1e-5, "reg_rel": 1e-5}


if __name__ == "__main__":
    sys.exit(main())
