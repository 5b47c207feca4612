"""One config system for every recipe: YAML files and ``key=value`` overrides into typed dataclasses.

``lighttrack train`` (:class:`~lighttrack.train.config.TrainConfig`), ``lighttrack search``
(:class:`~lighttrack.search.runner.SearchConfig`) and the demo's settings are dataclasses read by
:func:`load`: the YAML file, then the overrides (dotted keys, YAML values: ``train.batch_size=8``,
``data.train.0.pairs=1000``, ``fitness.max_frames=null``), then every ``${NAME}`` data root
expanded (:func:`lighttrack.settings.expand_data_roots`), then :func:`build`, which checks every
key and type. An unknown key or a value of the wrong type raises
:class:`~lighttrack.errors.ConfigError` naming the dotted key, before any work starts, the same
way for every command.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import types
import typing
from pathlib import Path
from typing import Any, Mapping, Union

import yaml

from lighttrack.errors import ConfigError
from lighttrack.settings import expand_data_roots


def type_name(tp: Any) -> str:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return " or ".join(type_name(a) for a in typing.get_args(tp))
    return {type(None): "null"}.get(tp, getattr(tp, "__name__", str(tp)))


def coerce(value: Any, tp: Any, key: str, item_types: Mapping[tuple, type] | None = None) -> Any:
    """``value`` as type ``tp`` (bool, int, float, str, dict, list, a dataclass, or a union of
    them), or a ConfigError naming ``key``."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce(value, arg, key, item_types)
            except ConfigError:
                continue
        raise ConfigError(f"config key {key!r} must be {type_name(tp)}, got {value!r}")
    if tp is Any:
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
            return int(value)  # 6e5 written in scientific notation
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):  # YAML's .nan / .inf: a learning rate or a loss weight cannot be
                raise ConfigError(f"config key {key!r} must be a finite number, got {value!r}")
            return float(value)
    elif tp is str:
        if isinstance(value, str):
            return value
    elif tp in (dict, list) or origin in (dict, list):
        if isinstance(value, origin or tp):
            return value
    elif tp is tuple or origin is tuple:
        if isinstance(value, (list, tuple)):
            return tuple(value)
    elif dataclasses.is_dataclass(tp):
        return build(tp, value, key, item_types)
    raise ConfigError(f"config key {key!r} must be {type_name(tp)}, got {value!r} ({type(value).__name__})")


def build(cls: type, data: Any, prefix: str = "", item_types: Mapping[tuple, type] | None = None) -> Any:
    """An instance of the dataclass ``cls`` from a mapping, every key and type checked.

    ``item_types`` maps dotted keys (as tuples, e.g. ``("data", "train")``) to the dataclass of
    the items of a list there.
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"config key {prefix or '<top level>'!r} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            where = f"{prefix}.{key}" if prefix else str(key)
            raise ConfigError(f"unknown config key {where!r} (known keys here: {', '.join(sorted(names))})")
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        key = f"{prefix}.{f.name}" if prefix else f.name
        value = data[f.name]
        item_type = (item_types or {}).get(tuple(key.split(".")))
        if item_type is not None:
            if not isinstance(value, list):
                raise ConfigError(f"config key {key!r} must be a list of {item_type.__name__} mappings, got {value!r}")
            kwargs[f.name] = [build(item_type, item, f"{key}.{i}", item_types) for i, item in enumerate(value)]
        else:
            kwargs[f.name] = coerce(value, hints[f.name], key, item_types)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"config {prefix or 'file'}: {err}") from None


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` (dotted key, YAML value) as a pair."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like key=value (dotted keys, e.g. train.batch_size=8)")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"override {text!r} has an empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_override(data: dict[str, Any], key: str, value: Any, defaults: Mapping[str, Any] | None = None) -> None:
    """Set a dotted key inside a nested dict/list tree (list items by index). A section missing
    from ``data`` is created when ``defaults`` (the config's defaults as a tree) has it."""
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        here = ".".join(parts[: i + 1])
        if isinstance(node, list):
            node = node[_index(node, part, key)]
            continue
        if part not in node or node[part] is None:
            default = _lookup(defaults or {}, parts[: i + 1])
            if not isinstance(default, dict):
                raise ConfigError(f"unknown config key {key!r}: {here!r} is not a section")
            node[part] = {}
        node = node[part]
        if not isinstance(node, (dict, list)):
            raise ConfigError(f"unknown config key {key!r}: {here!r} is a value, not a section")
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, key)] = value
    else:
        node[last] = value


def _lookup(tree: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(tree, Mapping) and part in tree:
            tree = tree[part]
        else:
            return None
    return tree


def _index(node: list, part: str, key: str) -> int:
    try:
        index = int(part)
    except ValueError:
        raise ConfigError(f"config key {key!r}: {part!r} must be a list index") from None
    if not -len(node) <= index < len(node):
        raise ConfigError(f"config key {key!r}: index {index} is out of range (the list has {len(node)} items)")
    return index


def yaml_problem(err: Exception) -> str:
    """A YAML parser's error in one line: what went wrong and where (its own text spans several
    lines, with a caret under the spot)."""
    mark = getattr(err, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    what = getattr(err, "problem", None) or " ".join(str(err).split())
    context = getattr(err, "context", None)
    return f"{context + ': ' if context else ''}{what}{where}"


def read_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """A YAML file holding a mapping (empty: {}), or a ConfigError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {str(path)!r} does not exist")
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {str(path)!r} is not valid YAML: {yaml_problem(err)}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"config file {str(path)!r} cannot be read: {err}") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"config file {str(path)!r} must hold a mapping at the top level")
    return loaded or {}


def load_tree(cls: type, path: str | os.PathLike | None = None, overrides: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """The config tree of a file (or the defaults) with the overrides applied and the data roots
    expanded, not yet built: for callers that look at raw keys before :func:`build`."""
    data: dict[str, Any] = {}
    source = "overrides"
    if path is not None:
        data = copy.deepcopy(read_yaml(path))
        source = str(path)
        if "name" in {f.name for f in dataclasses.fields(cls)}:
            data.setdefault("name", Path(path).stem)
    defaults = dataclasses.asdict(cls())
    for text in overrides:
        key, value = parse_override(text)
        apply_override(data, key, value, defaults)
    return expand_data_roots(data, source=source)


def load(cls: type, path: str | os.PathLike | None = None, overrides: list[str] | tuple[str, ...] = (),
         item_types: Mapping[tuple, type] | None = None) -> Any:
    """Read ``path`` (or start from the defaults), apply ``key=value`` overrides, expand the data
    roots and build ``cls``, checking every key and type."""
    return build(cls, load_tree(cls, path, overrides), item_types=item_types)
