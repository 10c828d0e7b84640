"""Many recordings at once: ``hipsight batch`` and :func:`hipsight.batch` (docs/batch.md).

The package is ``hipsight.batching`` so that the name ``hipsight.batch`` stays the API function.

``plan`` finds the recordings (folder or manifest), ``task`` analyses one of them with warm
landmarkers (``warm``), ``engines`` runs tasks on local processes or Ray actors, ``runner`` skips
finished work and gathers ``batch.csv`` and ``batch.json`` (``table``).
"""

from __future__ import annotations
