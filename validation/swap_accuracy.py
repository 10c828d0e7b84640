"""Measure the left/right swap repair (``kinematics/swaps.py``) against multi-view truth.

Run ``python validation/swap_accuracy.py`` after ``validation/multiview.py``. For every camera's
MediaPipe track (``tracks_camNN.npz``, what ``hipsight analyze`` would follow) and every frame the
association gave to a person, the triangulated skeleton of that person is projected into the
camera. A landmark group (shoulders, arms, hips, knees, feet) counts as **swapped** in that frame
when the mirrored labels fit the projection at least twice as well as the labels as given, by
more than :data:`MIN_GAIN_PX` per landmark. The repair's decisions per (frame, group) are then
scored against that: precision and recall of the repairs, and what became missing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.swaps import SWAP_GROUPS, find_side_swaps, group_columns
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.samples.store import sample_files
from multiview import SAMPLE, load_cameras, output_dir
from triangulation import project

FloatArray = NDArray[np.float64]
BODY_GROUPS = ("shoulders", "arms", "hips", "knees", "feet")
MIN_GAIN_PX = 15.0  # mirrored labels must fit this much better per landmark to count as swapped
DISTORTION_SCALE = 1.0  # the reading multiview.py kept (docs/validation.md)


def track_sequence(path: Path) -> PoseSequence:
    """The camera's first (longest) MediaPipe track as a sequence."""
    data = np.load(path)
    width, height = (int(v) for v in data["frame_size"])
    meta = SequenceMeta(frame_size=(width, height), source=path.name)
    return PoseSequence.from_arrays(
        data["t"],
        data["image_xy"][:, 0],
        meta,
        world_xyz=data["world_xyz"][:, 0],
        visibility=data["visibility"][:, 0],
        presence=data["presence"][:, 0],
    )


def true_swaps(xy: FloatArray, projected: FloatArray) -> dict[str, NDArray[np.bool_]]:
    """(T,) per group: the mirrored labels fit the projected truth clearly better."""
    out = {}
    for group in BODY_GROUPS:
        pairs = np.array(SWAP_GROUPS[group])
        left, right = pairs[:, 0], pairs[:, 1]
        raw = np.linalg.norm(xy[:, left] - projected[:, left], axis=-1) + np.linalg.norm(
            xy[:, right] - projected[:, right], axis=-1
        )
        mirrored = np.linalg.norm(xy[:, left] - projected[:, right], axis=-1) + np.linalg.norm(
            xy[:, right] - projected[:, left], axis=-1
        )
        raw_mean, mirrored_mean = np.nanmean(raw, axis=1) / 2, np.nanmean(mirrored, axis=1) / 2
        with np.errstate(invalid="ignore"):
            out[group] = (mirrored_mean < 0.5 * raw_mean) & (raw_mean - mirrored_mean > MIN_GAIN_PX)
    return out


def score_camera(index: int, name: str, truth: Any, camera: Any) -> dict[str, Any]:
    seq = track_sequence(output_dir() / f"tracks_{name}.npz")
    person = np.full(seq.n_frames, -1)
    for p in range(truth["track"].shape[1]):
        person[truth["track"][index, p, : seq.n_frames] == 0] = p
    known = (person >= 0) & seq.detected
    projected = np.full((seq.n_frames, 33, 2), np.nan)
    for f in np.flatnonzero(known):
        projected[f] = project(camera, truth["points"][person[f], f])
    swapped = true_swaps(seq.image_xy, projected)
    found = find_side_swaps(seq)
    counts = {"true": 0, "repaired": 0, "correct": 0, "missing": 0, "missing_true": 0}
    for group in BODY_GROUPS:
        col = group_columns(group)[0]
        judged = known & np.isfinite(projected[:, col]).all(axis=1)
        is_true = swapped[group] & judged
        repaired = found.repaired[:, col] & judged
        missing = found.ambiguous[:, col] & judged
        counts["true"] += int(is_true.sum())
        counts["repaired"] += int(repaired.sum())
        counts["correct"] += int((repaired & is_true).sum())
        counts["missing"] += int(missing.sum())
        counts["missing_true"] += int((missing & is_true).sum())
    frames_true = np.any([swapped[g] & known for g in BODY_GROUPS], axis=0)
    return {
        "frames_detected": int(seq.detected.sum()),
        "frames_judged": int(known.sum()),
        "frames_swapped_truth": int(frames_true.sum()),
        "frames_repaired": found.frames_repaired,
        "frames_ambiguous": found.frames_ambiguous,
        "group_frames": counts,
        "precision": counts["correct"] / counts["repaired"] if counts["repaired"] else None,
        "recall": counts["correct"] / counts["true"] if counts["true"] else None,
        "bursts": [
            {"group": b.group, "frames": [b.start, b.stop], "ambiguous": b.ambiguous}
            for b in found.bursts
        ],
    }


def main() -> dict[str, Any]:
    files = sample_files(SAMPLE)
    truth = np.load(output_dir() / "truth.npz")
    names = [str(n) for n in truth["cameras"]]
    videos = {n: files[f"{n}.mp4"] for n in names}
    cameras = load_cameras(files["Calib.qca.txt"], videos, DISTORTION_SCALE)
    report = {n: score_camera(i, n, truth, cameras[i]) for i, n in enumerate(names)}
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
