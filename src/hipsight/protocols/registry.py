"""The protocol registry: every module in :mod:`hipsight.protocols` that defines ``PROTOCOL``.

Adding a screening test means adding a module with a ``PROTOCOL = Protocol(...)`` declaration;
nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from hipsight.protocols.base import Protocol

_NOT_PROTOCOLS = {"base", "gates", "registry", "segmentation", "common", "results"}


@lru_cache(maxsize=1)
def all_protocols() -> tuple[Protocol, ...]:
    """Every declared protocol, in guided-session order (posture first)."""
    import hipsight.protocols as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_PROTOCOLS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        protocol = getattr(module, "PROTOCOL", None)
        if isinstance(protocol, Protocol):
            found.append(protocol)
    return tuple(sorted(found, key=lambda p: (p.order, p.id)))


def get_protocol(test_id: str) -> Protocol:
    """The protocol with this id; a clear error listing the ids otherwise."""
    for protocol in all_protocols():
        if protocol.id == test_id:
            return protocol
    raise KeyError(
        f"unknown test {test_id!r}; available: {', '.join(p.id for p in all_protocols())}"
    )
