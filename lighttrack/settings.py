"""Where the data lives: one environment variable per data set, named once here.

A recipe in ``configs/`` never holds a machine's path. It names a data set by its variable, as
``root: "${LIGHTTRACK_DAVIS}"`` or ``root: "${LIGHTTRACK_STILLS}/aquarium"``, and
:func:`expand_data_roots` replaces each reference with the variable's value. An unset variable,
or one that does not name a folder, is a :class:`ConfigError` that names the variable and says
what data it should point to. docs/data.md lists the variables.

    from lighttrack.settings import expand_data_roots
    raw = expand_data_roots(yaml.safe_load(text), source="configs/davis_mobile.yaml")

Only the ``${NAME}`` form is read, and only for the names in :data:`DATA_ROOTS` (any other
``${...}`` is an error, so a typo cannot pass as a path); a bare ``$NAME`` is left as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lighttrack.errors import ConfigError

# variable -> what it should point to (the one description, also used by lighttrack.data.realvideo)
DATA_ROOTS: dict[str, str] = {
    "LIGHTTRACK_DAVIS": "DAVIS-2016 in the folder layout (<split>/<seq>/img, groundtruth.txt), "
                        "e.g. ../shared/data/davis2016",
    "LIGHTTRACK_REALVIDEO": "the folder ../shared/realvideo/build.py built "
                            "(<bench>/<seq>/img, groundtruth.txt, meta.json)",
    "LIGHTTRACK_STILLS": "the training still sets that `python -m lighttrack.demo.assets STILLS DIR` writes "
                         "(DIR/aquarium, coco_mini, thermal_dogs_people: COCO-format photos without the "
                         "demo's held-out ones)",
    "LIGHTTRACK_GOT10K": "GOT-10k as unpacked (train/, val/, test/ with list.txt)",
    "LIGHTTRACK_VID": "ImageNet VID as unpacked (ILSVRC2015: Data/VID, Annotations/VID)",
    "LIGHTTRACK_COCO": "COCO 2017 as unpacked (annotations/instances_train2017.json, train2017/)",
    "LIGHTTRACK_DET": "ImageNet DET as unpacked (ILSVRC/ or ILSVRC2015/: Data/DET, Annotations/DET, ImageSets/DET)",
    "LIGHTTRACK_YOUTUBEBB": "YouTube-BB: yt_bb_detection_train.csv beside the frames you decoded "
                            "(yt_bb_detection_train/<class_id>/<youtube_id>_<timestamp_ms>_<class_id>_<object_id>.jpg)",
    "LIGHTTRACK_IMAGENET": "ImageNet-1k classification as image folders (train/<class>/*.JPEG)",
}

_REFERENCE = re.compile(r"\$\{([^}]*)\}")


def data_root(name: str, environ: Mapping[str, str] | None = None, where: str | None = None) -> Path:
    """The folder variable ``name`` points to; ConfigError when it is unknown, unset or not a folder.

    ``where`` (e.g. ``"configs/x.yaml: data.train.0.root"``) starts the message when given.
    """
    env = os.environ if environ is None else environ
    prefix = f"{where}: " if where else ""
    if name not in DATA_ROOTS:
        raise ConfigError(f"{prefix}${{{name}}} is not a data-root variable; "
                          f"use one of {', '.join(DATA_ROOTS)} (docs/data.md)")
    what = DATA_ROOTS[name]
    value = env.get(name, "")
    if not value:
        raise ConfigError(f"{prefix}{name} is not set: point it at {what} (docs/data.md)")
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ConfigError(f"{prefix}{name}={value} is not a folder (expected {what})")
    return path


def referenced_data_roots(value: Any) -> list[str]:
    """The variable names that ``${NAME}`` references anywhere in ``value`` name, in first-seen order."""
    names: list[str] = []
    for text in _strings(value):
        for match in _REFERENCE.finditer(text):
            if match.group(1) not in names:
                names.append(match.group(1))
    return names


def expand_data_roots(value: Any, source: str = "config", environ: Mapping[str, str] | None = None) -> Any:
    """``value`` with every ``${NAME}`` replaced by the folder variable NAME points to.

    ``value`` is a string or any nesting of dicts, lists and tuples (a parsed YAML file); a new
    value is returned and the input is left unchanged. Strings without a reference, and values
    that are not strings, come back as they are. ``environ`` defaults to ``os.environ``.
    ConfigError, before anything is returned, for a reference to an unknown name, an unset
    variable or one that does not name a folder; the message starts with ``source`` and the
    dotted key (``configs/davis_mobile.yaml: data.train.0.root: LIGHTTRACK_DAVIS is not set: ...``).
    """
    try:
        return _expand(value, source, (), environ)
    except ConfigError as err:  # name every other unusable root too, so one start shows them all
        others = [n for n in referenced_data_roots(value)
                  if n in DATA_ROOTS and n not in str(err) and not _usable(n, environ)]
        if not others:
            raise
        raise ConfigError(f"{err}; also not set or not a folder: {', '.join(others)}") from None


def _usable(name: str, environ: Mapping[str, str] | None) -> bool:
    try:
        data_root(name, environ)
    except ConfigError:
        return False
    return True


def _expand(value: Any, source: str, key: tuple, environ: Mapping[str, str] | None) -> Any:
    if isinstance(value, str):
        if "${" not in value:
            return value
        where = f"{source}: {'.'.join(map(str, key))}" if key else source
        return _REFERENCE.sub(lambda m: str(data_root(m.group(1), environ, where)), value)
    if isinstance(value, Mapping):
        return {k: _expand(v, source, (*key, k), environ) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, source, (*key, i), environ) for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(_expand(v, source, (*key, i), environ) for i, v in enumerate(value))
    return value


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)
