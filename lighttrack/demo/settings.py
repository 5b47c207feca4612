"""How big each stage of the demo is: ``full`` (the README's demo, ~7 minutes on 2 CPU cores)
and ``quick`` (a smoke run of every stage in well under a minute, used by the tests)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from lighttrack import config


@dataclass(frozen=True)
class DemoSettings:
    name: str = "full"
    threads: int = 1
    # -- data (all shipped in lighttrack/assets/demo, plus generated synthetic clips)
    synthetic_sequences: int = 60
    still_length: int = 40  # frames of each held-out evaluation clip
    eval_camera: str = "handheld"  # how the virtual camera films them: "handheld" or "smooth"
    max_eval_sequences: int | None = None  # None: every object of the shipped evaluation stills
    # -- 1. supernet (weight sharing, uniform paths under the MACs limit)
    supernet_steps: int = 30
    supernet_batch: int = 8
    supernet_lr: float = 0.05  # from scratch; x inherited_lr_scale when the supernet inherits a shipped model
    inherited_lr_scale: float = 0.02  # 0.1 washed out more of the official Mobile than the teacher gave back (issue 26)
    # with an inherited model, the supernet and the retraining also learn its outputs on the same
    # pairs (classification map, boxes, stride-16 features): minutes of CPU on a few photos would
    # otherwise wash out what the model learned at scale (issue 26)
    teacher_from_source: bool = True
    search_size_train: int = 192  # training crops (the tracker still searches 256 px)
    # -- 2. search (LightTrack's evolution at reduced size, under a MACs limit)
    max_macs: float = 4.0e8  # LightTrack-Mobile is 510.6 M (paper convention)
    population: int = 4
    generations: int = 2
    top_k: int = 2
    mutations: int = 2
    crossovers: int = 1
    # input-size choices of the search (the space extension of issue 26): each candidate may track
    # on these search crops, MACs counted at each. 256 px is left out for time: under the 400 M limit
    # only networks far from the inherited Mobile fit there (fitness <= 0.12 where it was searched)
    search_sizes: tuple[int, ...] = (224, 192)
    calibration_batches: int = 2
    calibration_batch_size: int = 8
    search_val_sequences: int = 3
    search_val_frames: int = 20
    # -- 3. retraining of the found architecture (weights inherited from the supernet)
    retrain_steps: int = 30
    retrain_batch: int = 8
    retrain_lr: float = 0.02
    # the tracker preset the retrained weights carry (and are evaluated, exported and run with):
    # first-frame calibration suits a network trained for a minute, and aligning each box to the
    # target's first-frame look places it to the pixel where the target keeps that look
    retrain_preset: str = "aligned"
    # -- 4. evaluation
    baselines: tuple[str, ...] = ("kcf", "csrt", "static")  # static: the first box forever (a floor)
    use_pretrained: bool = True  # add a row for the shipped LightTrack-Mobile weights, when present
    # also score the demo's network (and shipped Mobile) without refiners: the network alone
    network_only_rows: bool = True
    # the supernet inherits the first of these shipped models that is present (needs use_pretrained):
    # the official Mobile (its BN-folded weights unfolded on the first training batches), whose path
    # the search's first generation also starts from
    inherit_from: tuple[str, ...] = ("lighttrack-mobile-official", "lighttrack-m300", "lighttrack-mobile-ours")
    # -- 5./6. export and the real clip
    video: str = "bigbuckbunny"
    video_frames: int | None = None  # None: the whole clip
    onnx_check: bool = True

    def fingerprint(self) -> str:
        """Settings that change what a stage produces (threads do not)."""
        data = dataclasses.asdict(self)
        data.pop("threads")
        data.pop("name")
        return hashlib.sha1(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]

    def replace(self, **kw) -> "DemoSettings":
        return dataclasses.replace(self, **kw)


FULL = DemoSettings()

QUICK = DemoSettings(
    name="quick",
    synthetic_sequences=6,
    still_length=8,
    max_eval_sequences=2,
    supernet_steps=2,
    supernet_batch=2,
    search_size_train=192,
    population=2,
    generations=1,
    top_k=1,
    mutations=1,
    crossovers=0,
    search_sizes=(256, 192),
    calibration_batches=1,
    calibration_batch_size=2,
    search_val_sequences=1,
    search_val_frames=5,
    retrain_steps=2,
    retrain_batch=2,
    baselines=("kcf",),
    use_pretrained=False,
    video_frames=6,
    onnx_check=False,
)

MODES = {"full": FULL, "quick": QUICK}


def demo_settings(base: DemoSettings, overrides: list[str] | tuple[str, ...] = ()) -> DemoSettings:
    """``base`` with ``key=value`` overrides, every key and type checked by the config system
    that reads training and search configs (:mod:`lighttrack.config`)."""
    if not overrides:
        return base
    tree = dataclasses.asdict(base)
    for text in overrides:
        key, value = config.parse_override(text)
        config.apply_override(tree, key, value, tree)
    return config.build(DemoSettings, tree)
