"""The catalog: every module in `cytoimagenet.catalog.sources` defines one source (an ENTRY and its adapter)."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from cytoimagenet.catalog import sources as _sources_pkg
from cytoimagenet.catalog.source import Source
from cytoimagenet.errors import UserError


@lru_cache(maxsize=1)
def catalog() -> dict[str, Source]:
    found: dict[str, Source] = {}
    for info in sorted(pkgutil.iter_modules(_sources_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{_sources_pkg.__name__}.{info.name}")
        entry = getattr(module, "ENTRY", None)
        if entry is None:
            continue
        read = getattr(module, entry.adapter) if entry.adapter else None
        if entry.id in found:
            raise RuntimeError(f"catalog id {entry.id!r} defined twice")
        found[entry.id] = Source(entry, read)
    return found


def get_source(source_id: str) -> Source:
    try:
        return catalog()[source_id]
    except KeyError:
        raise UserError(
            f"{source_id!r} is not in the catalog; known sources: {', '.join(sorted(catalog()))}"
        ) from None
