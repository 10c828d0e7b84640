"""Personal neutral baseline: a person's reference angles and segment lengths, from standing still.

``hipsight calibrate stance`` records 3-5 s of quiet standing, front-on and/or side-on, and keeps:

- **reference angles** (medians over the still frames, roll-corrected 2D angles):
  front view: pelvic obliquity, shoulder tilt, trunk lateral inclination, knee FPPA;
  side view: trunk inclination, thigh inclinations, hip and knee flexion.
  There is no sagittal pelvic-tilt angle: MediaPipe's hip landmarks are not the ASIS and PSIS,
  so the pelvis's own tilt cannot be seen. Trunk inclination and the thigh inclinations (with
  hip flexion, the thigh against the trunk) stand in for it, as change from this baseline.
- **segment lengths** (thigh and shank per side, trunk = mid-hip to mid-shoulder):
  in the image, as a fraction of the stature estimated from the heel-to-eye distance
  (eye height is about 93.6% of stature; Drillis & Contini); and in metres from MediaPipe's
  world landmarks.

Protocols report changes from the reference angles where the absolute value is not meaningful
(:func:`relative_to_baseline`), and :func:`implausible_frames` flags frames whose segment
lengths do not fit the person (a swapped or misplaced landmark).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.calibration.documents import BaselineDocument, StanceViewTable, require_format
from hipsight.calibration.store import PERSON_PREFIX, now_iso, validate_name
from hipsight.calibration.tomlwrite import dumps, read_toml
from hipsight.errors import InputError
from hipsight.fileio import write_text_atomic
from hipsight.kinematics.angles import compute_angles
from hipsight.kinematics.stance import still_body_frames
from hipsight.kinematics.view import label_views
from hipsight.paths import calibration_dir
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.schema import convert_document

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
View = Literal["front", "side"]

BASELINE_FORMAT = "hipsight.baseline"
BASELINE_VERSION = 1
MIN_STILL_S = 2.0
RECOMMENDED_STILL_S = 3.0
EYE_HEIGHT_FRACTION = 0.936
DEFAULT_TOLERANCE = 0.25
FRONT_ANGLES = (
    "pelvic_obliquity",
    "shoulder_tilt",
    "trunk_lateral_inclination",
    "left_knee_fppa",
    "right_knee_fppa",
)
SIDE_ANGLES = (
    "trunk_inclination",
    "left_thigh_inclination",
    "right_thigh_inclination",
    "left_hip_flexion",
    "right_hip_flexion",
    "left_knee_flexion",
    "right_knee_flexion",
)
SEGMENTS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    # name: (landmarks averaged for the start, landmarks averaged for the end)
    "left_thigh": ((lm.LEFT_HIP,), (lm.LEFT_KNEE,)),
    "right_thigh": ((lm.RIGHT_HIP,), (lm.RIGHT_KNEE,)),
    "left_shank": ((lm.LEFT_KNEE,), (lm.LEFT_ANKLE,)),
    "right_shank": ((lm.RIGHT_KNEE,), (lm.RIGHT_ANKLE,)),
    "trunk": ((lm.LEFT_HIP, lm.RIGHT_HIP), (lm.LEFT_SHOULDER, lm.RIGHT_SHOULDER)),
}

__all__ = [
    "PersonBaseline",
    "StanceMeasurement",
    "StanceView",
    "baseline_path",
    "implausible_frames",
    "list_baselines",
    "load_baseline",
    "measure_stance",
    "relative_to_baseline",
    "save_baseline",
    "segment_lengths",
    "stature_px",
    "update_baseline",
]


# ============================================================================ records


@dataclass(frozen=True)
class StanceView:
    """Reference angles from one stance recording (front or side)."""

    view: View
    angles_deg: Mapping[str, float]
    source: str = ""
    created: str = ""
    still_s: float = 0.0
    n_frames: int = 0
    roll_deg: float = 0.0
    calibration: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "created": self.created,
            "still_s": self.still_s,
            "n_frames": self.n_frames,
            "roll_deg": self.roll_deg,
            "calibration": self.calibration,
            "angles_deg": dict(self.angles_deg),
        }

    @classmethod
    def from_table(cls, view: View, table: StanceViewTable) -> StanceView:
        """Build from a validated ``[views.VIEW]`` table."""
        return cls(
            view=view,
            angles_deg=dict(table.angles_deg),
            source=table.source,
            created=table.created,
            still_s=table.still_s,
            n_frames=table.n_frames,
            roll_deg=table.roll_deg,
            calibration=table.calibration,
        )


@dataclass(frozen=True)
class PersonBaseline:
    """A person's neutral standing: reference angles per view and segment lengths."""

    person: str
    views: Mapping[str, StanceView] = field(default_factory=dict)
    segments_rel: Mapping[str, float] = field(default_factory=dict)
    segments_m: Mapping[str, float] = field(default_factory=dict)
    segments_view: str | None = None
    height_cm: float | None = None
    created: str = ""
    updated: str = ""

    def __post_init__(self) -> None:
        validate_name(self.person, "person")
        if self.height_cm is not None and not 50.0 <= self.height_cm <= 250.0:
            raise ValueError(f"height_cm must be in [50, 250], got {self.height_cm}")

    def reference_angle(self, name: str) -> float | None:
        """The reference value of one angle, from whichever view measured it; None if none did."""
        for view in self.views.values():
            if name in view.angles_deg:
                return float(view.angles_deg[name])
        return None

    @property
    def reference_angles(self) -> dict[str, float]:
        return {
            name: value for view in self.views.values() for name, value in view.angles_deg.items()
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": BASELINE_FORMAT,
            "version": BASELINE_VERSION,
            "person": self.person,
            "created": self.created,
            "updated": self.updated,
            "height_cm": self.height_cm,
            "segments": {
                "view": self.segments_view,
                "relative": dict(self.segments_rel),
                "metres": dict(self.segments_m),
            },
            "views": {name: view.to_dict() for name, view in self.views.items()},
        }

    def to_toml(self) -> str:
        return dumps(
            self.to_dict(),
            header=(
                "hipsight personal neutral baseline; format documented in docs/calibration.md",
                "segments.relative: image length / stature estimate;",
                "segments.metres: lengths from the world landmarks",
            ),
        )

    @classmethod
    def from_dict(cls, data: Any, where: str = "baseline") -> PersonBaseline:
        """Build from the TOML layout (:class:`BaselineDocument`); InputError naming the file,
        the field and the expected and actual value on any problem."""
        require_format(data, BASELINE_FORMAT, BASELINE_VERSION, where, "baseline")
        doc = convert_document(data, BaselineDocument, where, "baseline")
        try:
            return cls(
                person=doc.person,
                views={name: StanceView.from_table(name, t) for name, t in doc.views.items()},
                segments_rel=dict(doc.segments.relative),
                segments_m=dict(doc.segments.metres),
                segments_view=doc.segments.view,
                height_cm=doc.height_cm,
                created=doc.created,
                updated=doc.updated,
            )
        except (ValueError, InputError) as exc:
            raise InputError(f"{where}: invalid baseline ({exc})") from exc

    def describe(self) -> str:
        lines = [f"person {self.person}" + (f", {self.height_cm:g} cm" if self.height_cm else "")]
        for name, view in self.views.items():
            angles = ", ".join(f"{k} {v:+.1f}°" for k, v in view.angles_deg.items())
            lines.append(
                f"  {name} stance ({view.still_s:.1f} s still, "
                f"roll {view.roll_deg:+.1f}°): {angles}"
            )
        if self.segments_rel:
            rel = ", ".join(f"{k} {v:.3f}" for k, v in self.segments_rel.items())
            lines.append(f"  segments / stature ({self.segments_view} view): {rel}")
        if self.segments_m:
            metres = ", ".join(f"{k} {v:.2f}" for k, v in self.segments_m.items())
            lines.append(f"  segments in metres (world landmarks): {metres}")
        return "\n".join(lines)


@dataclass(frozen=True)
class StanceMeasurement:
    """What one stance recording gave, before it is merged into a person's baseline."""

    view: StanceView
    segments_rel: Mapping[str, float]
    segments_m: Mapping[str, float]
    warnings: tuple[str, ...] = ()


# ============================================================================ geometry


def _mean_of(points: FloatArray, indices: tuple[int, ...]) -> FloatArray:
    return np.asarray(points[:, list(indices)].mean(axis=1))


def segment_lengths(points: ArrayLike) -> dict[str, FloatArray]:
    """(T,) length of every segment in :data:`SEGMENTS`, from (T, 33, 2) or (T, 33, 3) points."""
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1] != lm.N_LANDMARKS or arr.shape[2] not in (2, 3):
        raise ValueError(f"points must have shape (T, {lm.N_LANDMARKS}, 2 or 3), got {arr.shape}")
    return {
        name: np.linalg.norm(_mean_of(arr, end) - _mean_of(arr, start), axis=-1)
        for name, (start, end) in SEGMENTS.items()
    }


def stature_px(image_xy: ArrayLike) -> FloatArray:
    """(T,) stature estimate in pixels: mid-heel to mid-eye distance / 0.936. Standing only."""
    xy = np.asarray(image_xy, dtype=np.float64)
    heel = _mean_of(xy, (lm.LEFT_HEEL, lm.RIGHT_HEEL))
    eye = _mean_of(xy, (lm.LEFT_EYE, lm.RIGHT_EYE))
    return np.asarray(np.linalg.norm(eye - heel, axis=-1) / EYE_HEIGHT_FRACTION)


def _median(values: FloatArray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else None


# ============================================================================ measuring


def detect_stance_view(seq: PoseSequence, still: BoolArray) -> View:
    """'front' or 'side': the view of most still frames."""
    labels = label_views(seq)[still]
    front, side = int((labels == "front").sum()), int((labels == "side").sum())
    if front == 0 and side == 0:
        raise InputError(
            f"{seq.input_label}: no still frame is clearly front-on or side-on "
            f"({int(still.sum())} still frames, all oblique or unknown); "
            "face the camera or turn 90°"
        )
    return "front" if front >= side else "side"


def measure_stance(
    seq: PoseSequence,
    view: View | Literal["auto"] = "auto",
    roll_deg: float = 0.0,
    min_still_s: float = MIN_STILL_S,
) -> StanceMeasurement:
    """Measure reference angles and segment lengths from a stance recording.

    ``seq`` should already be undistorted (see
    :func:`~hipsight.calibration.store.apply_calibration`);
    ``roll_deg`` is the camera roll passed to ``compute_angles``. Uses the frames that are still
    and seen from ``view`` (auto: the view of most still frames); needs ``min_still_s`` of them.
    """
    if view not in ("front", "side", "auto"):
        raise InputError(f"view must be 'front', 'side' or 'auto', got {view!r}")
    still = still_body_frames(seq)
    chosen: View = detect_stance_view(seq, still) if view == "auto" else view
    used = still & (label_views(seq) == chosen)
    still_s = float(used.sum() / seq.fps)
    where = seq.input_label
    if still_s < min_still_s:
        raise InputError(
            f"{where}: need at least {min_still_s:g} s of standing still in a {chosen} view, got "
            f"{still_s:.1f} s ({int(used.sum())} of {seq.n_frames} frames); stand still for 3-5 s"
        )
    warnings = []
    if still_s < RECOMMENDED_STILL_S:
        warnings.append(f"only {still_s:.1f} s of still standing; 3-5 s gives steadier references")
    table = compute_angles(seq, roll_deg=roll_deg, variants=("2d",))
    names = FRONT_ANGLES if chosen == "front" else SIDE_ANGLES
    angles = {}
    for name in names:
        value = _median(np.where(used & table.validity(name), table.column(name), np.nan))
        if value is not None:
            angles[name] = round(value, 2)
    missing = [n for n in names if n not in angles]
    if missing:
        warnings.append(
            f"not measurable in the {chosen} stance (landmarks not visible): {', '.join(missing)}"
        )
    stature = stature_px(seq.image_xy[used])
    lengths_px = segment_lengths(seq.image_xy[used])
    rel = {k: _median(v / stature) for k, v in lengths_px.items()}
    metres = {k: _median(v) for k, v in segment_lengths(seq.world_xyz[used]).items()}
    stance = StanceView(
        view=chosen,
        angles_deg=angles,
        source=seq.meta.source,
        created=now_iso(),
        still_s=round(still_s, 2),
        n_frames=int(used.sum()),
        roll_deg=float(roll_deg),
        calibration=seq.meta.calibration,
    )
    return StanceMeasurement(
        view=stance,
        segments_rel={k: round(v, 4) for k, v in rel.items() if v is not None},
        segments_m={k: round(v, 4) for k, v in metres.items() if v is not None},
        warnings=tuple(warnings),
    )


def update_baseline(
    existing: PersonBaseline | None,
    person: str,
    measurement: StanceMeasurement,
    height_cm: float | None = None,
) -> PersonBaseline:
    """Merge a stance measurement into a person's baseline (new or existing).

    The measured view replaces the same view of the existing baseline. Segment lengths come from
    the front stance when there is one (both legs visible), else from the side stance.
    """
    now = now_iso()
    base = existing or PersonBaseline(person=person, created=now)
    views = {**base.views, measurement.view.view: measurement.view}
    take_segments = measurement.view.view == "front" or base.segments_view != "front"
    return dataclasses.replace(
        base,
        person=person,
        views=views,
        segments_rel=measurement.segments_rel if take_segments else base.segments_rel,
        segments_m=measurement.segments_m if take_segments else base.segments_m,
        segments_view=measurement.view.view if take_segments else base.segments_view,
        height_cm=height_cm if height_cm is not None else base.height_cm,
        updated=now,
    )


# ============================================================================ files


def baseline_path(person: str, folder: Path | None = None) -> Path:
    """``calibration_dir()/person_NAME.toml``."""
    return (folder or calibration_dir()) / f"{PERSON_PREFIX}{validate_name(person, 'person')}.toml"


def save_baseline(baseline: PersonBaseline, folder: Path | None = None) -> Path:
    """Write ``person_NAME.toml`` atomically and return its path."""
    return write_text_atomic(baseline_path(baseline.person, folder), baseline.to_toml())


def load_baseline(person: str, folder: Path | None = None) -> PersonBaseline:
    """Load a person's baseline; InputError names the file and the known people when missing."""
    path = baseline_path(person, folder)
    if not path.is_file():
        known = list_baselines(folder)
        listing = ", ".join(known) if known else "none yet; run `hipsight calibrate stance`"
        raise InputError(f"no baseline for person {person!r} in {path.parent} (known: {listing})")
    return PersonBaseline.from_dict(read_toml(path), where=str(path))


def list_baselines(folder: Path | None = None) -> list[str]:
    """Names of the people with a saved baseline."""
    root = folder or calibration_dir()
    if not root.is_dir():
        return []
    return sorted(p.stem.removeprefix(PERSON_PREFIX) for p in root.glob(f"{PERSON_PREFIX}*.toml"))


# ============================================================================ using a baseline


def relative_to_baseline(values: ArrayLike, baseline: PersonBaseline, angle: str) -> FloatArray:
    """``values`` minus the person's reference value of ``angle`` (KeyError if not measured)."""
    reference = baseline.reference_angle(angle)
    if reference is None:
        known = sorted(baseline.reference_angles)
        raise KeyError(
            f"baseline of {baseline.person!r} has no reference for {angle!r}; it has {known}"
        )
    return np.asarray(values, dtype=np.float64) - reference


def implausible_frames(
    seq: PoseSequence,
    baseline: PersonBaseline,
    tolerance: float = DEFAULT_TOLERANCE,
    variant: Literal["auto", "2d", "3d"] = "auto",
) -> BoolArray:
    """(T,) True where the segment lengths do not fit the person's baseline.

    - ``3d``: each segment's world-landmark length over the baseline's metres; a frame is flagged
      when any ratio is off by more than ``tolerance`` (0.25 = 25%).
    - ``2d``: the image has no fixed scale, so each segment's *share* of the summed segment
      lengths is compared with the baseline's share. Foreshortening is not told apart from a bad
      landmark, so use it for views where the segments lie roughly in the image plane.
    - ``auto``: 3D where the frame has world landmarks and the baseline has metres, else 2D.

    Frames without the needed landmarks are not flagged (they are already missing).
    """
    if not 0.0 < tolerance < 1.0:
        raise ValueError(f"tolerance must be in (0, 1), got {tolerance}")
    if variant not in ("auto", "2d", "3d"):
        raise ValueError(f"variant must be 'auto', '2d' or '3d', got {variant!r}")
    names = [n for n in SEGMENTS if n in baseline.segments_rel]
    flag_2d = _flag_shares(seq.image_xy, baseline.segments_rel, names, tolerance)
    if variant == "2d":
        return flag_2d
    metres = [n for n in SEGMENTS if n in baseline.segments_m]
    if not metres:
        if variant == "3d":
            raise ValueError(f"baseline of {baseline.person!r} has no segment lengths in metres")
        return flag_2d
    world = segment_lengths(seq.world_xyz)
    ratios = np.stack([world[n] / baseline.segments_m[n] for n in metres], axis=1)
    has_world = np.isfinite(ratios).all(axis=1)
    with np.errstate(invalid="ignore"):
        flag_3d = (np.abs(ratios - 1.0) > tolerance).any(axis=1) & has_world
    if variant == "3d":
        return np.asarray(flag_3d)
    return np.asarray(np.where(has_world, flag_3d, flag_2d))


def _flag_shares(
    image_xy: FloatArray, reference: Mapping[str, float], names: list[str], tolerance: float
) -> BoolArray:
    if len(names) < 2:
        raise ValueError(f"baseline needs at least two segment lengths, got {names}")
    lengths = segment_lengths(image_xy)
    observed = np.stack([lengths[n] for n in names], axis=1)
    expected = np.array([reference[n] for n in names])
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = observed / observed.sum(axis=1, keepdims=True)
        ratios = shares / (expected / expected.sum())
        flagged = (np.abs(ratios - 1.0) > tolerance).any(axis=1)
    return np.asarray(flagged & np.isfinite(ratios).all(axis=1))
