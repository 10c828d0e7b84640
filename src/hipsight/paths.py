"""Where hipsight keeps fetched models, samples and user data.

Order of precedence for each folder:
1. an environment variable (``HIPSIGHT_MODELS_DIR``, ``HIPSIGHT_SAMPLES_DIR``,
   ``HIPSIGHT_CALIBRATION_DIR``, ``HIPSIGHT_DATA_DIR``);
2. the source checkout's own folder (``models/``, ``samples/``) when hipsight runs from a checkout;
3. the platform's user cache or data folder (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "hipsight"


def find_checkout_root() -> Path | None:
    """Return the source checkout root when hipsight runs from one (editable install), else None."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "src" / "hipsight").is_dir():
        return root
    return None


def _resolve_dir(env_var: str, checkout_subdir: str, kind: str) -> Path:
    override = os.environ.get(env_var)
    if override:
        return Path(override).expanduser()
    root = find_checkout_root()
    if root is not None:
        return root / checkout_subdir
    import platformdirs

    base = (
        platformdirs.user_cache_dir(APP_NAME)
        if kind == "cache"
        else platformdirs.user_data_dir(APP_NAME)
    )
    return Path(base) / checkout_subdir


def models_dir() -> Path:
    """Folder holding pose model bundles and their manifest."""
    return _resolve_dir("HIPSIGHT_MODELS_DIR", "models", "cache")


def samples_dir() -> Path:
    """Folder holding fetched sample videos."""
    return _resolve_dir("HIPSIGHT_SAMPLES_DIR", "samples", "cache")


def calibration_dir() -> Path:
    """Folder holding camera calibrations and personal baselines."""
    return _resolve_dir("HIPSIGHT_CALIBRATION_DIR", "calibration", "data")


def data_dir() -> Path:
    """Folder for the user's data (history database)."""
    override = os.environ.get("HIPSIGHT_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))
