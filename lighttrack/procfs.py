"""The process tree as Linux's ``/proc`` shows it: which processes a job started.

A job's processes do not all share its process group (torchrun starts each worker in a session of
its own; ``lighttrack eval --workers`` forks a pool), so the benchmarks that kill a job or measure
its memory walk the parent links instead.
"""

from __future__ import annotations

from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first, then theirs), read from ``/proc``; empty where
    there is no ``/proc`` or ``pid`` has none."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:  # the name field may hold spaces and parentheses: the parent pid follows the last ")"
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out
