"""Atomic file writes: a crash or kill never leaves a half-written file behind."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any, Callable


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no way to tell: keep its file
        return True
    return True


def remove_stale_temporaries(path: str | os.PathLike) -> list[Path]:
    """Delete the temporary files that a killed writer of ``path`` left beside it.

    ``atomic_write`` names its temporary ``.<name>.<host>-<pid>.<random>.tmp``; a kill between its
    creation and the rename leaves it behind. One is removed when its writer ran on this host and
    no process with its id exists any more (a live or foreign writer's file is left alone)."""
    path = Path(path)
    removed = []
    for stale in _left_by_dead_writers(path.parent, f".{path.name}.", ".tmp"):
        try:
            os.unlink(stale)
            removed.append(stale)
        except OSError:
            pass
    return removed


def _left_by_dead_writers(folder: Path, prefix: str, suffix: str = "") -> list[Path]:
    """The entries ``<prefix><host>-<pid>.<random><suffix>`` of ``folder`` whose writer ran on this
    host and no longer exists (a live or foreign writer's entry is not listed)."""
    host = _host()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(suffix)]
    except OSError:
        return []
    stale = []
    for name in names:
        m = re.fullmatch(r"([A-Za-z0-9_]+)-(\d+)\.[^.]+", name[len(prefix):len(name) - len(suffix)])
        if m is not None and m.group(1) == host and not _alive(int(m.group(2))):
            stale.append(folder / name)
    return stale


def make_staging_dir(parent: str | os.PathLike, label: str) -> Path:
    """A fresh folder ``.<label>.<host>-<pid>.<random>`` in ``parent``, to fill and then rename into
    place; :func:`remove_stale_staging_dirs` finds the ones a killed writer left."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=parent, prefix=f".{label}.{_host()}-{os.getpid()}."))


def remove_stale_staging_dirs(parent: str | os.PathLike, label: str) -> list[Path]:
    """Delete the staging folders of :func:`make_staging_dir` whose writer ran on this host and no
    longer exists (a live or foreign writer's folder is left alone)."""
    removed = [stale for stale in _left_by_dead_writers(Path(parent), f".{label}.") if stale.is_dir()]
    for stale in removed:
        shutil.rmtree(stale, ignore_errors=True)
    return removed


def atomic_write(path: str | os.PathLike, write: Callable[[Any], None], mode: str = "wb") -> Path:
    """Call ``write(fileobj)`` on a temporary file beside ``path``, then rename it into place.

    A kill before the rename leaves the old file intact and the temporary behind; the next write
    of the same file removes it (``remove_stale_temporaries``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_host()}-{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write(path, lambda f: f.write(text), mode="w")


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def report_json(obj: Any, out: str | os.PathLike | None = None) -> str:
    """A benchmark's JSON report: printed to stdout and, with ``out``, written there atomically."""
    text = json.dumps(obj, indent=1)
    print(text)
    if out:
        atomic_write_text(out, text + "\n")
    return text


def atomic_torch_save(path: str | os.PathLike, obj: Any) -> Path:
    import torch  # on first use: io is a foundation of `import lighttrack`, which stays torch-free

    return atomic_write(path, lambda f: torch.save(obj, f))


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks (identities of checkpoints and data)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
