"""What every reader shares: an indexable, lazily built collection of ``Sequence`` values."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import ClassVar, Iterator

from lighttrack.data.sequence import Sequence
from lighttrack.errors import DataError


class Dataset:
    """``len(ds)``, ``ds[i]`` or ``ds["name"]`` -> Sequence, iteration, ``ds.names``.

    Subclasses list their sequence names cheaply and build one ``Sequence`` on demand, so that
    opening a 10,000-video set costs a directory listing, not 10,000 annotation parses. The last
    few built sequences are kept (an LRU) because pair sampling revisits them.
    """

    format: ClassVar[str] = ""
    layout: ClassVar[str] = ""  # one line describing the expected layout, used in errors
    cache_size: ClassVar[int] = 128

    def __init__(self, root: str | Path | None, split: str | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else None
        self.split = split
        self._names: list[str] | None = None
        self._index: dict[str, int] | None = None
        self._lru: OrderedDict[str, Sequence] = OrderedDict()

    # -- what subclasses provide ---------------------------------------------------------------
    def _list_names(self) -> list[str]:
        raise NotImplementedError

    def _load(self, name: str) -> Sequence:
        raise NotImplementedError

    # -- the public face -----------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        if self._names is None:
            self._names = list(self._list_names())
            self._index = {n: i for i, n in enumerate(self._names)}
        return self._names

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, key: int | str) -> Sequence:
        if isinstance(key, str):
            self.names  # builds the index
            if key not in self._index:
                raise KeyError(f"no sequence {key!r} in {self.format} data set at {self.root}")
            name = key
        else:
            names = self.names
            if not -len(names) <= key < len(names):
                raise IndexError(f"sequence index {key} out of range ({len(names)} sequences)")
            name = names[key]
        seq = self._lru.get(name)
        if seq is None:
            seq = self._load(name)
            self._lru[name] = seq
            if len(self._lru) > self.cache_size:
                self._lru.popitem(last=False)
        else:
            self._lru.move_to_end(name)
        return seq

    def __iter__(self) -> Iterator[Sequence]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        split = f", split={self.split!r}" if self.split else ""
        return f"{type(self).__name__}(root={str(self.root)!r}{split}, sequences={len(self)})"

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_lru"] = OrderedDict()  # workers rebuild what they touch
        return state

    # -- helpers for subclasses ----------------------------------------------------------------
    def _require_dir(self, path: Path, what: str = "") -> Path:
        if not path.is_dir():
            hint = f" ({what})" if what else ""
            raise DataError(
                f"{self.format}: {path} is not a directory{hint}; expected layout: {self.layout}"
            )
        return path

    def _bad_split(self, allowed) -> DataError:
        return DataError(
            f"{self.format}: unknown split {self.split!r}; choose one of {', '.join(allowed)}"
        )
