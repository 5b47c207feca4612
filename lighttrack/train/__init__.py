"""Training: losses, LR schedule, typed configs, path sampling, the trainer, checkpoints, DDP.

Entry points: ``lighttrack train CONFIG`` (``lighttrack.cli.train``), :class:`lighttrack.train.trainer.Trainer`,
:func:`lighttrack.train.config.load_config`, :func:`lighttrack.train.checkpoint.load_supernet`.
See docs/training.md.
"""
