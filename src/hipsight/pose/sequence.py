"""The data contract: :class:`PoseSequence`, landmarks of one person over time.

A ``PoseSequence`` is a frozen dataclass of read-only numpy arrays. Build it only through
its constructors (:meth:`PoseSequence.from_arrays`, :meth:`PoseSequence.from_npz`, the pose
estimator and the synthetic generator); they validate shapes and dtypes.

Shapes (``T`` frames, 33 BlazePose landmarks):

- ``t``           (T,)        seconds, from the container's timestamps, strictly increasing
- ``image_xy``    (T, 33, 2)  pixels of the upright frame (x right, y down)
- ``world_xyz``   (T, 33, 3)  metres, MediaPipe's hip-centred world landmarks
- ``visibility``  (T, 33)     0..1
- ``presence``    (T, 33)     0..1

Frames without a person are rows of NaN; they are never dropped, so time stays honest.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hipsight.fileio import atomic_write
from hipsight.pose.landmarks import N_LANDMARKS
from hipsight.pose.landmarks_file import (
    LANDMARKS_FORMAT,
    MAJOR_VERSION,
    LandmarksMeta,
    header_document,
    read_landmarks_content,
)
from hipsight.results import ProcessingStep
from hipsight.schema import convert_document
from hipsight.version import __version__

NPZ_FORMAT = LANDMARKS_FORMAT
NPZ_VERSION = MAJOR_VERSION

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SequenceMeta:
    """Where a sequence came from and how it was processed."""

    frame_size: tuple[int, int]  # (width, height) of the upright frame, pixels
    source: str = ""
    fps_reported: float | None = None
    rotation_deg: int = 0
    model_name: str = ""
    model_sha256: str = ""
    calibration: str | None = None
    subject: Mapping[str, Any] = field(default_factory=dict)
    provenance: tuple[ProcessingStep, ...] = ()  # each processing step and its parameters

    def __post_init__(self) -> None:
        # a step given as one line of text (scripts, older callers) becomes a structured step
        steps = tuple(ProcessingStep.of(step) for step in self.provenance)
        object.__setattr__(self, "provenance", steps)
        width, height = self.frame_size
        if width <= 0 or height <= 0:
            raise ValueError(f"frame_size must be positive (width, height), got {self.frame_size}")
        if self.rotation_deg not in (0, 90, 180, 270):
            raise ValueError(f"rotation_deg must be 0, 90, 180 or 270, got {self.rotation_deg}")

    def with_step(self, step: ProcessingStep | str) -> SequenceMeta:
        """Return a copy with one processing step appended to the provenance."""
        return dataclasses.replace(self, provenance=(*self.provenance, ProcessingStep.of(step)))

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["frame_size"] = list(self.frame_size)
        data["provenance"] = [step.describe() for step in self.provenance]  # 1.0 readers
        data["processing"] = [dataclasses.asdict(step) for step in self.provenance]
        data["subject"] = dict(self.subject)
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str = "meta") -> SequenceMeta:
        """Build from the header's ``meta`` object; InputError naming ``where`` if it is bad."""
        return cls.from_schema(convert_document(data, LandmarksMeta, where, "landmarks meta"))

    @classmethod
    def from_schema(cls, meta: LandmarksMeta) -> SequenceMeta:
        """Build from a validated :class:`~hipsight.pose.landmarks_file.LandmarksMeta`."""
        return cls(
            frame_size=meta.frame_size,
            source=meta.source,
            fps_reported=meta.fps_reported,
            rotation_deg=meta.rotation_deg,
            model_name=meta.model_name,
            model_sha256=meta.model_sha256,
            calibration=meta.calibration,
            subject=dict(meta.subject),
            provenance=steps_of(meta),
        )


@dataclass(frozen=True)
class PoseSequence:
    """Landmarks of one person over time. See the module docstring for shapes."""

    t: FloatArray
    image_xy: FloatArray
    world_xyz: FloatArray
    visibility: FloatArray
    presence: FloatArray
    meta: SequenceMeta
    loaded_from: str = field(default="", compare=False)  # the landmarks file it was read from

    def __post_init__(self) -> None:
        _validate_arrays(self.t, self.image_xy, self.world_xyz, self.visibility, self.presence)
        for name in ("t", "image_xy", "world_xyz", "visibility", "presence"):
            getattr(self, name).flags.writeable = False

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_arrays(
        cls,
        t: ArrayLike,
        image_xy: ArrayLike,
        meta: SequenceMeta,
        world_xyz: ArrayLike | None = None,
        visibility: ArrayLike | None = None,
        presence: ArrayLike | None = None,
    ) -> PoseSequence:
        """Build a sequence from arrays; missing optional arrays become NaN (world) or 1.0.

        Visibility and presence default to 1 where the image landmark is finite, else NaN.
        """
        t_arr = np.array(t, dtype=np.float64)
        xy = np.array(image_xy, dtype=np.float64)
        if xy.ndim != 3 or xy.shape[1:] != (N_LANDMARKS, 2):
            raise ValueError(f"image_xy must have shape (T, {N_LANDMARKS}, 2), got {xy.shape}")
        n = xy.shape[0]
        detected = np.isfinite(xy).all(axis=2)
        default_score = np.where(detected, 1.0, np.nan)
        world = (
            np.full((n, N_LANDMARKS, 3), np.nan)
            if world_xyz is None
            else np.array(world_xyz, dtype=np.float64)
        )
        vis = default_score if visibility is None else np.array(visibility, dtype=np.float64)
        pres = default_score.copy() if presence is None else np.array(presence, dtype=np.float64)
        return cls(t=t_arr, image_xy=xy, world_xyz=world, visibility=vis, presence=pres, meta=meta)

    @classmethod
    def from_npz(cls, path: str | os.PathLike[str]) -> PoseSequence:
        """Load a sequence saved by :meth:`save_npz` (format: docs/landmarks-format.md).

        InputError (one line naming ``path``) when the file is not a valid landmarks file.
        Notes about ignored fields from a newer minor version are dropped; use
        :func:`read_landmarks` to get them.
        """
        return read_landmarks(path)[0]

    # ------------------------------------------------------------------ derived views
    @property
    def input_label(self) -> str:
        """How messages name the input: the landmarks file it was read from, else its source."""
        if not self.loaded_from:
            return self.meta.source or "input"
        origin = f"; source: {self.meta.source}" if self.meta.source else ""
        return f"{self.loaded_from} (landmarks file{origin})"

    @property
    def n_frames(self) -> int:
        return int(self.t.shape[0])

    @property
    def detected(self) -> NDArray[np.bool_]:
        """(T,) True where a person was found in the frame."""
        return np.any(np.all(np.isfinite(self.image_xy), axis=2), axis=1)

    @property
    def duration_s(self) -> float:
        return float(self.t[-1] - self.t[0]) if self.n_frames > 1 else 0.0

    @property
    def covered_s(self) -> float:
        """The time the recording covers, its last frame's interval included (a hold or a rep
        that lasts the whole recording lasts this long): :attr:`duration_s` plus one frame."""
        return self.duration_s + 1.0 / self.fps if self.n_frames > 1 else 0.0

    @property
    def fps(self) -> float:
        """Median frame rate from the timestamps (falls back to the reported fps)."""
        if self.n_frames > 1:
            return float(1.0 / np.median(np.diff(self.t)))
        return float(self.meta.fps_reported or 30.0)

    # ------------------------------------------------------------------ derived sequences
    def slice_frames(self, start: int, stop: int) -> PoseSequence:
        """Return frames ``start:stop`` as a new sequence."""
        if not 0 <= start < stop <= self.n_frames:
            raise ValueError(
                f"frame slice must satisfy 0 <= start < stop <= {self.n_frames}, got {start}:{stop}"
            )
        sl = slice(start, stop)
        return dataclasses.replace(
            self,
            t=self.t[sl].copy(),
            image_xy=self.image_xy[sl].copy(),
            world_xyz=self.world_xyz[sl].copy(),
            visibility=self.visibility[sl].copy(),
            presence=self.presence[sl].copy(),
            meta=self.meta.with_step(
                ProcessingStep("slice_frames", {"start": start, "stop": stop})
            ),
        )

    def select_frames(self, frames: ArrayLike) -> PoseSequence:
        """Return the frames at the increasing indices ``frames`` as a new sequence (their own
        timestamps kept: the frames left out become gaps in time)."""
        index = np.asarray(frames)
        if (
            index.ndim != 1
            or index.size == 0
            or not np.issubdtype(index.dtype, np.integer)
            or index[0] < 0
            or index[-1] >= self.n_frames
            or (np.diff(index) <= 0).any()
        ):
            raise ValueError(
                f"frames must be increasing integer indices in [0, {self.n_frames}), got "
                f"{np.asarray(frames)!r:.80}"
            )
        return dataclasses.replace(
            self,
            t=self.t[index],
            image_xy=self.image_xy[index],
            world_xyz=self.world_xyz[index],
            visibility=self.visibility[index],
            presence=self.presence[index],
            meta=self.meta.with_step(
                ProcessingStep("select_frames", {"n_frames": int(index.size)})
            ),
        )

    def with_image_xy(self, image_xy: ArrayLike, step: ProcessingStep | str) -> PoseSequence:
        """Return a copy with new image landmarks (e.g. undistorted), recording ``step``."""
        return dataclasses.replace(
            self,
            image_xy=np.array(image_xy, dtype=np.float64),
            t=self.t.copy(),
            world_xyz=self.world_xyz.copy(),
            visibility=self.visibility.copy(),
            presence=self.presence.copy(),
            meta=self.meta.with_step(step),
        )

    def with_landmarks(
        self,
        image_xy: ArrayLike,
        world_xyz: ArrayLike,
        visibility: ArrayLike,
        presence: ArrayLike,
        step: ProcessingStep | str,
    ) -> PoseSequence:
        """Return a copy with all four landmark arrays replaced (same shapes), recording ``step``.

        For steps that relabel or blank landmarks, e.g. the left/right swap repair.
        """
        return dataclasses.replace(
            self,
            t=self.t.copy(),
            image_xy=np.array(image_xy, dtype=np.float64),
            world_xyz=np.array(world_xyz, dtype=np.float64),
            visibility=np.array(visibility, dtype=np.float64),
            presence=np.array(presence, dtype=np.float64),
            meta=self.meta.with_step(step),
        )

    def with_meta(self, **changes: Any) -> PoseSequence:
        """Return a copy with metadata fields replaced."""
        return dataclasses.replace(self, meta=dataclasses.replace(self.meta, **changes))

    # ------------------------------------------------------------------ persistence
    def save_npz(self, path: str | os.PathLike[str]) -> Path:
        """Write the sequence atomically to a versioned ``.npz``."""
        path = Path(path)
        header = header_document(self.meta.to_dict(), written_by=f"hipsight {__version__}")
        with atomic_write(path, "wb") as fh:
            np.savez_compressed(
                fh,
                header=np.array(json.dumps(header)),
                t=self.t,
                image_xy=self.image_xy,
                world_xyz=self.world_xyz,
                visibility=self.visibility,
                presence=self.presence,
            )
        return path


def read_landmarks(path: str | os.PathLike[str]) -> tuple[PoseSequence, tuple[str, ...]]:
    """Read a landmarks file: the sequence and notes about what was ignored (to print).

    Every problem with the file raises InputError naming ``path``; see
    :mod:`hipsight.pose.landmarks_file` for the checks.
    """
    content = read_landmarks_content(path)
    sequence = PoseSequence(
        meta=SequenceMeta.from_schema(content.header.meta),
        loaded_from=str(path),
        **content.arrays,
    )
    return sequence, content.notes


def _validate_arrays(
    t: np.ndarray,
    image_xy: np.ndarray,
    world_xyz: np.ndarray,
    visibility: np.ndarray,
    presence: np.ndarray,
) -> None:
    if t.ndim != 1:
        raise ValueError(f"t must have shape (T,), got {t.shape}")
    n = t.shape[0]
    expected = {
        "image_xy": (image_xy, (n, N_LANDMARKS, 2)),
        "world_xyz": (world_xyz, (n, N_LANDMARKS, 3)),
        "visibility": (visibility, (n, N_LANDMARKS)),
        "presence": (presence, (n, N_LANDMARKS)),
    }
    for name, (arr, shape) in expected.items():
        if arr.shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
        if arr.dtype != np.float64:
            raise ValueError(f"{name} must be float64, got {arr.dtype}")
    if t.dtype != np.float64:
        raise ValueError(f"t must be float64, got {t.dtype}")
    if n == 0:
        raise ValueError("a PoseSequence needs at least one frame, got 0")
    if not np.isfinite(t).all():
        raise ValueError(
            "t must be finite for every frame (frames without a person keep their time)"
        )
    if n > 1 and not (np.diff(t) > 0).all():
        raise ValueError("t must be strictly increasing")


def steps_of(meta: LandmarksMeta) -> tuple[ProcessingStep, ...]:
    """The processing steps of a header: structured (1.2 on), else parsed from their text."""
    if meta.processing:
        return tuple(ProcessingStep(step.name, dict(step.params)) for step in meta.processing)
    return tuple(ProcessingStep.of(text) for text in meta.provenance)
