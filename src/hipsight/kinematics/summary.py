"""Descriptive statistics of every angle over a recording (vectorised over angles)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from hipsight.kinematics.table import AngleTable


def summarise_angles(table: AngleTable) -> dict[str, dict[str, Any]]:
    """Return, per angle: min, max, p5, p95, range (max - min), p5–p95 range and valid fraction.

    Statistics use valid frames only; an angle with no valid frame gets ``None`` values.
    """
    values = np.where(table.valid, table.values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are reported as None
        lo, hi = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        p5, p95 = np.nanpercentile(values, [5, 95], axis=0)
    fraction = table.valid.mean(axis=0) if table.valid.shape[0] else np.zeros(len(table.names))
    summary: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(table.names):
        spec = table.spec(name)
        summary[name] = {
            "unit": "deg",
            "plane": spec.plane,
            "view": spec.view,
            "variant": spec.variant,
            "min": _num(lo[k]),
            "max": _num(hi[k]),
            "p5": _num(p5[k]),
            "p95": _num(p95[k]),
            "range": _num(hi[k] - lo[k]),
            "range_p5_p95": _num(p95[k] - p5[k]),
            "valid_fraction": round(float(fraction[k]), 4),
        }
    return summary


def _num(value: float) -> float | None:
    return round(float(value), 2) if np.isfinite(value) else None
