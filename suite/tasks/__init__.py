"""Transfer tasks: each module is a protocol over a features table (pure) plus its native-layout facts."""

from . import bbbc021, coos7, cyclops, rxrx1

TASKS = {m.NAME: m for m in (bbbc021, coos7, cyclops, rxrx1)}

__all__ = ["TASKS", "bbbc021", "coos7", "cyclops", "rxrx1"]
