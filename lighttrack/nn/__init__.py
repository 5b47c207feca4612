"""The networks: operations, backbone, heads, TrackerNet / SuperNet / extract, checkpoints."""

from lighttrack.nn import backbone, batchnorm, checkpoint, head, inherit, net, official, ops  # noqa: F401

__all__ = ["backbone", "batchnorm", "checkpoint", "head", "inherit", "net", "official", "ops"]
