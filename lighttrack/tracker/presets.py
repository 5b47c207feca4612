"""Tracker hyperparameters as data: named presets and preset files.

A preset is a frozen dataclass so that it can be hashed, compared and logged. The official
tracker's quirks are explicit fields rather than silent conventions, so a preset can either
reproduce the official numbers (``vot2019``, ``default``) or correct them (``*-corrected``).

A preset file (written by ``lighttrack tune`` or by hand) is a YAML or JSON mapping of the field
names below; missing fields take the values of ``base`` (default: the ``default`` preset), e.g.::

    base: vot2019
    penalty_k: 0.01
    lr: 0.5
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

import yaml

from lighttrack.config import yaml_problem
from lighttrack.errors import ConfigError
from lighttrack.io import atomic_write_json, atomic_write_text

CROP_MODES = ("official", "warp")


@dataclass(frozen=True)
class Preset:
    """Every setting of the tracking algorithm (spec §6).

    Quirk flags (True/127 reproduce the official tracker):

    - ``double_smoothing``: the official size update blends twice, so the effective rate is lr².
    - ``template_size`` 127: the official VOT run crops the template at 127 while training uses 128.
    - ``clamp_output_xy``: the reported box has x, y clamped at 0 (w, h unchanged), as the
      official result files do.
    - ``calibration`` (not in the official tracker; 0 turns it off): at init the network also
      searches the first frame, around the known box shifted by ``calibration_shift`` of its size
      in eight directions, and this fraction of its median miss (centre offset and log size
      ratio, see :func:`postprocess.box_bias`) is taken off every later box. A small, undertrained
      network misses each object in its own consistent way; the first frame shows how.
    - ``vote_radius`` (not official; 0 off): the box is the score-weighted mean of the boxes of
      the (2r+1)² cells around the chosen one, which evens out one cell's regression noise.
    - ``align`` (not official; False off): after the network's step, the target's first-frame
      appearance is matched near the new box by normalised cross-correlation over a few scales
      (:mod:`lighttrack.tracker.align`); where the best match correlates at least
      ``align_threshold``, its box replaces the network's, within ``align_margin`` of the box's
      longer side. The network still finds the target; the match places it to the pixel where
      the target keeps its first look, and stands aside where it does not.
    - ``lost_score`` (not official): the result's ``ok`` (found / lost) is False when the
      network's score at the chosen cell falls below it, or when the step had no valid score.
      The tracker keeps following its best guess either way; ``ok`` only reports.
    - ``lost_detect`` (not official; False off): the lost-target refiner
      (:mod:`lighttrack.tracker.refiners.lost`) also calls the target lost when its score drops
      under ``lost_drop`` times its running median (0 off) or its first-frame look correlates less
      than ``lost_correlation`` near the box (-1 off) or less than ``lost_correlation_drop`` times
      its running median (0 off); with ``lost_hold`` the last box in which it
      was found is kept (reported, and searched from) while it is lost.
    - ``crop_mode`` "official": crop with integer corners, pad, then ``cv2.resize`` (bit-exact with
      the official tracker); "warp": one ``cv2.warpAffine`` per crop with the same geometry (faster,
      differs by about one grey level on some pixels).
    """

    name: str = "default"
    penalty_k: float = 0.062
    window_influence: float = 0.38
    lr: float = 0.765
    small_size: int = 256
    big_size: int = 256
    small_target_ratio: float = 0.004
    template_size: int = 127
    context_amount: float = 0.5
    min_size: float = 10.0
    double_smoothing: bool = True
    clamp_output_xy: bool = True
    crop_mode: str = "official"
    calibration: float = 0.0
    calibration_shift: float = 0.25
    vote_radius: int = 0
    align: bool = False
    align_threshold: float = 0.6
    align_margin: float = 0.3
    lost_score: float = 0.25
    lost_detect: bool = False
    lost_drop: float = 0.0
    lost_correlation: float = -1.0
    lost_correlation_drop: float = 0.0
    lost_hold: bool = False

    def __post_init__(self) -> None:
        for key in ("penalty_k", "window_influence", "lr", "small_target_ratio", "context_amount", "min_size", "calibration", "calibration_shift", "align_threshold", "align_margin", "lost_score", "lost_drop", "lost_correlation", "lost_correlation_drop"):
            value = getattr(self, key)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
                raise ConfigError(f"preset field {key!r} must be a number, got {value!r}")
        if not 0.0 <= self.window_influence <= 1.0:
            raise ConfigError(f"window_influence must lie in [0, 1], got {self.window_influence}")
        if not 0.0 <= self.lr <= 1.0:
            raise ConfigError(f"lr must lie in [0, 1], got {self.lr}")
        if self.penalty_k < 0 or self.context_amount < 0 or self.min_size < 0:
            raise ConfigError("penalty_k, context_amount and min_size must be >= 0")
        if not 0.0 <= self.calibration <= 1.0:
            raise ConfigError(f"calibration must lie in [0, 1], got {self.calibration}")
        if not 0.0 <= self.calibration_shift <= 1.0:
            raise ConfigError(f"calibration_shift must lie in [0, 1], got {self.calibration_shift}")
        for key in ("small_size", "big_size", "template_size"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 32 or value > 1024:
                raise ConfigError(f"preset field {key!r} must be an integer in [32, 1024], got {value!r}")
        if self.template_size >= self.small_size:
            raise ConfigError("template_size must be smaller than the search size")
        if not -1.0 <= self.align_threshold <= 1.0:
            raise ConfigError(f"align_threshold is a correlation and must lie in [-1, 1], got {self.align_threshold}")
        if not 0.0 <= self.lost_score <= 1.0:
            raise ConfigError(f"lost_score is a probability and must lie in [0, 1], got {self.lost_score}")
        if not 0.0 <= self.lost_drop <= 1.0:
            raise ConfigError(f"lost_drop is a fraction of the running score and must lie in [0, 1], got {self.lost_drop}")
        if not 0.0 <= self.lost_correlation_drop <= 1.0:
            raise ConfigError(f"lost_correlation_drop is a fraction of the running correlation and must lie in [0, 1], got {self.lost_correlation_drop}")
        if not -1.0 <= self.lost_correlation <= 1.0:
            raise ConfigError(f"lost_correlation is a correlation and must lie in [-1, 1], got {self.lost_correlation}")
        if not 0.0 <= self.align_margin <= 2.0:
            raise ConfigError(f"align_margin must lie in [0, 2], got {self.align_margin}")
        for key in ("double_smoothing", "clamp_output_xy", "align", "lost_detect", "lost_hold"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"preset field {key!r} must be true or false")
        if not isinstance(self.vote_radius, int) or isinstance(self.vote_radius, bool) or not 0 <= self.vote_radius <= 3:
            raise ConfigError(f"vote_radius must be an integer in [0, 3], got {self.vote_radius!r}")
        if self.crop_mode not in CROP_MODES:
            raise ConfigError(f"crop_mode must be one of {CROP_MODES}, got {self.crop_mode!r}")

    def replace(self, **changes: Any) -> "Preset":
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown preset field(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def corrected(self) -> "Preset":
        """The same hyperparameters without the official quirks (template 128, single smoothing).

        Note that the published hyperparameters were tuned *with* the quirks; a corrected preset
        should be re-tuned (``lighttrack tune``) before comparing accuracy.
        """
        name = self.name if self.name.endswith("-corrected") else f"{self.name}-corrected"
        return self.replace(name=name, template_size=128, double_smoothing=False)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def search_size_for(self, target_area: float, image_area: float) -> int:
        """The search size chosen once at init: big for targets under ``small_target_ratio``."""
        if image_area > 0 and target_area / image_area < self.small_target_ratio:
            return self.big_size
        return self.small_size


_DEFAULT = Preset()
_VOT2019 = Preset(name="vot2019", penalty_k=0.007, window_influence=0.225, lr=0.616, small_size=256, big_size=288)

PRESETS: dict[str, Preset] = {
    "default": _DEFAULT,
    "vot2019": _VOT2019,
    "default_even": _DEFAULT.replace(name="default_even", template_size=128),
    # default_even with first-frame calibration and box voting: for networks trained briefly
    # (the demo's), whose boxes miss each object in a consistent way
    "calibrated": _DEFAULT.replace(name="calibrated", template_size=128, calibration=1.0, vote_radius=1),
    # calibrated, with each box aligned to the target's first-frame look (the demo's network)
    "aligned": _DEFAULT.replace(name="aligned", template_size=128, calibration=1.0, vote_radius=1, align=True),
    "default-corrected": _DEFAULT.corrected(),
    "vot2019-corrected": _VOT2019.corrected(),
}


def list_presets() -> list[str]:
    return list(PRESETS)


def get_preset(name_or_path: "str | os.PathLike | Preset | Mapping[str, Any]" = "default") -> Preset:
    """A preset by registry name, by YAML/JSON file path, from a mapping, or passed through."""
    if isinstance(name_or_path, Preset):
        return name_or_path
    if isinstance(name_or_path, Mapping):
        return preset_from_dict(name_or_path)
    key = str(name_or_path)
    for candidate in (key, key.replace("_", "-"), key.replace("-", "_")):
        if candidate in PRESETS:
            return PRESETS[candidate]
    path = Path(key)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return load_preset(path)
    raise ConfigError(f"unknown preset {key!r}; known presets: {', '.join(PRESETS)} (or a .yaml/.json file)")


def preset_from_dict(data: Mapping[str, Any], default_name: str = "custom") -> Preset:
    """Build a preset from a mapping of field names; ``base`` names the preset it starts from."""
    data = dict(data)
    base = get_preset(data.pop("base", "default"))
    known = {f.name for f in fields(Preset)}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"unknown preset field(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    data.setdefault("name", default_name)
    for key in ("small_size", "big_size", "template_size", "vote_radius"):
        if isinstance(data.get(key), float) and float(data[key]).is_integer():
            data[key] = int(data[key])
    for key in ("penalty_k", "window_influence", "lr", "small_target_ratio", "context_amount", "min_size", "calibration", "calibration_shift", "align_threshold", "align_margin", "lost_score", "lost_drop", "lost_correlation", "lost_correlation_drop"):
        if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
            data[key] = float(data[key])
    return base.replace(**data)


def load_preset(path: "str | os.PathLike") -> Preset:
    """Read a preset from a .yaml/.yml/.json file holding a mapping of field names."""
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read preset file {path}: {getattr(err, 'strerror', None) or err}") from err
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except ValueError as err:  # json.JSONDecodeError and yaml.YAMLError derive from ValueError/Exception
        raise ConfigError(f"preset file {path} is not valid: {err}") from err
    except Exception as err:  # yaml.YAMLError and what else the parser raises
        raise ConfigError(f"preset file {path} is not valid: {yaml_problem(err)}") from err
    if not isinstance(data, Mapping):
        raise ConfigError(f"preset file {path} must hold a mapping of preset fields")
    if isinstance(data.get("preset"), Mapping):  # tolerate {"preset": {...}, other metadata}
        data = data["preset"]
    return preset_from_dict(data, default_name=path.stem)


def at_search_size(preset: Preset, size: int) -> Preset:
    """The same preset searching ``size``-px crops (a network is the same at every crop; small
    targets keep the preset's extra margin), named for the size."""
    return preset.replace(name=f"{preset.name}-{size}px", small_size=int(size),
                          big_size=int(size) + max(0, preset.big_size - preset.small_size))


def preset_for_template(template_size: int) -> Preset:
    """The default preset cropping templates at the size a network was trained with: the
    published 127 px is the official weights' quirk; our trainer's networks see 128 px."""
    if int(template_size) == PRESETS["default"].template_size:
        return PRESETS["default"]
    if int(template_size) == 128:
        return PRESETS["default_even"]
    return PRESETS["default"].replace(name=f"default-t{int(template_size)}", template_size=int(template_size))


def stored_preset(record: Mapping[str, Any]) -> "Preset | None":
    """The preset a checkpoint or an ONNX export's metadata carries (``"preset"``: its fields),
    e.g. the one its weights were tuned with; None when it carries none."""
    fields_ = record.get("preset") if isinstance(record, Mapping) else None
    if not isinstance(fields_, Mapping):
        return None
    return preset_from_dict(fields_, default_name="stored")


def network_only(preset: Preset) -> Preset:
    """LightTrack's own inference with the preset's rates: every refiner off (no first-frame
    calibration, no box voting, no template alignment, no lost-target detection), so the boxes
    are the network's own and ``ok`` is the score rule (``lost_score``) alone."""
    suffix = "-network-only"
    name = preset.name if preset.name.endswith(suffix) else f"{preset.name}{suffix}"
    return preset.replace(name=name, calibration=0.0, vote_radius=0, align=False, lost_detect=False)


def save_preset(preset: Preset, path: "str | os.PathLike") -> Path:
    """Write a preset as YAML or JSON (by suffix), atomically."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return atomic_write_json(path, preset.to_dict())

    return atomic_write_text(path, yaml.safe_dump(preset.to_dict(), sort_keys=False))
