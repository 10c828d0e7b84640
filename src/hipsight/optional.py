"""Heavy or optional parts (OpenCV, matplotlib, text-to-speech), imported on first use.

Importing hipsight costs nothing and has no side effects; a part that is missing is reported as
a :class:`~hipsight.errors.DependencyError` that names what needed it and how to install it,
instead of a bare ``ModuleNotFoundError`` from deep inside a call.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

# import name -> the distribution that provides it (where the two differ, or to pin the choice)
DISTRIBUTIONS: dict[str, str] = {
    "cv2": "opencv-contrib-python",  # the OpenCV that mediapipe brings; never a second one
    "matplotlib": "matplotlib",
    "pyttsx3": "pyttsx3",
    "tqdm": "tqdm",
}


def install_hint(module_name: str) -> str:
    """The ``pip install`` line for the distribution that provides ``module_name``."""
    top = module_name.partition(".")[0]
    return f"pip install {DISTRIBUTIONS.get(top, top)}"


def require(module_name: str, purpose: str) -> ModuleType:
    """Import ``module_name`` (e.g. ``"cv2"``, ``"matplotlib.figure"``) and return it.

    Raises DependencyError, naming ``purpose`` (what needed it) and the install line, when the
    module is not installed.
    """
    from hipsight.errors import DependencyError

    if not module_name or not purpose:
        raise ValueError(
            f"module_name and purpose must be non-empty, got {module_name!r}, {purpose!r}"
        )
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise DependencyError(
            f"{purpose} needs the Python module {module_name!r}, which is not installed "
            f"({exc}); install it with: {install_hint(module_name)}"
        ) from exc


def cv2_module(purpose: str = "reading and drawing images") -> ModuleType:
    """OpenCV's ``cv2`` (from ``opencv-contrib-python``), imported on first use."""
    return require("cv2", purpose)


def preload_in_background(*module_names: str) -> threading.Thread:
    """Import ``module_names`` on a daemon thread and return it (already started).

    Used while inference keeps mediapipe busy outside the GIL: modules needed only afterwards
    (scipy's filters and assignment solver take about a second to import) are ready when the
    main thread reaches them, instead of delaying the first frame. A module that fails to import
    here fails again, with its proper error, where it is really imported.
    """
    thread = threading.Thread(
        target=_import_quietly, args=module_names, name="hipsight-preload", daemon=True
    )
    thread.start()
    return thread


def _import_quietly(*module_names: str) -> None:
    for name in module_names:
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # reported where the module is really needed
