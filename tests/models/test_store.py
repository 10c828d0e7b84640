"""Model store: the deterministic build, verification against the manifest, the fall-through."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

from hipsight.errors import FetchError, ModelError
from hipsight.fileio import sha256_file
from hipsight.models import store
from hipsight.models.bundle import (
    BUNDLE_ENTRIES,
    LANDMARKS_NORMALIZATION,
    add_image_metadata,
    check_task_bundle,
)
from hipsight.models.store import BUILT_BUNDLE_SHA256, fetch_model, verify_model


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def test_check_task_bundle_rejects_non_zip() -> None:
    with pytest.raises(ValueError, match="not a zip"):
        check_task_bundle(b"definitely not a zip")


def test_check_task_bundle_rejects_missing_entry() -> None:
    with pytest.raises(ValueError, match="missing"):
        check_task_bundle(_zip({BUNDLE_ENTRIES[0]: b"x"}))


def test_check_task_bundle_accepts_both_entries() -> None:
    check_task_bundle(_zip({name: b"x" for name in BUNDLE_ENTRIES}))


def test_add_metadata_rejects_non_tflite() -> None:
    with pytest.raises(ValueError, match="TFL3"):
        add_image_metadata(b"\x00" * 64, "x", LANDMARKS_NORMALIZATION)


@pytest.mark.model
def test_built_model_is_the_reference_build(pose_model) -> None:
    """The bundle built from the wheel is byte-identical to the reference build (deterministic)."""
    manifest = json.loads((pose_model.path.parent / "manifest.json").read_text())
    if manifest[pose_model.name]["source"].startswith("built:"):
        assert pose_model.sha256 == BUILT_BUNDLE_SHA256
    with zipfile.ZipFile(pose_model.path) as bundle:
        assert set(bundle.namelist()) == set(BUNDLE_ENTRIES)
        for entry in BUNDLE_ENTRIES:
            data = bundle.read(entry)
            assert data[4:8] == b"TFL3"
            assert b"TFLITE_METADATA" in data


def test_official_source_fails_within_seconds(monkeypatch) -> None:
    monkeypatch.setattr(store, "OFFICIAL_URL", "http://127.0.0.1:9/pose_landmarker_full.task")
    start = time.monotonic()
    with pytest.raises(FetchError, match="official model download failed"):
        store.download_official(timeout_s=2.0)
    assert time.monotonic() - start < 5.0


@pytest.mark.model
def test_fetch_falls_through_to_the_wheel_build(tmp_path: Path, monkeypatch) -> None:
    """Source (a) unreachable -> source (b): the reference build, verified and recorded."""
    monkeypatch.setattr(store, "OFFICIAL_URL", "http://127.0.0.1:9/pose_landmarker_full.task")
    messages: list[str] = []
    info = fetch_model(folder=tmp_path, notify=messages.append)
    assert info.sha256 == BUILT_BUNDLE_SHA256
    assert info.source.startswith("built:mediapipe==0.10.21")
    assert any("building the model" in m for m in messages)
    assert verify_model(info.path).sha256 == info.sha256
    assert not list(tmp_path.glob("*.tmp"))
    # idempotent: a verified model is kept, nothing is fetched again
    messages.clear()
    assert fetch_model(folder=tmp_path, notify=messages.append).sha256 == info.sha256
    assert messages == []


@pytest.mark.model
def test_corrupt_model_is_refused_with_the_fix(pose_model, tmp_path: Path) -> None:
    target = tmp_path / pose_model.name
    data = bytearray(pose_model.path.read_bytes())
    store.record_in_manifest(tmp_path, pose_model.name, pose_model.sha256, "test")
    data[len(data) // 2] ^= 0xFF  # flip one byte
    target.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="models fetch --force"):
        verify_model(target)


def test_half_written_user_model_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "mine.task"
    target.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ModelError, match="unusable"):
        verify_model(target)


def test_missing_model_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="models fetch"):
        verify_model(tmp_path / "nope.task")


@pytest.mark.model
def test_manifest_records_hash(pose_model) -> None:
    manifest = json.loads((pose_model.path.parent / "manifest.json").read_text())
    assert manifest[pose_model.name]["sha256"] == sha256_file(pose_model.path)
