"""Many recordings at once: ``hipsight batch`` and :func:`hipsight.batch` (docs/batch.md).

``plan`` finds the recordings (folder or manifest), ``task`` analyses one of them with warm
landmarkers (``warm``), ``engines`` runs tasks on local processes or Ray actors, ``runner`` skips
finished work and gathers ``batch.csv`` and ``batch.json`` (``table``).
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


class _CallableModule(ModuleType):
    """Importing ``hipsight.batch`` (this package) rebinds the name ``hipsight.batch`` from the
    API function to the package; calling the package calls the function, so both spellings
    keep working: ``hipsight.batch(...)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from hipsight.batch.api import batch

        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
