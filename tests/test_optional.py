"""Optional heavy parts are imported on first use, with an install hint when missing."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from hipsight.errors import DependencyError, HipsightError
from hipsight.optional import cv2_module, install_hint, require


def test_require_returns_the_module() -> None:
    assert require("json", "a test").dumps([1]) == "[1]"
    assert require("xml.dom", "a test").__name__ == "xml.dom"


def test_a_missing_module_names_the_purpose_and_the_install_line() -> None:
    with pytest.raises(DependencyError, match="drawing charts needs the Python module") as err:
        require("hipsight_no_such_module", "drawing charts")
    assert "pip install hipsight_no_such_module" in str(err.value)
    assert isinstance(err.value, HipsightError)


def test_opencv_is_installed_from_the_contrib_distribution() -> None:
    assert install_hint("cv2") == "pip install opencv-contrib-python"
    assert install_hint("matplotlib.figure") == "pip install matplotlib"
    assert cv2_module().__name__ == "cv2"


def test_require_rejects_an_empty_purpose() -> None:
    with pytest.raises(ValueError, match="must be non-empty, got 'cv2', ''"):
        require("cv2", "")


def test_a_module_hidden_from_import_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import raises ImportError
    with pytest.raises(DependencyError, match="pip install matplotlib"):
        require("matplotlib", "report figures")


def test_pyproject_declares_the_opencv_mediapipe_brings_and_no_other() -> None:
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    names = [d.split(">")[0].split("=")[0].split("<")[0].strip() for d in deps]
    assert "opencv-contrib-python" in names
    assert "opencv-python" not in names
