"""Arch: one tracker of LightTrack's search space, as a typed value.

The official path string ``back_<digits>+cls_<digits>+reg_<digits>_ops_<XY>`` is parsed into an
``Arch`` and printed back unchanged, so architectures can travel between this project, the
official code and papers. An ``Arch`` is frozen and compares by value, so it can key caches
(search fitness) and sets (seen candidates).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lighttrack.errors import ArchError

# Backbone stages after the fixed stem and DS block (Cream's "470M" depth setting):
# out channels and stride of the first block of each searchable stage.
STAGE_CHANNELS = (24, 40, 80, 96, 192)
STAGE_FIRST_STRIDE = (2, 2, 2, 1, 2)
DEPTHS_470 = (2, 4, 4, 4, 4)
DEPTHS_600 = (4, 4, 4, 4, 4)

# The 6 MBConv choices per block, kernel-major: index -> (kernel, expansion).
BLOCK_CHOICES = ((3, 4), (3, 6), (5, 4), (5, 6), (7, 4), (7, 6))

HEAD_CHANNELS = (128, 192, 256)
# Tower layer ops: index -> depthwise kernel, or None for skip (identity).
HEAD_OPS = (3, 5, None)
SKIP = 2
HEAD_LAYERS = 8


@dataclass(frozen=True)
class HeadArch:
    """One head branch: a width index into HEAD_CHANNELS and one op index per tower layer."""

    channel: int
    ops: tuple[int, ...]

    @property
    def width(self) -> int:
        return HEAD_CHANNELS[self.channel]

    @property
    def kernels(self) -> tuple[int, ...]:
        """Kernel sizes of the layers that exist (skips dropped)."""
        return tuple(HEAD_OPS[op] for op in self.ops if op != SKIP)

    def digits(self) -> str:
        return str(self.channel) + "".join(str(op) for op in self.ops)


@dataclass(frozen=True)
class Arch:
    """A complete tracker: backbone block choices, output position, and the two head branches.

    ``backbone[s][b]`` is the choice index (into BLOCK_CHOICES) of block b of searchable stage s
    (stages 0..4 = 24/40/80/96/192 channels). ``out_stage``/``out_block`` say after which block
    the backbone is cut (``ops_32`` = stage 3, block 2); later blocks are never built.
    """

    backbone: tuple[tuple[int, ...], ...]
    cls: HeadArch
    reg: HeadArch
    out_stage: int
    out_block: int

    def __post_init__(self) -> None:
        _validate(self)

    # ----------------------------------------------------------------- derived facts
    @property
    def depths(self) -> tuple[int, ...]:
        return tuple(len(stage) for stage in self.backbone)

    @property
    def out_channels(self) -> int:
        return STAGE_CHANNELS[self.out_stage]

    @property
    def stride(self) -> int:
        """Total stride of the backbone output (8 or 16 for trackers; 32 for the 192 stage)."""
        stride = 2  # stem
        for s in range(self.out_stage + 1):
            stride *= STAGE_FIRST_STRIDE[s]
        return stride

    def used_blocks(self) -> list[tuple[int, int, int]]:
        """(stage, block, choice) of every backbone block the tracker actually runs."""
        used = []
        for s, stage in enumerate(self.backbone[: self.out_stage + 1]):
            last = self.out_block if s == self.out_stage else len(stage) - 1
            used.extend((s, b, stage[b]) for b in range(last + 1))
        return used

    def canonical(self) -> Arch:
        """The same network with the digits of unbuilt blocks set to 0.

        Two Archs that differ only in blocks after the output position are the same network;
        search deduplicates on this form.
        """
        used = {(s, b) for s, b, _ in self.used_blocks()}
        backbone = tuple(
            tuple(c if (s, b) in used else 0 for b, c in enumerate(stage))
            for s, stage in enumerate(self.backbone)
        )
        return Arch(backbone, self.cls, self.reg, self.out_stage, self.out_block)

    # ----------------------------------------------------------------- string form
    def __str__(self) -> str:
        digits = "0" + "".join(str(c) for stage in self.backbone for c in stage) + "0"
        return f"back_{digits}+cls_{self.cls.digits()}+reg_{self.reg.digits()}_ops_{self.out_stage}{self.out_block}"

    @classmethod
    def parse(cls, text: str) -> Arch:
        return parse_arch(text)

    # ----------------------------------------------------------------- JSON form
    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self),
            "backbone": [list(stage) for stage in self.backbone],
            "cls": {"channel": self.cls.channel, "ops": list(self.cls.ops)},
            "reg": {"channel": self.reg.channel, "ops": list(self.reg.ops)},
            "out": [self.out_stage, self.out_block],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Arch:
        if isinstance(data, str):
            return parse_arch(data)
        if "backbone" not in data and "path" in data:
            return parse_arch(data["path"])
        try:
            arch = Arch(
                backbone=tuple(tuple(int(c) for c in stage) for stage in data["backbone"]),
                cls=HeadArch(int(data["cls"]["channel"]), tuple(int(o) for o in data["cls"]["ops"])),
                reg=HeadArch(int(data["reg"]["channel"]), tuple(int(o) for o in data["reg"]["ops"])),
                out_stage=int(data["out"][0]),
                out_block=int(data["out"][1]),
            )
        except (KeyError, TypeError, IndexError, ValueError) as err:
            raise ArchError(f"architecture JSON is missing or has a malformed field: {err!r}") from None
        if "path" in data and data["path"] != str(arch):
            raise ArchError(f"architecture JSON disagrees with itself: path {data['path']!r} != fields {str(arch)!r}")
        return arch

    @classmethod
    def from_json(cls, text: str) -> Arch:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ArchError(f"architecture JSON is not valid JSON: {err}") from None
        return cls.from_dict(data)


_PATTERN = re.compile(r"^back_(?P<back>[^+]*)\+cls_(?P<cls>[^+]*)\+reg_(?P<reg>.*?)[_+]ops_(?P<ops>.*)$")


def parse_arch(text: str) -> Arch:
    """Parse an official path string; the error names the part that is wrong."""
    if not isinstance(text, str):
        raise ArchError(f"architecture must be a string, got {type(text).__name__}")
    text = text.strip()
    match = _PATTERN.match(text)
    if not match:
        raise ArchError(
            f"malformed architecture string {text!r}: expected 'back_<digits>+cls_<digits>+reg_<digits>_ops_<XY>'"
        )
    parts = match.groupdict()
    for part, value in parts.items():
        if not value.isdigit():
            raise ArchError(f"malformed architecture string: the '{part}' part {value!r} must be digits only")
    back = parts["back"]
    depths = {sum(DEPTHS_470) + 2: DEPTHS_470, sum(DEPTHS_600) + 2: DEPTHS_600}.get(len(back))
    if depths is None:
        raise ArchError(
            f"malformed architecture string: the 'back' part has {len(back)} digits; expected "
            f"{sum(DEPTHS_470) + 2} (470M supernet) or {sum(DEPTHS_600) + 2} (600M supernet)"
        )
    if back[0] != "0" or back[-1] != "0":
        raise ArchError(f"malformed architecture string: the 'back' part {back!r} must start and end with the placeholder 0")
    inner = [int(c) for c in back[1:-1]]
    backbone, i = [], 0
    for depth in depths:
        backbone.append(tuple(inner[i : i + depth]))
        i += depth
    heads = []
    for name in ("cls", "reg"):
        digits = parts[name]
        if len(digits) < 2:
            raise ArchError(f"malformed architecture string: the '{name}' part {digits!r} needs a width digit and layer ops")
        heads.append(HeadArch(int(digits[0]), tuple(int(c) for c in digits[1:])))
    if len(heads[0].ops) != len(heads[1].ops):
        raise ArchError("malformed architecture string: the 'cls' and 'reg' parts have different numbers of layers")
    ops = parts["ops"]
    if len(ops) != 2:
        raise ArchError(f"malformed architecture string: the 'ops' part {ops!r} must be two digits (stage, block)")
    return Arch(tuple(backbone), heads[0], heads[1], int(ops[0]), int(ops[1]))


def _validate(arch: Arch) -> None:
    if len(arch.backbone) != len(STAGE_CHANNELS):
        raise ArchError(f"backbone must have {len(STAGE_CHANNELS)} searchable stages, got {len(arch.backbone)}")
    for s, stage in enumerate(arch.backbone):
        if not stage:
            raise ArchError(f"backbone stage {s} has no blocks")
        for b, choice in enumerate(stage):
            if not (isinstance(choice, int) and 0 <= choice < len(BLOCK_CHOICES)):
                raise ArchError(
                    f"backbone stage {s} block {b}: choice {choice!r} is not in 0..{len(BLOCK_CHOICES) - 1}"
                )
    for name, head in (("cls", arch.cls), ("reg", arch.reg)):
        if not 0 <= head.channel < len(HEAD_CHANNELS):
            raise ArchError(f"{name} head: width index {head.channel} is not in 0..{len(HEAD_CHANNELS) - 1}")
        if not head.ops:
            raise ArchError(f"{name} head has no layers")
        for layer, op in enumerate(head.ops):
            if not 0 <= op < len(HEAD_OPS):
                raise ArchError(f"{name} head layer {layer}: op {op} is not in 0..{len(HEAD_OPS) - 1}")
        if head.ops[0] == SKIP:
            raise ArchError(f"{name} head layer 0 may not be a skip (it changes the width from 128 to {head.width})")
    if not 0 <= arch.out_stage < len(arch.backbone):
        raise ArchError(f"output position: stage {arch.out_stage} is not in 0..{len(arch.backbone) - 1}")
    if not 0 <= arch.out_block < len(arch.backbone[arch.out_stage]):
        raise ArchError(
            f"output position: block {arch.out_block} is not in 0..{len(arch.backbone[arch.out_stage]) - 1} "
            f"for stage {arch.out_stage}"
        )
