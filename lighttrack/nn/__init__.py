"""The networks: operations, backbone, heads, TrackerNet / SuperNet / extract, checkpoints."""

from lighttrack.nn import backbone, checkpoint, head, inherit, net, official, ops  # noqa: F401

__all__ = ["backbone", "checkpoint", "head", "inherit", "net", "official", "ops"]
