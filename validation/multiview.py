"""Multi-view truth for the camera-to-body angle, from the Pose2Sim 4-camera demo.

Run ``python validation/multiview.py`` (with hipsight importable). It

1. fetches the ``pose2sim_multiperson`` sample (4 synchronised cameras + Qualisys calibration);
2. reads the calibration (see ``qualisys.py``), rescales it to each video's size;
3. runs hipsight's own pose extraction (max 2 people) on each camera, cached;
4. groups the detections of each frame into people across the views (reprojection
   consistency) and links the groups over time by the pelvis;
5. triangulates each person (weighted DLT, mirrored-label check, per-landmark outlier
   rejection) and reports the reprojection error per camera, in-sample and leave-one-view-out;
6. computes the truth: per camera, person and frame the camera-to-body angle (``truth.py``), and
   per person and frame 3D hip flexion, knee flexion and knee FPPA with hipsight's formulas;
7. saves each camera's MediaPipe PoseSequence per person (``cam01_person0.npz``), the truth
   (``truth.npz``) and a summary (``report.json``) under
   ``<samples>/pose2sim_multiperson/hipsight/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from association import (
    MIN_VISIBILITY,
    Detection,
    associate_frame,
    group_error,
    link_groups,
    make_detection,
)
from hipsight.io.video import probe_input
from hipsight.models.store import ModelInfo, fetch_model
from hipsight.pose.extract import extract_pose
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.results import ProcessingStep
from hipsight.samples.store import fetch_sample, sample_files
from qualisys import Camera, read_qca, rescale_camera
from triangulation import reprojection_errors, triangulate
from truth import (
    UP,
    azimuth_elevation,
    camera_angle,
    mediolateral_axes,
    reference_angles,
)

FloatArray = NDArray[np.float64]
SAMPLE = "pose2sim_multiperson"
TRUTH_VERSION = 1
MAX_PEOPLE = 2
ASSOCIATION_MAX_ERROR_PX = 60.0
OUTLIER_PX = 30.0
MIRROR_GAIN = 0.7  # a view counts as left/right-mirrored if mirroring cuts its error to < 70 %
MIN_TRACK_FRAMES = 10


@dataclass(frozen=True)
class ViewTracks:
    """All MediaPipe tracks of one camera: arrays (T, N, 33, ...) as ``Tracks`` holds them."""

    name: str
    t: FloatArray
    image_xy: FloatArray
    world_xyz: FloatArray
    visibility: FloatArray
    presence: FloatArray
    frame_size: tuple[int, int]
    fps: float


@dataclass(frozen=True)
class People:
    """Association result: which track of each view is which person, per frame."""

    track: NDArray[np.intp]  # (C, P, T), -1 where the person is not seen in that view
    mirrored: NDArray[np.bool_]  # (C, P, T) the view's labels were left/right mirrored


@dataclass(frozen=True)
class Triangulation:
    points: FloatArray  # (P, T, 33, 3) world metres
    error: FloatArray  # (C, P, T, 33) in-sample reprojection error, px (NaN: not used)
    loo_error: FloatArray  # (C, P, T, 33) leave-this-view-out reprojection error, px


# ------------------------------------------------------------------------------ inputs
def output_dir() -> Path:
    return sample_files(SAMPLE)["Calib.qca.txt"].parent / "hipsight"


def load_cameras(
    calibration: Path, videos: dict[str, Path], distortion_scale: float
) -> list[Camera]:
    """The calibrated cameras, in ``videos`` order, each fitted to its video's frame size."""
    by_name = {cam.name: cam for cam in read_qca(calibration, distortion_scale)}
    cameras = []
    for name, video in videos.items():
        if name not in by_name:
            raise ValueError(f"video {video.name}: no camera {name!r} in {sorted(by_name)}")
        info = probe_input(video)
        cameras.append(rescale_camera(by_name[name], (info.width, info.height)))
    return cameras


def extract_view(video: Path, model: ModelInfo, cache: Path) -> ViewTracks:
    """hipsight's extraction of one camera (all tracks), cached by model hash."""
    path = cache / f"tracks_{video.stem}.npz"
    if path.is_file():
        with np.load(path) as data:
            if str(data["model_sha256"]) == model.sha256 and "every_slot" in data.files:
                return ViewTracks(
                    video.stem, data["t"], data["image_xy"], data["world_xyz"],
                    data["visibility"], data["presence"],
                    (int(data["frame_size"][0]), int(data["frame_size"][1])), float(data["fps"]),
                )  # fmt: skip
    # Every slot on every frame: the truth needs both people in every camera wherever the model
    # can find them, not the one-slot following that analyze uses while a person is alone.
    ex = extract_pose(video, model, max_people=MAX_PEOPLE, workers=1, every_slot=True)
    tracks = ex.tracks
    view = ViewTracks(
        video.stem, tracks.t, tracks.image_xy, tracks.world_xyz, tracks.visibility,
        tracks.presence, (ex.video.width, ex.video.height), float(ex.video.fps or 60.0),
    )  # fmt: skip
    cache.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, t=view.t, image_xy=view.image_xy, world_xyz=view.world_xyz,
        visibility=view.visibility, presence=view.presence, frame_size=np.array(view.frame_size),
        fps=view.fps, model_sha256=model.sha256, every_slot=True,
    )  # fmt: skip
    return view


# ------------------------------------------------------------------------- association
def frame_detections(
    cameras: Sequence[Camera], views: Sequence[ViewTracks], f: int
) -> list[Detection]:
    out = []
    for v, (cam, view) in enumerate(zip(cameras, views, strict=True)):
        for k in range(view.image_xy.shape[1]):
            xy = view.image_xy[f, k]
            if np.isfinite(xy).all():
                out.append(make_detection(cam, v, k, xy, view.visibility[f, k]))
    return out


def associate(cameras: Sequence[Camera], views: Sequence[ViewTracks]) -> People:
    """Group detections per frame, link groups over time, keep the people seen long enough."""
    n_frames = min(v.image_xy.shape[0] for v in views)
    groups_by_frame = []
    pelvis_by_frame = []
    for f in range(n_frames):
        groups = associate_frame(
            cameras, frame_detections(cameras, views, f), ASSOCIATION_MAX_ERROR_PX
        )
        groups_by_frame.append(groups)
        pelvis_by_frame.append([group_pelvis(cameras, g) for g in groups])
    ids = link_groups(pelvis_by_frame)
    n_people = 1 + max((i for frame in ids for i in frame), default=-1)
    track = np.full((len(cameras), n_people, n_frames), -1, dtype=np.intp)
    for f, (groups, frame_ids) in enumerate(zip(groups_by_frame, ids, strict=True)):
        for group, person in zip(groups, frame_ids, strict=True):
            for det in group:
                track[det.view, person, f] = det.track
    seen = (track >= 0).sum(axis=0) >= 2  # (P, T)
    keep = seen.sum(axis=1) >= MIN_TRACK_FRAMES
    track = track[:, keep]
    return People(track=track, mirrored=np.zeros(track.shape, dtype=bool))


def group_pelvis(cameras: Sequence[Camera], group: Sequence[Detection]) -> FloatArray:
    hips = [23, 24]
    points = triangulate(
        [cameras[d.view] for d in group],
        np.stack([d.normalised[hips] for d in group]),
        np.stack([np.ones(2) for _ in group]),
    )
    return np.asarray(points.mean(axis=0))


# ------------------------------------------------------------------------ triangulation
def person_detections(
    cameras: Sequence[Camera], views: Sequence[ViewTracks], people: People, p: int, f: int
) -> list[Detection]:
    out = []
    for v, (cam, view) in enumerate(zip(cameras, views, strict=True)):
        k = people.track[v, p, f]
        if k >= 0:
            out.append(make_detection(cam, v, int(k), view.image_xy[f, k], view.visibility[f, k]))
    return out


def fix_mirrored(
    cameras: Sequence[Camera], dets: list[Detection]
) -> tuple[list[Detection], list[bool]]:
    """Mirror a view's labels when the other views (≥ 2) say its left and right are swapped."""
    if len(dets) < 3:
        return dets, [False] * len(dets)
    fixed, flags = [], []
    for i, det in enumerate(dets):
        others = dets[:i] + dets[i + 1 :]
        raw = group_error(cameras, [*others, det])
        swapped = group_error(cameras, [*others, det.mirrored()])
        flip = swapped < MIRROR_GAIN * raw
        fixed.append(det.mirrored() if flip else det)
        flags.append(flip)
    return fixed, flags


def weights_of(dets: Sequence[Detection]) -> FloatArray:
    return np.stack([np.where(d.visibility >= MIN_VISIBILITY, d.visibility, 0.0) for d in dets])


def triangulate_robust(
    cameras: Sequence[Camera], dets: Sequence[Detection]
) -> tuple[FloatArray, FloatArray]:
    """(33, 3) points and (V, 33) weights used, after dropping one outlying view per landmark."""
    views = [cameras[d.view] for d in dets]
    norm = np.stack([d.normalised for d in dets])
    observed = np.stack([d.xy for d in dets])
    weights = weights_of(dets)
    points = triangulate(views, norm, weights)
    if len(dets) >= 3:
        errors = np.where(weights > 0, reprojection_errors(views, points, observed), -np.inf)
        worst = np.argmax(errors, axis=0)
        landmarks = np.arange(errors.shape[1])
        bad = (errors[worst, landmarks] > OUTLIER_PX) & ((weights > 0).sum(axis=0) >= 3)
        if bad.any():
            weights = weights.copy()
            weights[worst[bad], landmarks[bad]] = 0.0
            points = triangulate(views, norm, weights)
    return points, weights


def triangulate_people(
    cameras: Sequence[Camera], views: Sequence[ViewTracks], people: People
) -> tuple[Triangulation, People]:
    n_cams, n_people, n_frames = people.track.shape
    points = np.full((n_people, n_frames, 33, 3), np.nan)
    error = np.full((n_cams, n_people, n_frames, 33), np.nan)
    loo = np.full_like(error, np.nan)
    mirrored = np.zeros(people.track.shape, dtype=bool)
    for p in range(n_people):
        for f in range(n_frames):
            dets = person_detections(cameras, views, people, p, f)
            if len(dets) < 2:
                continue
            dets, flags = fix_mirrored(cameras, dets)
            pts, weights = triangulate_robust(cameras, dets)
            points[p, f] = pts
            for i, det in enumerate(dets):
                mirrored[det.view, p, f] = flags[i]
                used = weights[i] > 0
                err = reprojection_errors([cameras[det.view]], pts, det.xy[None])[0]
                error[det.view, p, f] = np.where(used, err, np.nan)
                others = dets[:i] + dets[i + 1 :]
                if len(others) >= 2:
                    held_out, _ = triangulate_robust(cameras, others)
                    err = reprojection_errors([cameras[det.view]], held_out, det.xy[None])[0]
                    loo[det.view, p, f] = np.where(det.visibility >= MIN_VISIBILITY, err, np.nan)
    return Triangulation(points, error, loo), People(people.track, mirrored)


CORE = [11, 12, 23, 24, 25, 26, 27, 28]  # shoulders, hips, knees, ankles


def summarise_errors(errors: FloatArray) -> dict[str, float]:
    """Median, mean and 90th percentile of the core landmarks' errors (px), and their count."""
    values = errors[..., CORE].ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"median": float("nan"), "mean": float("nan"), "p90": float("nan"), "n": 0}
    return {
        "median": float(np.median(values)),
        "mean": float(values.mean()),
        "p90": float(np.percentile(values, 90)),
        "n": int(values.size),
    }


# -------------------------------------------------------------------------------- truth
def compute_truth(cameras: Sequence[Camera], tri: Triangulation, fps: float) -> dict[str, Any]:
    """All reference arrays for the truth file (see the module doc of ``truth.py``)."""
    centres = np.stack([cam.centre for cam in cameras])[:, None, None]  # (C, 1, 1, 3)
    axes = mediolateral_axes(tri.points)
    truth: dict[str, Any] = {
        "camera_angle_deg": camera_angle(centres, tri.points[None], axes["mean"][None]),
        "camera_angle_hip_deg": camera_angle(centres, tri.points[None], axes["hip"][None]),
        "camera_angle_shoulder_deg": camera_angle(
            centres, tri.points[None], axes["shoulder"][None]
        ),
    }
    truth["azimuth_deg"], truth["elevation_deg"] = azimuth_elevation(centres, tri.points[None])
    truth["reprojection_error_px"] = median_over_landmarks(tri.error[..., CORE])
    truth["loo_reprojection_error_px"] = median_over_landmarks(tri.loo_error[..., CORE])
    refs = [reference_angles(tri.points[p], fps) for p in range(tri.points.shape[0])]
    for name in refs[0] if refs else ():
        truth[f"ref_{name}"] = np.stack([r[name] for r in refs])
    return truth


def median_over_landmarks(errors: FloatArray) -> FloatArray:
    """(...,) median over the last axis, ignoring NaN; NaN where nothing was measured."""
    counts = np.isfinite(errors).sum(axis=-1)
    filled = np.where(np.isfinite(errors), errors, np.inf)
    med = np.sort(filled, axis=-1)
    lo = np.take_along_axis(med, np.maximum((counts - 1) // 2, 0)[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(med, (counts // 2)[..., None].clip(max=errors.shape[-1] - 1), axis=-1)[
        ..., 0
    ]
    return np.asarray(np.where(counts > 0, (lo + hi) / 2, np.nan))


def check_vertical(points: FloatArray) -> float:
    """Median angle (degrees) between the trunk (mid-hip -> mid-shoulder) and the world's up."""
    trunk = (points[..., 11, :] + points[..., 12, :]) / 2 - (
        points[..., 23, :] + points[..., 24, :]
    ) / 2
    trunk = trunk[np.isfinite(trunk).all(axis=-1)]
    cosine = trunk @ UP / np.linalg.norm(trunk, axis=-1)
    return float(np.degrees(np.arccos(np.median(cosine))))


# ------------------------------------------------------------------------------ outputs
def save_sequences(
    views: Sequence[ViewTracks],
    people: People,
    out: Path,
    model: ModelInfo,
    videos: dict[str, Path],
) -> list[Path]:
    """Each camera's MediaPipe landmarks of each person, as hipsight PoseSequence .npz files."""
    paths = []
    _, n_people, n_frames = people.track.shape
    rows = np.arange(n_frames)
    for v, view in enumerate(views):
        for p in range(n_people):
            k = people.track[v, p]
            pick = np.where(k >= 0, k, 0)

            def take(
                a: FloatArray, k: NDArray[np.intp] = k, pick: NDArray[np.intp] = pick
            ) -> FloatArray:
                values = a[rows, pick]
                mask = (k < 0).reshape((-1,) + (1,) * (values.ndim - 1))
                return np.where(mask, np.nan, values)

            meta = SequenceMeta(
                frame_size=view.frame_size, source=str(videos[view.name]), fps_reported=view.fps,
                model_name=model.name, model_sha256=model.sha256,
                subject={"person": p, "camera": view.name},
                provenance=(
                    ProcessingStep(
                        "pose_landmarker", {"model": model.name, "max_people": MAX_PEOPLE}
                    ),
                    ProcessingStep("multiview_association", {"person": p}),
                ),
            )  # fmt: skip
            seq = PoseSequence.from_arrays(
                t=view.t[:n_frames], image_xy=take(view.image_xy), world_xyz=take(view.world_xyz),
                visibility=take(view.visibility), presence=take(view.presence), meta=meta,
            )  # fmt: skip
            paths.append(seq.save_npz(out / f"{view.name}_person{p}.npz"))
    return paths


def ensure_truth(model_sha256: str) -> Path:
    """``truth.npz``, rebuilt (:func:`run`, which also writes the per-camera tracks) unless the
    one on disk is of this :data:`TRUTH_VERSION` and was built with this model."""
    fetch_sample(SAMPLE)
    path = output_dir() / "truth.npz"
    if path.is_file():
        with np.load(path) as data:
            if int(data["version"]) == TRUTH_VERSION and str(data["model_sha256"]) == model_sha256:
                return path
    run()
    return path


def run(distortion_scales: Sequence[float] = (1.0, 64.0)) -> dict[str, Any]:
    """The whole pipeline; returns the summary that is also written to report.json."""
    fetch_sample(SAMPLE)
    files = sample_files(SAMPLE)
    videos = {Path(n).stem: p for n, p in sorted(files.items()) if n.endswith(".mp4")}
    out = output_dir()
    model = fetch_model()
    views = [extract_view(video, model, out) for video in videos.values()]
    fps = views[0].fps
    results = {}
    for scale in distortion_scales:
        cameras = load_cameras(files["Calib.qca.txt"], videos, scale)
        people = associate(cameras, views)
        tri, people = triangulate_people(cameras, views, people)
        results[scale] = (cameras, people, tri)
    # keep the distortion reading whose leave-one-view-out reprojection is lower
    loo = {s: summarise_errors(r[2].loo_error)["median"] for s, r in results.items()}
    scale = min(loo, key=lambda s: loo[s])
    cameras, people, tri = results[scale]
    truth = compute_truth(cameras, tri, fps)
    seq_paths = save_sequences(views, people, out, model, videos)
    names = [v.name for v in views]
    np.savez_compressed(
        out / "truth.npz", cameras=np.array(names), fps=fps, version=TRUTH_VERSION,
        model_sha256=model.sha256, points=tri.points, track=people.track,
        mirrored=people.mirrored, **truth,
    )  # fmt: skip
    summary = {
        "version": TRUTH_VERSION,
        "distortion_scale": scale,
        "loo_median_px_by_distortion_scale": loo,
        "people": int(people.track.shape[1]),
        "frames": int(people.track.shape[2]),
        "trunk_vs_world_up_deg": check_vertical(tri.points),
        "calibration_residual_mm": {c.name: c.residual_mm for c in cameras},
        "reprojection_px": {n: summarise_errors(tri.error[v]) for v, n in enumerate(names)},
        "loo_reprojection_px": {n: summarise_errors(tri.loo_error[v]) for v, n in enumerate(names)},
        "views_per_person_frame": np.bincount(
            (people.track >= 0).sum(axis=0).ravel(), minlength=5
        ).tolist(),
        "mirrored_fraction": {
            n: float(people.mirrored[v][people.track[v] >= 0].mean()) for v, n in enumerate(names)
        },
        "camera_angle_range_deg": [
            float(np.nanmin(truth["camera_angle_deg"])),
            float(np.nanmax(truth["camera_angle_deg"])),
        ],
        "sequences": [str(p) for p in seq_paths],
    }
    (out / "report.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    summary = run()
    json.dump({k: v for k, v in summary.items() if k != "sequences"}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
