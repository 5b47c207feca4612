"""Training data from a config: the data layer's PairSampler + PairDataset, or an image folder.

Everything here opens and indexes the data sets eagerly, so a missing root or a wrong layout is
reported (DataError naming the source) before the first training step.
"""

from __future__ import annotations

import dataclasses

from lighttrack.data.datasets import open_dataset
from lighttrack.data.pairs import PairDataset
from lighttrack.data.sampler import PairSampler, Source
from lighttrack.data.transforms import AugmentConfig
from lighttrack.errors import ConfigError, DataError
from lighttrack.train.pretrain import ImageFolder


def _open_source(src, key: str):
    try:
        return open_dataset(src.format, src.root, src.split, **dict(src.options))
    except DataError as err:
        raise DataError(f"{key}: {err}") from None


def source_pairs(cfg) -> list[int]:
    """Pairs per epoch of every training source (explicit ``pairs``, else a weight share)."""
    sources = cfg.data.train
    total = cfg.data.pairs_per_epoch
    if all(s.pairs is not None for s in sources):
        return [int(s.pairs) for s in sources]
    if total is None:
        missing = next(i for i, s in enumerate(sources) if s.pairs is None)
        raise ConfigError(f"config key 'data.train.{missing}.pairs' is not set and data.pairs_per_epoch is null: give one of them")
    fixed = sum(int(s.pairs) for s in sources if s.pairs is not None)
    free = [s for s in sources if s.pairs is None]
    left = max(total - fixed, len(free))
    weight = sum(s.weight for s in free)
    shares = [int(left * s.weight / weight) for s in free]
    shares[0] += left - sum(shares)
    it = iter(shares)
    return [int(s.pairs) if s.pairs is not None else max(1, next(it)) for s in sources]


def augment_config(cfg):
    names = {f.name for f in dataclasses.fields(AugmentConfig)}
    for key in cfg.data.augment:
        if key not in names or key in ("template_size", "search_size"):
            allowed = sorted(names - {"template_size", "search_size"})
            raise ConfigError(f"unknown config key 'data.augment.{key}' (known: {', '.join(allowed)})")
    try:
        return AugmentConfig(template_size=cfg.data.template_size, search_size=cfg.data.search_size, **cfg.data.augment)
    except TypeError as err:
        raise ConfigError(f"config key 'data.augment': {err}") from None


def build_pair_dataset(cfg, seed: int | None = None, progress: bool = False):
    """A PairDataset over the mix in ``cfg.data.train`` (pairs per epoch, frame ranges)."""
    augment = augment_config(cfg)
    counts = source_pairs(cfg)
    sources = []
    for i, (src, pairs) in enumerate(zip(cfg.data.train, counts)):
        ds = _open_source(src, f"data.train.{i}")
        sources.append(Source(ds, pairs, src.frame_range, name=f"{src.format}:{src.root or ''}"))
    explicit_total = cfg.data.pairs_per_epoch if all(s.pairs is not None for s in cfg.data.train) else None
    sampler = PairSampler(
        sources,
        negative_prob=cfg.data.negative_prob,
        seed=cfg.seed if seed is None else seed,
        pairs_per_epoch=explicit_total,
        progress=progress,
    )
    return PairDataset(sampler, augment)


def build_image_dataset(cfg, seed: int | None = None):
    """The image-folder classification set of ``data.train[0]`` (format ``imagefolder``)."""
    if len(cfg.data.train) != 1 or cfg.data.train[0].format.lower() not in ("imagefolder", "image_folder"):
        raise ConfigError("backbone pretraining (model.kind=backbone) needs exactly one data.train source with format 'imagefolder'")
    src = cfg.data.train[0]
    if not src.root:
        raise ConfigError("config key 'data.train.0.root' must name the image folder (<root>/<class>/*.jpg)")
    return ImageFolder(src.root, cfg.data.image_size, train=True, seed=cfg.seed if seed is None else seed)


def open_val_sequences(cfg) -> list:
    """Held-out sequences of ``data.val`` (for evaluation after training)."""
    out = []
    for i, src in enumerate(cfg.data.val):
        ds = _open_source(src, f"data.val.{i}")
        out.extend(ds[j] for j in range(len(ds)))
    return out
