"""Camera calibrations: the :class:`CameraCalibration` record, its TOML file, the default, and
how a calibration is applied to a :class:`~hipsight.pose.sequence.PoseSequence`.

A calibration lives in ``calibration_dir()/NAME.toml`` (format in docs/calibration.md). It holds
the camera intrinsics (camera matrix and distortion, from ``hipsight calibrate camera``) and/or
the camera level (roll and pitch, from ``hipsight calibrate level``). A calibration with only a
level is allowed: it corrects the roll but does not undistort.

``default.toml`` in the same folder names the calibration used when none is given.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.calibration.documents import CalibrationDocument, IntrinsicsTable, require_format
from hipsight.calibration.tomlwrite import dumps, read_toml
from hipsight.calibration.uncertainty import IntrinsicsUncertainty
from hipsight.errors import InputError
from hipsight.fileio import write_text_atomic
from hipsight.optional import cv2_module
from hipsight.paths import calibration_dir
from hipsight.pose.sequence import PoseSequence
from hipsight.results import ProcessingStep
from hipsight.schema import convert_document

FloatArray = NDArray[np.float64]

CALIBRATION_FORMAT = "hipsight.calibration"
CALIBRATION_VERSION = 1
CALIBRATION_MINOR_VERSION = 1  # 1.1 added minor_version, per_view_rms_px, [intrinsics.uncertainty]
DEFAULT_FILE = "default.toml"
PERSON_PREFIX = "person_"
NO_CALIBRATION = "none"
RESERVED_NAMES = ("default", NO_CALIBRATION)
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DIST_LENGTHS = (4, 5, 8, 12, 14)  # the distortion vectors OpenCV accepts
UNDISTORT_STEP = "undistort"
# cv2.undistortPoints inverts the distortion iteratively; OpenCV's default (5 iterations) leaves
# errors of a pixel or more near the corners of wide-angle images.
UNDISTORT_ITERATIONS = 50
UNDISTORT_EPS = 1e-10

__all__ = [
    "CameraCalibration",
    "apply_calibration",
    "calibration_path",
    "calibration_summary",
    "check_image_size",
    "choose_calibration",
    "default_calibration_name",
    "list_calibrations",
    "load_calibration",
    "resolve_calibration",
    "save_calibration",
    "set_default_calibration",
    "undistort_points",
    "undistort_sequence",
    "validate_name",
]


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second (the ``created`` fields)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def validate_name(name: str, what: str = "calibration") -> str:
    """Return ``name`` if it can name a file in the calibration folder, else raise InputError."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise InputError(
            f"{what} name must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter "
            f"or digit), got {name!r}"
        )
    if name.lower() in RESERVED_NAMES or name.startswith(PERSON_PREFIX):
        raise InputError(
            f"{what} name {name!r} is reserved (names 'default', 'none' and 'person_*' are taken)"
        )
    return name


# ============================================================================ the record


@dataclass(frozen=True, eq=False)
class CameraCalibration:
    """One camera set-up: intrinsics (optional) and level (optional). Arrays are read-only.

    ``image_size`` is (width, height) in pixels of the upright frames the calibration was made
    from. ``roll_deg`` follows :func:`hipsight.kinematics.angles.compute_angles`: positive when the
    camera is turned clockwise as seen from behind it. ``pitch_deg`` is positive when the camera
    looks down.
    """

    name: str
    image_size: tuple[int, int]
    camera_matrix: FloatArray | None = None
    dist_coeffs: FloatArray | None = None
    rms_px: float | None = None
    n_views: int = 0
    created: str = ""
    roll_deg: float | None = None
    pitch_deg: float | None = None
    level_method: str | None = None
    level_created: str | None = None
    source: str = ""
    board: tuple[int, int] | None = None
    square_mm: float | None = None
    per_view_rms_px: tuple[float, ...] = ()
    uncertainty: IntrinsicsUncertainty | None = None

    def __post_init__(self) -> None:
        validate_name(self.name)
        width, height = _check_size(self.image_size, "image_size")
        object.__setattr__(self, "image_size", (width, height))
        if (self.camera_matrix is None) != (self.dist_coeffs is None):
            raise ValueError("camera_matrix and dist_coeffs must be given together or not at all")
        if self.camera_matrix is not None and self.dist_coeffs is not None:
            object.__setattr__(self, "camera_matrix", _check_camera_matrix(self.camera_matrix))
            object.__setattr__(self, "dist_coeffs", _check_dist_coeffs(self.dist_coeffs))
        for field_name in ("roll_deg", "pitch_deg", "rms_px", "square_mm"):
            value = getattr(self, field_name)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{field_name} must be finite or None, got {value}")
        if self.roll_deg is not None and not -90.0 < self.roll_deg <= 90.0:
            raise ValueError(f"roll_deg must be in (-90, 90], got {self.roll_deg}")
        if self.n_views < 0:
            raise ValueError(f"n_views must be >= 0, got {self.n_views}")
        object.__setattr__(self, "per_view_rms_px", tuple(float(e) for e in self.per_view_rms_px))
        if not all(math.isfinite(e) and e >= 0 for e in self.per_view_rms_px):
            raise ValueError(
                f"per_view_rms_px must be finite and >= 0, got {list(self.per_view_rms_px)}"
            )

    @property
    def has_intrinsics(self) -> bool:
        return self.camera_matrix is not None

    @property
    def has_level(self) -> bool:
        return self.roll_deg is not None

    def with_level(
        self, roll_deg: float, pitch_deg: float | None, method: str
    ) -> CameraCalibration:
        """Return a copy with the camera level replaced."""
        return dataclasses.replace(
            self,
            roll_deg=float(roll_deg),
            pitch_deg=None if pitch_deg is None else float(pitch_deg),
            level_method=method,
            level_created=now_iso(),
        )

    def to_dict(self) -> dict[str, Any]:
        """The TOML layout (see docs/calibration.md); None values are left out when written."""
        data: dict[str, Any] = {
            "format": CALIBRATION_FORMAT,
            "version": CALIBRATION_VERSION,
            "minor_version": CALIBRATION_MINOR_VERSION,
            "name": self.name,
            "created": self.created,
            "source": self.source,
            "image_size": list(self.image_size),
        }
        if self.camera_matrix is not None and self.dist_coeffs is not None:
            data["intrinsics"] = {
                "camera_matrix": self.camera_matrix.tolist(),
                "dist_coeffs": self.dist_coeffs.tolist(),
                "rms_px": self.rms_px,
                "n_views": self.n_views,
                "board": None if self.board is None else list(self.board),
                "square_mm": self.square_mm,
                "per_view_rms_px": list(self.per_view_rms_px) or None,
                "uncertainty": None if self.uncertainty is None else self.uncertainty.to_dict(),
            }
        if self.roll_deg is not None:
            data["level"] = {
                "roll_deg": self.roll_deg,
                "pitch_deg": self.pitch_deg,
                "method": self.level_method,
                "created": self.level_created,
            }
        return data

    def to_toml(self) -> str:
        return dumps(
            self.to_dict(),
            header=(
                "hipsight camera calibration; format documented in docs/calibration.md",
                "roll_deg > 0: camera turned clockwise as seen from behind it;",
                "pitch_deg > 0: camera looking down",
            ),
        )

    @classmethod
    def from_dict(cls, data: Any, where: str = "calibration") -> CameraCalibration:
        """Build from the TOML layout (:class:`CalibrationDocument`); InputError naming the
        file, the field and the expected and actual value on any problem."""
        require_format(data, CALIBRATION_FORMAT, CALIBRATION_VERSION, where, "calibration")
        doc = convert_document(data, CalibrationDocument, where, "calibration")
        intrinsics, level = doc.intrinsics, doc.level
        try:
            return cls(
                name=doc.name,
                image_size=doc.image_size,
                camera_matrix=None if intrinsics is None else np.array(intrinsics.camera_matrix),
                dist_coeffs=None if intrinsics is None else np.array(intrinsics.dist_coeffs),
                rms_px=None if intrinsics is None else intrinsics.rms_px,
                n_views=0 if intrinsics is None else intrinsics.n_views,
                created=doc.created,
                roll_deg=None if level is None else level.roll_deg,
                pitch_deg=None if level is None else level.pitch_deg,
                level_method=None if level is None else level.method,
                level_created=None if level is None else level.created,
                source=doc.source,
                board=None if intrinsics is None else intrinsics.board,
                square_mm=None if intrinsics is None else intrinsics.square_mm,
                per_view_rms_px=() if intrinsics is None else tuple(intrinsics.per_view_rms_px),
                uncertainty=_uncertainty_of(intrinsics),
            )
        except (ValueError, InputError) as exc:
            raise InputError(f"{where}: invalid calibration ({exc})") from exc

    def describe(self) -> str:
        """A few readable lines for the terminal."""
        lines = [f"calibration {self.name}: {self.image_size[0]}x{self.image_size[1]} px"]
        if self.camera_matrix is not None and self.dist_coeffs is not None:
            k = self.camera_matrix
            dist = ", ".join(f"{v:.4g}" for v in self.dist_coeffs)
            lines.append(
                f"  focal {k[0, 0]:.1f} x {k[1, 1]:.1f} px, principal point "
                f"({k[0, 2]:.1f}, {k[1, 2]:.1f}) px, horizontal field of view "
                f"{self.horizontal_fov_deg():.0f}°"
            )
            rms = "?" if self.rms_px is None else f"{self.rms_px:.3f}"
            lines.append(
                f"  distortion [{dist}]; RMS reprojection error {rms} px over {self.n_views} views"
            )
            if self.per_view_rms_px:
                per_view = ", ".join(f"{e:.2f}" for e in self.per_view_rms_px)
                lines.append(f"  per-view RMS [{per_view}] px")
            if self.uncertainty is not None:
                lines.extend(f"  {line}" for line in self.uncertainty.describe().splitlines())
        else:
            lines.append("  no intrinsics (landmarks are not undistorted)")
        if self.roll_deg is not None:
            pitch = "unknown" if self.pitch_deg is None else f"{self.pitch_deg:+.1f}°"
            lines.append(
                f"  camera level: roll {self.roll_deg:+.1f}°, pitch {pitch} "
                f"(from {self.level_method})"
            )
        else:
            lines.append("  camera level: not measured (segment angles assume a level camera)")
        if self.created:
            lines.append(
                f"  created {self.created}" + (f" from {self.source}" if self.source else "")
            )
        return "\n".join(lines)

    def horizontal_fov_deg(self) -> float:
        if self.camera_matrix is None:
            return float("nan")
        return float(
            2.0 * np.degrees(np.arctan(self.image_size[0] / (2.0 * self.camera_matrix[0, 0])))
        )


def _uncertainty_of(intrinsics: IntrinsicsTable | None) -> IntrinsicsUncertainty | None:
    if intrinsics is None or intrinsics.uncertainty is None:
        return None
    return IntrinsicsUncertainty.from_table(msgspec.structs.asdict(intrinsics.uncertainty))


def calibration_summary(calib: CameraCalibration | None) -> dict[str, Any] | None:
    """What an analysis records about the calibration it used (for summary.json)."""
    if calib is None:
        return None
    return {
        "name": calib.name,
        "image_size": list(calib.image_size),
        "undistorted": calib.has_intrinsics,
        "rms_px": calib.rms_px,
        "roll_deg": calib.roll_deg,
        "pitch_deg": calib.pitch_deg,
        "level_method": calib.level_method,
        "created": calib.created,
    }


def _check_size(size: Any, what: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be (width, height) in pixels, got {size!r}") from exc
    if width <= 0 or height <= 0:
        raise ValueError(f"{what} must be positive (width, height), got {size!r}")
    return width, height


def _check_camera_matrix(matrix: ArrayLike) -> FloatArray:
    k = np.array(matrix, dtype=np.float64)
    if k.shape != (3, 3) or not np.isfinite(k).all():
        raise ValueError(f"camera_matrix must be a finite 3x3 matrix, got shape {k.shape}")
    if not (k[0, 0] > 0 and k[1, 1] > 0) or not np.allclose(k[2], [0.0, 0.0, 1.0]):
        raise ValueError(
            "camera_matrix must have positive focal lengths and last row [0, 0, 1], "
            f"got {k.tolist()}"
        )
    k.flags.writeable = False
    return k


def _check_dist_coeffs(coeffs: ArrayLike) -> FloatArray:
    d = np.array(coeffs, dtype=np.float64).ravel()
    if d.size not in DIST_LENGTHS or not np.isfinite(d).all():
        raise ValueError(f"dist_coeffs must hold {DIST_LENGTHS} finite values, got {d.size}")
    d.flags.writeable = False
    return d


# ============================================================================ files


def calibration_path(name: str, folder: Path | None = None) -> Path:
    """``calibration_dir()/NAME.toml`` (the name is validated)."""
    return (folder or calibration_dir()) / f"{validate_name(name)}.toml"


def save_calibration(calib: CameraCalibration, folder: Path | None = None) -> Path:
    """Write ``NAME.toml`` atomically and return its path."""
    return write_text_atomic(calibration_path(calib.name, folder), calib.to_toml())


def load_calibration(name_or_path: str | Path, folder: Path | None = None) -> CameraCalibration:
    """Load a calibration by name (from the calibration folder) or from a ``.toml`` path."""
    path = _locate(name_or_path, folder)
    return CameraCalibration.from_dict(read_toml(path), where=str(path))


def _locate(name_or_path: str | Path, folder: Path | None) -> Path:
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".toml") or "/" in text or "\\" in text:
        path = Path(name_or_path)
        if not path.is_file():
            raise InputError(f"{path}: no such calibration file")
        return path
    path = calibration_path(text, folder)
    if not path.is_file():
        known = list_calibrations(folder)
        listing = ", ".join(known) if known else "none yet; run `hipsight calibrate camera`"
        raise InputError(f"no calibration named {text!r} in {path.parent} (known: {listing})")
    return path


def list_calibrations(folder: Path | None = None) -> list[str]:
    """Names of the saved camera calibrations (not the default pointer, not person baselines)."""
    root = folder or calibration_dir()
    if not root.is_dir():
        return []
    return sorted(
        p.stem
        for p in root.glob("*.toml")
        if p.stem.lower() not in RESERVED_NAMES and not p.stem.startswith(PERSON_PREFIX)
    )


def set_default_calibration(name: str | None, folder: Path | None = None) -> Path:
    """Make ``name`` the default calibration (``None`` or ``"none"`` clears the default)."""
    path = (folder or calibration_dir()) / DEFAULT_FILE
    if name is None or name.lower() == NO_CALIBRATION:
        path.unlink(missing_ok=True)
        return path
    load_calibration(name, folder)  # it must exist and be readable
    text = dumps(
        {"format": "hipsight.calibration-default", "version": 1, "calibration": name},
        header=(
            "the calibration hipsight uses when none is given (hipsight calibrate default NAME)",
        ),
    )
    return write_text_atomic(path, text)


def default_calibration_name(folder: Path | None = None) -> str | None:
    """The default calibration's name, or None when no default is set."""
    path = (folder or calibration_dir()) / DEFAULT_FILE
    if not path.is_file():
        return None
    name = read_toml(path).get("calibration")
    if not isinstance(name, str) or not name:
        raise InputError(f"{path}: expected a calibration name under 'calibration', got {name!r}")
    return name


def resolve_calibration(name: str | None, folder: Path | None = None) -> CameraCalibration | None:
    """The calibration an analysis should use.

    ``None``: the default calibration if one is set, else no calibration. ``"none"``: no
    calibration, even when a default is set. Anything else: that calibration (name or path).
    """
    if name is not None and name.lower() == NO_CALIBRATION:
        return None
    chosen = name if name is not None else default_calibration_name(folder)
    return None if chosen is None else load_calibration(chosen, folder)


def choose_calibration(
    name: str | None, frame_size: tuple[int, int], folder: Path | None = None
) -> tuple[CameraCalibration | None, tuple[str, ...]]:
    """The calibration for frames of ``frame_size``, and warnings about the choice.

    An explicitly named calibration is returned as it is (a size mismatch then fails where it
    is applied). The *default* calibration is skipped, with a warning, when it was made at
    another frame size: it belongs to another camera or resolution, and a phone clip analysed
    on a computer with a webcam default should not fail for that.
    """
    calib = resolve_calibration(name, folder)
    if calib is None or name is not None or tuple(frame_size) == calib.image_size:
        return calib, ()
    cw, ch = calib.image_size
    fw, fh = frame_size
    return None, (
        f"default calibration {calib.name!r} is for {cw}x{ch} px frames but these are "
        f"{fw}x{fh} px; analysed without calibration (pass --calibration to choose one)",
    )


# ============================================================================ applying


def check_image_size(
    calib: CameraCalibration, frame_size: tuple[int, int], what: str = "input"
) -> None:
    """Raise InputError when the frames are not the size the intrinsics were calibrated at."""
    if calib.has_intrinsics and tuple(frame_size) != calib.image_size:
        cw, ch = calib.image_size
        fw, fh = frame_size
        raise InputError(
            f"{what} frames are {fw}x{fh} px but calibration {calib.name!r} was made at "
            f"{cw}x{ch} px; "
            "calibrate the camera at the resolution and orientation you record with"
        )


def undistort_points(xy: ArrayLike, calib: CameraCalibration) -> FloatArray:
    """Undistort pixel coordinates (..., 2); results stay in pixels (``P = camera_matrix``).

    NaN points stay NaN. Without intrinsics the points are returned unchanged.
    """
    points = np.array(xy, dtype=np.float64)
    if points.shape[-1:] != (2,):
        raise ValueError(f"points must have shape (..., 2), got {points.shape}")
    if calib.camera_matrix is None or calib.dist_coeffs is None:
        return points
    cv2 = cv2_module()
    flat = points.reshape(-1, 2)
    finite = np.isfinite(flat).all(axis=1)
    out = np.full_like(flat, np.nan)
    if finite.any():
        criteria = (
            cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS,
            UNDISTORT_ITERATIONS,
            UNDISTORT_EPS,
        )
        undone = cv2.undistortPoints(
            flat[finite].reshape(-1, 1, 2),
            np.asarray(calib.camera_matrix),
            np.asarray(calib.dist_coeffs),
            P=np.asarray(calib.camera_matrix),
            criteria=criteria,
        )
        out[finite] = undone.reshape(-1, 2)
    return out.reshape(points.shape)


def is_undistorted(seq: PoseSequence) -> bool:
    """True when the sequence's image landmarks already went through :func:`undistort_sequence`."""
    return any(step.name == UNDISTORT_STEP for step in seq.meta.provenance)


def undistort_sequence(seq: PoseSequence, calib: CameraCalibration) -> PoseSequence:
    """Return ``seq`` with its image landmarks undistorted (all frames at once).

    The frame size must match the calibration's image size. World landmarks are left alone
    (MediaPipe's metric model does not see the lens). ``meta.calibration`` is set and the step
    is recorded in the provenance.
    """
    if not calib.has_intrinsics:
        raise ValueError(f"calibration {calib.name!r} has no intrinsics; nothing to undistort with")
    check_image_size(calib, seq.meta.frame_size, seq.input_label)
    undistorted = undistort_points(seq.image_xy, calib)
    step = ProcessingStep(
        UNDISTORT_STEP, {"calibration": calib.name, "rms_px": calib.rms_px, "model": "opencv"}
    )
    return seq.with_image_xy(undistorted, step).with_meta(calibration=calib.name)


def apply_calibration(
    seq: PoseSequence, calib: CameraCalibration | None
) -> tuple[PoseSequence, float | None]:
    """Prepare a sequence for the kinematics: undistort it and return the roll to correct.

    Returns the sequence (undistorted when the calibration has intrinsics; ``meta.calibration``
    set to its name) and the calibration's ``roll_deg`` (None when the level was not measured),
    to pass as ``compute_angles(..., roll_deg=roll or 0.0)``. A sequence that was already
    undistorted with the same calibration (e.g. a saved landmarks file) is not undistorted twice;
    one undistorted with another calibration raises InputError.
    """
    if calib is None:
        return seq, None
    if is_undistorted(seq):
        if seq.meta.calibration != calib.name:
            raise InputError(
                f"{seq.input_label}: landmarks were already undistorted with "
                f"calibration {seq.meta.calibration!r}, not {calib.name!r}; "
                f"use --calibration {seq.meta.calibration} "
                "or start from the video"
            )
        return seq, calib.roll_deg
    if calib.has_intrinsics:
        return undistort_sequence(seq, calib), calib.roll_deg
    return seq.with_meta(calibration=calib.name), calib.roll_deg
