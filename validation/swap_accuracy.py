"""Measure the left/right swap repair (``kinematics/swaps.py``) on real video, camera by camera.

Run ``python validation/swap_accuracy.py`` after ``validation/multiview.py`` (it builds the
leave-one-camera-out truth, ``loo_truth.py``, if that is missing; a few seconds). Writes
``swap_accuracy.json`` next to the truth file and prints it.

**The truth never uses the camera it judges.** For each camera, every person is triangulated from
the other cameras only (at least two of them). A truth frame is used when

- its reprojection error in the views that made it is at most :data:`TRUTH_MAX_ERROR_PX`, and
- its labels are anatomically consistent: the nose and the toes both lie at least
  :data:`MIN_ANTERIOR_M` in front of the body, "front" being ``left x up`` from the hip and
  shoulder lines. Where both lie that far *behind*, the other cameras mirrored the person together
  (front/back confusion of a person who turns): the truth's labels are exchanged back
  (``flipped``). Anything in between is not judged.

Every MediaPipe track of the camera (``tracks_camNN.npz``, at least ``MIN_TRACK_FRAMES``
detected frames) goes through :func:`find_side_swaps` as ``hipsight analyze`` would run it on
that track. In each frame the track is matched to the person whose projected truth it fits best,
labels mirrored or not (median over the body landmarks below :data:`ASSIGN_MAX_PX`, and the
next person at least :data:`ASSIGN_MARGIN` times worse). Per (frame, landmark group: shoulders,
arms, hips, knees, feet) the labels are

- **swapped** when the mirrored labels fit the projection at least twice as well as the labels
  as given, by more than :data:`MIN_GAIN_PX` per landmark;
- **kept** when the labels as given fit that much better than the mirrored ones;
- **unclear** otherwise (the two sides overlap in this view).

Scored: the base rate (swapped / judged), the repairs' precision (repaired and swapped / repaired)
and recall (repaired and swapped / swapped), the pairs made missing, and the swaps left alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from association import BODY, MIRROR
from hipsight.kinematics.swaps import SWAP_GROUPS, find_side_swaps, group_columns
from hipsight.pose.sequence import PoseSequence, SequenceMeta
from hipsight.samples.store import sample_files
from loo_truth import DISTORTION_SCALE, load_or_build
from multiview import (
    ASSOCIATION_MAX_ERROR_PX,
    MIN_TRACK_FRAMES,
    OUTLIER_PX,
    SAMPLE,
    load_cameras,
    output_dir,
)
from qualisys import Camera
from triangulation import project
from truth import UP

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
BODY_GROUPS = ("shoulders", "arms", "hips", "knees", "feet")
MIN_GAIN_PX = 15.0  # one labelling must fit this much better per landmark to count
ASSIGN_MAX_PX = ASSOCIATION_MAX_ERROR_PX  # a track matches a person within this (median, px)
ASSIGN_MARGIN = 2.0  # ... and the next person fits at least this many times worse
TRUTH_MAX_ERROR_PX = OUTLIER_PX  # a truth frame reprojects onto its own views within this
MIN_ANTERIOR_M = 0.03  # the nose and the toes lie this far in front of a consistent skeleton
SWAPPED, KEPT, UNCLEAR = 1, 0, -1
FILE = "swap_accuracy.json"


def track_sequence(data: Any, k: int, name: str) -> PoseSequence:
    """Track ``k`` of a camera's cached tracks as a sequence."""
    width, height = (int(v) for v in data["frame_size"])
    meta = SequenceMeta(frame_size=(width, height), source=f"{name} track {k}")
    return PoseSequence.from_arrays(
        data["t"],
        data["image_xy"][:, k],
        meta,
        world_xyz=data["world_xyz"][:, k],
        visibility=data["visibility"][:, k],
        presence=data["presence"][:, k],
    )


def chirality(points: FloatArray) -> NDArray[np.int8]:
    """(...,) +1 where the nose and the toes both lie in front of the body (labels consistent),
    -1 where both lie behind it (labels mirrored), 0 otherwise; ``points`` (..., 33, 3)."""
    left = points[..., 23, :] - points[..., 24, :] + points[..., 11, :] - points[..., 12, :]
    anterior = np.cross(left, UP)
    with np.errstate(invalid="ignore", divide="ignore"):
        anterior = anterior / np.linalg.norm(anterior, axis=-1, keepdims=True)
        mid_shoulder = (points[..., 11, :] + points[..., 12, :]) / 2
        nose = np.sum((points[..., 0, :] - mid_shoulder) * anterior, axis=-1)
        toes = points[..., [31, 32], :].mean(axis=-2) - points[..., [29, 30], :].mean(axis=-2)
        toes = np.sum(toes * anterior, axis=-1)
        ahead = (nose >= MIN_ANTERIOR_M) & (toes >= MIN_ANTERIOR_M)
        behind = (nose <= -MIN_ANTERIOR_M) & (toes <= -MIN_ANTERIOR_M)
    return np.asarray(np.where(ahead, 1, np.where(behind, -1, 0)), dtype=np.int8)


def usable_truth(loo: dict[str, Any], c: int) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Camera ``c``'s held-out truth (P, T, 33, 3), labels exchanged back where the other
    cameras mirrored the person; which (P, T) frames are usable; which were exchanged."""
    points = np.array(loo["points"][c])
    side = chirality(points)
    flipped = side == -1
    points[flipped] = points[flipped][:, MIRROR]
    with np.errstate(invalid="ignore"):
        usable = (side != 0) & (loo["error_px"][c] <= TRUTH_MAX_ERROR_PX)
    return points, usable, flipped & usable


def fit_px(xy: FloatArray, projected: FloatArray) -> FloatArray:
    """(P, T) median body-landmark distance of (T, 33, 2) labels to each person's projection,
    labels as given or mirrored, whichever fits better; inf where not comparable."""
    with np.errstate(invalid="ignore"):
        raw = np.linalg.norm(xy[None, :, BODY] - projected[:, :, BODY], axis=-1)
        mirrored = np.linalg.norm(xy[None, :, MIRROR][:, :, BODY] - projected[:, :, BODY], axis=-1)
    seen = np.isfinite(raw).any(axis=-1)
    safe = np.where(seen[..., None], raw, 0.0), np.where(seen[..., None], mirrored, 0.0)
    best = np.fmin(np.nanmedian(safe[0], axis=-1), np.nanmedian(safe[1], axis=-1))
    return np.asarray(np.where(seen, best, np.inf))


def assign(xy: FloatArray, projected: FloatArray) -> NDArray[np.intp]:
    """(T,) the person a track's labels belong to in each frame, -1 where unclear."""
    fit = fit_px(xy, projected)
    if fit.shape[0] == 0:
        return np.full(xy.shape[0], -1, dtype=np.intp)
    order = np.sort(fit, axis=0)
    best = np.argmin(fit, axis=0)
    second = order[1] if fit.shape[0] > 1 else np.full(xy.shape[0], np.inf)
    clear = (order[0] <= ASSIGN_MAX_PX) & (second >= ASSIGN_MARGIN * order[0])
    return np.asarray(np.where(clear, best, -1), dtype=np.intp)


def swap_states(xy: FloatArray, projected: FloatArray) -> dict[str, NDArray[np.int8]]:
    """(T,) per group: SWAPPED, KEPT or UNCLEAR (also where not comparable)."""
    out = {}
    for group in BODY_GROUPS:
        pairs = np.array(SWAP_GROUPS[group])
        left, right = pairs[:, 0], pairs[:, 1]
        with np.errstate(invalid="ignore"):
            raw = np.linalg.norm(xy[:, left] - projected[:, left], axis=-1) + np.linalg.norm(
                xy[:, right] - projected[:, right], axis=-1
            )
            mirrored = np.linalg.norm(xy[:, left] - projected[:, right], axis=-1) + np.linalg.norm(
                xy[:, right] - projected[:, left], axis=-1
            )
        seen = np.isfinite(raw) & np.isfinite(mirrored)
        count = seen.sum(axis=1)
        raw_mean = np.where(seen, raw, 0.0).sum(axis=1) / np.maximum(count, 1) / 2
        mirrored_mean = np.where(seen, mirrored, 0.0).sum(axis=1) / np.maximum(count, 1) / 2
        swapped = (mirrored_mean < 0.5 * raw_mean) & (raw_mean - mirrored_mean > MIN_GAIN_PX)
        kept = (raw_mean < 0.5 * mirrored_mean) & (mirrored_mean - raw_mean > MIN_GAIN_PX)
        state = np.where(swapped, SWAPPED, np.where(kept, KEPT, UNCLEAR))
        out[group] = np.asarray(np.where(count > 0, state, UNCLEAR), dtype=np.int8)
    return out


COUNTS = (
    "pairs_judged",  # (frame, group) pairs with a usable truth
    "true_swapped",
    "true_kept",
    "true_unclear",
    "repaired",  # swapped back, among the judged pairs
    "repaired_correct",  # ... truly swapped
    "repaired_wrong",  # ... truly kept
    "missing",  # made missing (ambiguous burst), among the judged pairs
    "missing_swapped",
    "missing_kept",
    "swapped_left_alone",  # truly swapped, neither repaired nor made missing
    "repaired_unjudged",  # repairs where no usable truth judges them
    "missing_unjudged",
)


FRAME_KEYS = ("detected", "judged", "swapped", "repaired", "missing")


def score_track(
    seq: PoseSequence, projected: FloatArray, usable: BoolArray
) -> tuple[dict[str, int], dict[str, int], list[dict[str, Any]]]:
    """Pair counts, frame counts and the bursts of one track. ``projected`` (P, T, 33, 2)."""
    n = seq.n_frames
    person = assign(seq.image_xy, projected)
    rows = np.arange(n)
    known = (person >= 0) & seq.detected
    known[known] &= usable[person[known], rows[known]]
    mine = projected[np.where(person >= 0, person, 0), rows]
    states = swap_states(seq.image_xy, mine)
    found = find_side_swaps(seq)
    counts = dict.fromkeys(COUNTS, 0)
    any_swapped = np.zeros(n, dtype=bool)
    for group in BODY_GROUPS:
        col = group_columns(group)[0]
        state = np.where(known, states[group], UNCLEAR)
        judged = known
        repaired, missing = found.repaired[:, col], found.ambiguous[:, col]
        swapped, kept = judged & (state == SWAPPED), judged & (state == KEPT)
        any_swapped |= swapped
        counts["pairs_judged"] += int(judged.sum())
        counts["true_swapped"] += int(swapped.sum())
        counts["true_kept"] += int(kept.sum())
        counts["true_unclear"] += int((judged & (state == UNCLEAR)).sum())
        counts["repaired"] += int((repaired & judged).sum())
        counts["repaired_correct"] += int((repaired & swapped).sum())
        counts["repaired_wrong"] += int((repaired & kept).sum())
        counts["missing"] += int((missing & judged).sum())
        counts["missing_swapped"] += int((missing & swapped).sum())
        counts["missing_kept"] += int((missing & kept).sum())
        counts["swapped_left_alone"] += int((swapped & ~repaired & ~missing).sum())
        counts["repaired_unjudged"] += int((repaired & ~judged & seq.detected).sum())
        counts["missing_unjudged"] += int((missing & ~judged & seq.detected).sum())
    frames = {
        "detected": int(seq.detected.sum()),
        "judged": int(known.sum()),
        "swapped": int(any_swapped.sum()),
        "repaired": found.frames_repaired,
        "missing": int(found.ambiguous.any(axis=1).sum()),
    }
    bursts = [
        {"group": b.group, "frames": [b.start, b.stop], "ambiguous": b.ambiguous, "why": b.reason}
        for b in found.bursts
    ]
    return counts, frames, bursts


def rates(counts: dict[str, int]) -> dict[str, float | None]:
    def ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    return {
        "base_rate": ratio(counts["true_swapped"], counts["pairs_judged"]),
        "precision": ratio(counts["repaired_correct"], counts["repaired"]),
        "precision_decided": ratio(
            counts["repaired_correct"], counts["repaired_correct"] + counts["repaired_wrong"]
        ),
        "recall": ratio(counts["repaired_correct"], counts["true_swapped"]),
        "missing_rate": ratio(counts["missing"], counts["pairs_judged"]),
    }


def score_camera(
    c: int, name: str, loo: dict[str, Any], camera: Camera, out: Path
) -> dict[str, Any]:
    points, usable, flipped = usable_truth(loo, c)
    projected = project(camera, points)
    counts = dict.fromkeys(COUNTS, 0)
    frames: dict[str, int] = {}
    tracks = {}
    with np.load(out / f"tracks_{name}.npz") as data:
        n_tracks = data["image_xy"].shape[1]
        for k in range(n_tracks):
            seq = track_sequence(data, k, name)
            if int(seq.detected.sum()) < MIN_TRACK_FRAMES:
                continue
            n = min(seq.n_frames, projected.shape[1])
            seq = seq.slice_frames(0, n) if seq.n_frames > n else seq
            track_counts, track_frames, bursts = score_track(seq, projected[:, :n], usable[:, :n])
            for key, value in track_counts.items():
                counts[key] += value
            for key, value in track_frames.items():
                frames[key] = frames.get(key, 0) + value
            tracks[str(k)] = {"pairs": track_counts, "frames": track_frames, "bursts": bursts}
    return {
        "truth_person_frames": {
            "triangulated": int((loo["views"][c] >= 2).sum()),
            "usable": int(usable.sum()),
            "labels_exchanged_back": int(flipped.sum()),
        },
        "pairs": counts,
        "frames": frames,
        **rates(counts),
        "tracks": tracks,
    }


def measure() -> dict[str, Any]:
    """Every camera's figures and their sum (``all``); writes ``swap_accuracy.json``."""
    loo = load_or_build()
    names = [str(n) for n in loo["cameras"]]
    files = sample_files(SAMPLE)
    cameras = load_cameras(
        files["Calib.qca.txt"], {n: files[f"{n}.mp4"] for n in names}, DISTORTION_SCALE
    )
    out = output_dir()
    report: dict[str, Any] = {
        n: score_camera(c, n, loo, cameras[c], out) for c, n in enumerate(names)
    }
    total = {key: sum(report[n]["pairs"][key] for n in names) for key in COUNTS}
    frames = {key: sum(report[n]["frames"].get(key, 0) for n in names) for key in FRAME_KEYS}
    report["all"] = {"pairs": total, "frames": frames, **rates(total)}
    (out / FILE).write_text(json.dumps(report, indent=1))
    return report


def main() -> dict[str, Any]:
    report = measure()
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
