"""One actor per kind of model (``model.kind``): what the training loop needs to know about the model
it trains. See :mod:`lighttrack.train.actors.base` for the interface."""

from __future__ import annotations

from lighttrack.errors import ConfigError
from lighttrack.train import distributed as D
from lighttrack.train.actors.backbone import BackboneActor
from lighttrack.train.actors.base import Actor, TrackingActor
from lighttrack.train.actors.supernet import SupernetActor
from lighttrack.train.actors.tracker import TrackerActor
from lighttrack.train.config import TrainConfig

ACTORS: dict[str, type[Actor]] = {actor.kind: actor for actor in (TrackerActor, SupernetActor, BackboneActor)}


def make_actor(cfg: TrainConfig, info: D.DistInfo) -> Actor:
    """The actor of ``cfg.model.kind``."""
    try:
        actor = ACTORS[cfg.model.kind]
    except KeyError:
        raise ConfigError(f"config key 'model.kind' must be one of {', '.join(ACTORS)}, got {cfg.model.kind!r}") from None
    return actor(cfg, info)


__all__ = ["ACTORS", "Actor", "BackboneActor", "SupernetActor", "TrackerActor", "TrackingActor", "make_actor"]
