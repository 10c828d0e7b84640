"""Measure hipsight's camera-to-body angle estimator on synthetic and multi-view truth.

Run ``python validation/camera_angle_accuracy.py`` after ``validation/multiview.py`` (it runs
that if its truth file is missing). Prints and writes ``camera_angle.json`` next to the truth
file, and the plot ``docs/camera_angle.png``.

- synthetic: yaw 0..90° (5° steps) x pitch -20/0/+20° x (clean, 3 px noise, 3 px + MediaPipe-like
  depth noise on the world landmarks), a walking-in-place pose; truth from the exact skeleton;
- real: every camera, person and frame of the Pose2Sim demo against the triangulated truth;
- MediaPipe's depth: the noise of the hip/shoulder lines' depth component against the truth;
- the width-ratio view classifier (``kinematics/view.py``) against the true angle.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.kinematics.camera_angle import (
    DEPTH_NOISE_M,
    body_camera_angle,
    estimate_camera_angle,
    frontal_ratio,
    width_cue,
    width_ratio_2d,
    world_cue,
)
from hipsight.kinematics.view import classify_view, width_ratio
from hipsight.pose.sequence import PoseSequence
from hipsight.samples.synthetic import (
    Pose,
    SyntheticSequence,
    make_sequence,
    side_camera,
    sinusoid,
    time_axis,
)

FloatArray = NDArray[np.float64]
BINS = (0, 15, 30, 45, 60, 90)
YAWS = tuple(range(0, 91, 5))
PITCHES = (-20, 0, 20)
CONDITIONS = {"clean": (0.0, 0.0), "3px": (3.0, 0.0), "3px+depth": (3.0, DEPTH_NOISE_M)}
DOCS = Path(__file__).resolve().parents[1] / "docs"


# ---------------------------------------------------------------------------- synthetic
def synthetic_clip(yaw: float, pitch: float, jitter_px: float, depth_m: float) -> SyntheticSequence:
    """1 s at 30 fps of stepping in place, filmed from the left, orbited by yaw and pitch."""
    t = time_axis(1.0, 30.0)
    pose = Pose(
        left_hip_flexion_deg=sinusoid(t, 0.0, 40.0, 1.0),
        right_knee_flexion_deg=sinusoid(t, 0.0, 30.0, 1.0),
        trunk_flexion_deg=10.0,
    )
    camera = side_camera("left", yaw_deg=yaw, pitch_deg=pitch)
    seed = int(yaw * 100 + pitch + 50)
    syn = make_sequence(pose, camera, fps=30.0, jitter_px=jitter_px, seed=seed)
    if depth_m > 0:
        world = np.array(syn.sequence.world_xyz)
        world[..., 2] += np.random.default_rng(seed).normal(0.0, depth_m, world.shape[:-1])
        seq = syn.sequence
        syn = syn.replace_sequence(
            PoseSequence.from_arrays(
                seq.t, seq.image_xy, seq.meta, world, seq.visibility, seq.presence
            )
        )
    return syn


def synthetic_errors() -> dict[str, FloatArray]:
    """Per condition: rows of (yaw, pitch, true angle, estimate, uncertainty) over frames."""
    out = {}
    for name, (px, depth) in CONDITIONS.items():
        rows = []
        for pitch in PITCHES:
            for yaw in YAWS:
                syn = synthetic_clip(yaw, pitch, px, depth)
                truth = body_camera_angle(syn.landmarks_lab, syn.camera.position)
                est, unc = estimate_camera_angle(syn.sequence)
                rows.append(
                    np.stack(
                        [np.full_like(truth, yaw), np.full_like(truth, pitch), truth, est, unc], 1
                    )
                )
        out[name] = np.concatenate(rows)
    return out


def width_noise_on_synthetic(rows_3px: list[SyntheticSequence]) -> float:
    """Std of (width ratio / frontal ratio - sin θ): the width cue's relative error."""
    res = []
    for syn in rows_3px:
        seq = syn.sequence
        ratio = frontal_ratio(np.asarray(seq.world_xyz), np.asarray(seq.image_xy))
        truth = body_camera_angle(syn.landmarks_lab, syn.camera.position)
        res.append(width_ratio_2d(np.asarray(seq.image_xy)) / ratio - np.sin(np.radians(truth)))
    return float(np.std(np.concatenate(res)))


# --------------------------------------------------------------------------------- real
def real_records(
    truth_path: Path,
) -> Iterator[tuple[str, int, PoseSequence, dict[str, FloatArray]]]:
    with np.load(truth_path) as data:
        truth = {k: data[k] for k in data.files}
    for v, cam in enumerate(truth["cameras"]):
        for p in range(truth["track"].shape[1]):
            seq = PoseSequence.from_npz(truth_path.parent / f"{cam}_person{p}.npz")
            yield (
                str(cam),
                p,
                seq,
                {
                    k: truth[k][v, p]
                    for k in (
                        "camera_angle_deg",
                        "camera_angle_hip_deg",
                        "camera_angle_shoulder_deg",
                        "reprojection_error_px",
                    )
                },
            )


def real_table(truth_path: Path) -> dict[str, NDArray[Any]]:
    """Per camera-person-frame: truth, estimate, σ, 3D-only, 2D-only, width ratio, label."""
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "camera",
            "person",
            "truth",
            "estimate",
            "sigma",
            "cue_3d",
            "cue_2d",
            "width_ratio",
            "label",
            "depth_residual_m",
        )
    }
    for cam, p, seq, tr in real_records(truth_path):
        est, sig = estimate_camera_angle(seq)
        world, image = np.asarray(seq.world_xyz), np.asarray(seq.image_xy)
        a3, _ = world_cue(world)
        a2, _ = width_cue(image, frontal_ratio(world, image))
        ratio = width_ratio(seq)
        n = seq.n_frames
        cols["camera"] += [cam] * n
        cols["person"] += [p] * n
        cols["truth"].append(tr["camera_angle_deg"][:n])
        cols["estimate"].append(est)
        cols["sigma"].append(sig)
        cols["cue_3d"].append(a3)
        cols["cue_2d"].append(a2)
        cols["width_ratio"].append(ratio)
        cols["label"].append(classify_view(ratio))
        cols["depth_residual_m"].append(depth_residual(world, tr["camera_angle_hip_deg"][:n]))
    return {
        k: np.array(v) if k in ("camera", "person") else np.concatenate(v) for k, v in cols.items()
    }


def depth_residual(world: FloatArray, true_hip_angle: FloatArray) -> FloatArray:
    """MediaPipe's depth extent of the hip line minus the one the true angle implies (metres)."""
    v = world[:, 23] - world[:, 24]
    implied = np.linalg.norm(v[:, :2], axis=1) / np.tan(
        np.radians(np.clip(true_hip_angle, 1.0, 89.0))
    )
    return np.abs(v[:, 2]) - implied


# ------------------------------------------------------------------------------ figures
def binned_mae(truth: FloatArray, estimate: FloatArray) -> dict[str, Any]:
    ok = np.isfinite(truth) & np.isfinite(estimate)
    err = np.abs(estimate - truth)[ok]
    out: dict[str, Any] = {
        "all": {"mae": float(err.mean()) if err.size else None, "n": int(err.size)}
    }
    for lo, hi in itertools.pairwise(BINS):
        k = (truth[ok] >= lo) & (truth[ok] < hi if hi < 90 else truth[ok] <= hi)
        out[f"{lo}-{hi}"] = {"mae": float(err[k].mean()) if k.any() else None, "n": int(k.sum())}
    return out


def confusion(truth: FloatArray, labels: NDArray[np.str_]) -> dict[str, dict[str, int]]:
    """Counts of the classifier's labels per true-angle bin."""
    out = {}
    for lo, hi in itertools.pairwise(BINS):
        k = np.isfinite(truth) & (truth >= lo) & ((truth < hi) if hi < 90 else (truth <= hi))
        out[f"{lo}-{hi}"] = {
            lab: int((labels[k] == lab).sum()) for lab in ("side", "oblique", "front", "unknown")
        }
    return out


def coverage(truth: FloatArray, estimate: FloatArray, sigma: FloatArray) -> float:
    """Fraction of frames whose error is within the stated uncertainty."""
    ok = np.isfinite(truth) & np.isfinite(estimate) & np.isfinite(sigma)
    return float((np.abs(estimate - truth)[ok] <= sigma[ok]).mean())


def plot(real: dict[str, FloatArray], synthetic: FloatArray, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 5), constrained_layout=True)
    ax = axes[0]
    for cam in np.unique(real["camera"]):
        k = real["camera"] == cam
        ax.errorbar(
            real["truth"][k],
            real["estimate"][k],
            yerr=real["sigma"][k],
            fmt="o",
            ms=3,
            alpha=0.5,
            elinewidth=0.5,
            label=cam,
        )
    ax.plot([0, 90], [0, 90], "k-", lw=1)
    ax.set(
        xlim=(0, 92),
        ylim=(0, 92),
        xlabel="true camera-to-body angle (°), triangulated",
        ylabel="estimate (°) ± uncertainty",
        title="Pose2Sim demo, 4 cameras x 2 people",
    )
    ax.legend(loc="lower right")
    ax = axes[1]
    for pitch, marker in zip(PITCHES, "v^o", strict=True):
        k = synthetic[:, 1] == pitch
        ax.plot(
            synthetic[k, 2], synthetic[k, 3], marker, ms=3, alpha=0.5, label=f"pitch {pitch:+d}°"
        )
    ax.plot([0, 90], [0, 90], "k-", lw=1)
    ax.set(
        xlim=(0, 92),
        ylim=(0, 92),
        xlabel="true angle (°)",
        ylabel="estimate (°)",
        title="synthetic, 3 px + depth noise",
    )
    ax.legend(loc="lower right")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> int:
    import multiview

    truth_path = multiview.output_dir() / "truth.npz"
    if not truth_path.is_file():
        multiview.run()
    syn = synthetic_errors()
    clips_3px = [synthetic_clip(y, p, 3.0, 0.0) for p in PITCHES for y in YAWS]
    real = real_table(truth_path)
    depth = real["depth_residual_m"][np.isfinite(real["depth_residual_m"])]
    result = {
        "synthetic": {
            name: binned_mae(rows[:, 2], rows[:, 3])
            | {"max": float(np.nanmax(np.abs(rows[:, 3] - rows[:, 2])))}
            for name, rows in syn.items()
        },
        "synthetic_width_noise": width_noise_on_synthetic(clips_3px),
        "real": {
            "fused": binned_mae(real["truth"], real["estimate"]),
            "cue_3d_only": binned_mae(real["truth"], real["cue_3d"]),
            "cue_2d_only": binned_mae(real["truth"], real["cue_2d"]),
            "coverage_within_sigma": coverage(real["truth"], real["estimate"], real["sigma"]),
            "median_sigma": float(np.nanmedian(real["sigma"])),
            "per_camera": {
                str(c): binned_mae(
                    real["truth"][real["camera"] == c], real["estimate"][real["camera"] == c]
                )["all"]
                for c in np.unique(real["camera"])
            },
        },
        "mediapipe_depth": {
            "hip_line_depth_residual_m": {
                "median": float(np.median(depth)),
                "robust_std": float(1.4826 * np.median(np.abs(depth - np.median(depth)))),
                "n": int(depth.size),
            },
        },
        "width_ratio_classifier_confusion": confusion(real["truth"], real["label"]),
    }
    out = truth_path.parent / "camera_angle.json"
    out.write_text(json.dumps(result, indent=2))
    plot(real, syn["3px+depth"], DOCS / "camera_angle.png")
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
