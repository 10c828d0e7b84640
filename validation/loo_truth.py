"""Leave-one-camera-out truth: each camera judged by a triangulation of the *other* cameras.

``multiview.py`` triangulates every person from all the cameras that see them, so a camera's own
MediaPipe labels take part in the truth that judges them: where the camera swaps left and right,
the truth may follow it. Here, for each held-out camera, the other cameras' MediaPipe tracks are
associated into people and triangulated again (``association.py``, ``triangulation.py``, the same
mirrored-label check and outlier rejection as ``multiview.py``), with at least
:data:`MIN_VIEWS` views per person and frame. The held-out camera takes no part in it.

Run ``python validation/loo_truth.py`` after ``validation/multiview.py`` (it reuses the cached
per-camera tracks, ``tracks_camNN.npz``). It writes ``loo_truth.npz`` next to ``truth.npz``:

- ``points`` (C, P, T, 33, 3): per held-out camera, each person's skeleton (world metres) from the
  other cameras; NaN where fewer than two of them saw the person;
- ``views`` (C, P, T): how many cameras that triangulation used;
- ``error_px`` (C, P, T): its in-sample reprojection error, median over the core landmarks
  (shoulders, hips, knees, ankles) of the views used;
- ``cameras``, ``version``, ``model_sha256``, ``distortion_scale``.

The person index is per held-out camera (each association is its own); who is who in the held-out
camera is decided by reprojection (``swap_accuracy.py``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.samples.store import sample_files
from multiview import (
    CORE,
    SAMPLE,
    ViewTracks,
    associate,
    fix_mirrored,
    load_cameras,
    output_dir,
    person_detections,
    triangulate_robust,
)
from qualisys import Camera
from triangulation import reprojection_errors

FloatArray = NDArray[np.float64]
LOO_VERSION = 2
MIN_VIEWS = 2
DISTORTION_SCALE = 1.0  # the reading multiview.py kept (docs/validation.md)
FILE = "loo_truth.npz"


def load_views(out: Path, names: Sequence[str]) -> tuple[list[ViewTracks], str]:
    """The cached per-camera tracks written by ``multiview.py``, and their model hash."""
    views, hashes = [], set()
    for name in names:
        with np.load(out / f"tracks_{name}.npz") as data:
            size = (int(data["frame_size"][0]), int(data["frame_size"][1]))
            arrays = [data[k] for k in ("t", "image_xy", "world_xyz", "visibility", "presence")]
            views.append(ViewTracks(name, *arrays, size, float(data["fps"])))
            hashes.add(str(data["model_sha256"]))
    if len(hashes) != 1:
        raise ValueError(f"the cached tracks come from different models: {sorted(hashes)}")
    return views, hashes.pop()


def triangulate_without(
    cameras: Sequence[Camera], views: Sequence[ViewTracks], held_out: int
) -> tuple[FloatArray, NDArray[np.intp], FloatArray]:
    """(P, T, 33, 3) people, (P, T) view counts and (P, T) reprojection errors (px), from every
    camera but ``held_out``."""
    keep = [i for i in range(len(cameras)) if i != held_out]
    cams = [cameras[i] for i in keep]
    others = [views[i] for i in keep]
    people = associate(cams, others)
    _, n_people, n_frames = people.track.shape
    points = np.full((n_people, n_frames, 33, 3), np.nan)
    used = np.zeros((n_people, n_frames), dtype=np.intp)
    error = np.full((n_people, n_frames), np.nan)
    for p in range(n_people):
        for f in range(n_frames):
            dets = person_detections(cams, others, people, p, f)
            if len(dets) < MIN_VIEWS:
                continue
            dets, _ = fix_mirrored(cams, dets)
            points[p, f], weights = triangulate_robust(cams, dets)
            used[p, f] = len(dets)
            errors = reprojection_errors(
                [cams[d.view] for d in dets], points[p, f], np.stack([d.xy for d in dets])
            )[:, CORE]
            errors = errors[(weights[:, CORE] > 0) & np.isfinite(errors)]
            error[p, f] = float(np.median(errors)) if errors.size else np.nan
    return points, used, error


def build(out: Path, names: Sequence[str], cameras: Sequence[Camera]) -> dict[str, Any]:
    views, model_sha256 = load_views(out, names)
    results = [triangulate_without(cameras, views, c) for c in range(len(cameras))]
    n_people = max(r[0].shape[0] for r in results)
    n_frames = min(r[0].shape[1] for r in results)
    points = np.full((len(cameras), n_people, n_frames, 33, 3), np.nan)
    used = np.zeros((len(cameras), n_people, n_frames), dtype=np.intp)
    error = np.full((len(cameras), n_people, n_frames), np.nan)
    for c, (pts, n, err) in enumerate(results):
        points[c, : pts.shape[0]] = pts[:, :n_frames]
        used[c, : n.shape[0]] = n[:, :n_frames]
        error[c, : err.shape[0]] = err[:, :n_frames]
    data = {
        "cameras": np.array(list(names)),
        "points": points,
        "views": used,
        "error_px": error,
        "version": LOO_VERSION,
        "model_sha256": model_sha256,
        "distortion_scale": DISTORTION_SCALE,
    }
    np.savez_compressed(out / FILE, **data)
    return data


def load_or_build() -> dict[str, Any]:
    """The leave-one-out truth, rebuilt when missing, of another version or another model.

    Needs ``multiview.py``'s outputs (``truth.npz`` and the cached tracks).
    """
    out = output_dir()
    with np.load(out / "truth.npz") as truth:
        names = [str(n) for n in truth["cameras"]]
        model = str(truth["model_sha256"])
    path = out / FILE
    if path.is_file():
        with np.load(path) as data:
            if (
                int(data["version"]) == LOO_VERSION
                and str(data["model_sha256"]) == model
                and [str(n) for n in data["cameras"]] == names
            ):
                return {k: data[k] for k in data.files}
    files = sample_files(SAMPLE)
    videos = {n: files[f"{n}.mp4"] for n in names}
    cameras = load_cameras(files["Calib.qca.txt"], videos, DISTORTION_SCALE)
    return build(out, names, cameras)


def main() -> int:
    start = time.perf_counter()
    data = load_or_build()
    summary = {
        str(name): {
            "views_per_person_frame": np.bincount(data["views"][c].ravel(), minlength=4).tolist()
        }
        for c, name in enumerate(data["cameras"])
    }
    json.dump(summary, sys.stdout, indent=1)
    print(f"\n{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
