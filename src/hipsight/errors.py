"""User-facing errors. The CLI prints their message as one line and exits with ``exit_code``."""

from __future__ import annotations


class HipsightError(Exception):
    """An error the user can act on; its message is one line that names the fix."""

    exit_code = 2


class InputError(HipsightError):
    """Bad input: a missing, unreadable or corrupt file, or an unusable recording."""


class ModelError(HipsightError):
    """The pose model is missing, corrupt or cannot be provisioned."""


class FetchError(HipsightError):
    """A download or verification failed."""


class CameraError(HipsightError):
    """No camera, a busy camera, or a camera lost mid-session."""


class NoPersonError(InputError):
    """No person was found in the recording."""


class DependencyError(HipsightError):
    """An optional part of hipsight (OpenCV, matplotlib, ...) is not installed."""
