"""The transfer tasks: every module in ``cytoimagenet.suite.tasks`` that defines ``TASK`` is one; adding a task is
adding its file."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import TYPE_CHECKING

from cytoimagenet.errors import UserError

from . import tasks as _tasks_pkg

if TYPE_CHECKING:  # the Task class needs pandas; listing names must not
    from .task import Task


@lru_cache(maxsize=1)
def tasks() -> dict[str, Task]:
    """name -> Task, in name order."""
    found: dict[str, Task] = {}
    for info in sorted(pkgutil.iter_modules(_tasks_pkg.__path__), key=lambda m: m.name):
        task = getattr(importlib.import_module(f"{_tasks_pkg.__name__}.{info.name}"), "TASK", None)
        if task is None:
            continue
        if task.name != info.name:
            # the file is named after its task, so that listing the tasks needs no import (the CLI's help)
            raise RuntimeError(f"suite/tasks/{info.name}.py defines task {task.name!r}: name the file after its task")
        if task.name in found:
            raise RuntimeError(f"transfer task {task.name!r} defined twice")
        found[task.name] = task
    return found


def task_names() -> list[str]:
    """The task names without importing any task module (each file is named after its task)."""
    return sorted(m.name for m in pkgutil.iter_modules(_tasks_pkg.__path__))


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    out = {}
    for task in tasks().values():
        for alias in (task.name, *task.aliases):
            if out.setdefault(alias, task.name) != task.name:
                raise RuntimeError(f"task alias {alias!r} names both {out[alias]!r} and {task.name!r}")
    return out


def get_task(name: str) -> Task:
    """The task called ``name`` or one of its aliases (case and surrounding space ignored)."""
    key = name.strip().lower()
    try:
        return tasks()[_names()[key]]
    except KeyError:
        raise UserError(f"unknown task {name!r}: choose one of {', '.join(sorted(tasks()))}") from None
