"""PoseSequence: validation at construction, read-only arrays, .npz round trip and versioning."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hipsight.errors import InputError
from hipsight.pose.sequence import NPZ_VERSION, PoseSequence, SequenceMeta


def _seq(n: int = 5) -> PoseSequence:
    xy = np.arange(n * 33 * 2, dtype=float).reshape(n, 33, 2)
    xy[2] = np.nan  # a frame without a person
    return PoseSequence.from_arrays(
        t=np.arange(n) / 30.0, image_xy=xy, meta=SequenceMeta(frame_size=(640, 480), source="x")
    )


def test_from_arrays_fills_defaults() -> None:
    seq = _seq()
    assert seq.n_frames == 5
    assert seq.detected.tolist() == [True, True, False, True, True]
    assert np.isnan(seq.world_xyz).all()
    assert np.isnan(seq.visibility[2]).all() and (seq.visibility[0] == 1).all()


def test_arrays_are_read_only() -> None:
    seq = _seq()
    with pytest.raises(ValueError):
        seq.image_xy[0, 0, 0] = 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"t": np.zeros((2, 2))}, r"t must have shape \(T,\)"),
        (
            {"image_xy": np.zeros((5, 17, 2))},
            r"image_xy must have shape \(T, 33, 2\), got \(5, 17, 2\)",
        ),
        ({"t": np.array([0.0, 0.1, 0.1, 0.2, 0.3])}, "strictly increasing"),
        ({"t": np.array([0.0, np.nan, 0.2, 0.3, 0.4])}, "finite"),
        ({"visibility": np.ones((4, 33))}, r"visibility must have shape \(5, 33\), got \(4, 33\)"),
    ],
)
def test_constructor_validates_with_expected_and_actual(kwargs: dict, message: str) -> None:
    base = {"t": np.arange(5) / 30.0, "image_xy": np.zeros((5, 33, 2))}
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        PoseSequence.from_arrays(meta=SequenceMeta(frame_size=(10, 10)), **base)


def test_meta_validates_rotation_and_size() -> None:
    with pytest.raises(ValueError, match="rotation_deg"):
        SequenceMeta(frame_size=(10, 10), rotation_deg=45)
    with pytest.raises(ValueError, match="frame_size"):
        SequenceMeta(frame_size=(0, 10))


def test_npz_round_trip_keeps_everything(tmp_path: Path) -> None:
    seq = _seq().with_meta(model_sha256="abc", subject={"policy": "visible", "track_id": 1})
    path = seq.save_npz(tmp_path / "a" / "seq.npz")
    back = PoseSequence.from_npz(path)
    np.testing.assert_array_equal(back.image_xy, seq.image_xy)
    np.testing.assert_array_equal(back.t, seq.t)
    assert back.meta == seq.meta
    assert not list(path.parent.glob("*.tmp"))


def test_newer_npz_version_is_refused(tmp_path: Path) -> None:
    seq = _seq()
    path = seq.save_npz(tmp_path / "seq.npz")
    with np.load(path) as data:
        arrays = dict(data)
    header = json.loads(str(arrays["header"]))
    header["version"] = NPZ_VERSION + 1
    arrays["header"] = np.array(json.dumps(header))
    np.savez(path, **arrays)
    with pytest.raises(InputError, match="newer"):
        PoseSequence.from_npz(path)


def test_not_an_npz_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.npz"
    path.write_text("junk")
    with pytest.raises(InputError, match="not a hipsight landmarks file"):
        PoseSequence.from_npz(path)


def test_slice_records_provenance() -> None:
    part = _seq().slice_frames(1, 4)
    assert part.n_frames == 3
    assert part.meta.provenance[-1].describe() == "slice_frames(start=1, stop=4)"
    with pytest.raises(ValueError, match="frame slice"):
        _seq().slice_frames(3, 3)


def test_select_frames_keeps_their_own_times_and_records_provenance() -> None:
    seq = _seq()
    part = seq.select_frames(np.array([0, 1, 3, 4]))  # the frame without a person left out
    assert part.n_frames == 4 and part.detected.all()
    np.testing.assert_array_equal(part.t, seq.t[[0, 1, 3, 4]])
    np.testing.assert_array_equal(part.image_xy, seq.image_xy[[0, 1, 3, 4]])
    assert part.meta.provenance[-1].describe() == "select_frames(n_frames=4)"


@pytest.mark.parametrize("frames", [[], [1, 1], [3, 2], [0, 5], [-1, 2], [0.0, 1.0]])
def test_select_frames_needs_increasing_indices_in_range(frames: list[float]) -> None:
    with pytest.raises(ValueError, match=r"increasing integer indices in \[0, 5\)"):
        _seq().select_frames(np.array(frames))


def test_steps_given_as_text_become_structured_steps() -> None:
    """A script that still records its steps as text gets ProcessingSteps, and they save."""
    meta = SequenceMeta(frame_size=(640, 480), provenance=("pose: full max_people=2", "slice(1,4)"))
    assert [step.name for step in meta.provenance] == ["pose: full max_people=2", "slice"]
    assert meta.to_dict()["processing"][1] == {"name": "slice", "params": {"detail": "1,4"}}


def test_covered_time_counts_the_last_frame() -> None:
    seq = _seq()  # 5 frames at 30 fps
    assert seq.duration_s == pytest.approx(4 / 30)
    assert seq.covered_s == pytest.approx(5 / 30)
    assert seq.slice_frames(0, 1).covered_s == 0.0
