"""Tests of the validation scripts: make ``validation/`` importable as it is when run."""

from __future__ import annotations

import sys
from pathlib import Path

VALIDATION = Path(__file__).resolve().parents[2] / "validation"
if str(VALIDATION) not in sys.path:
    sys.path.insert(0, str(VALIDATION))
