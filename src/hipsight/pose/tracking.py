"""Follow several people across frames and choose the one to analyse.

The tracker matches each frame's detections to existing tracks with the Hungarian algorithm on
a pose distance: the mean distance between the track's predicted landmarks (constant velocity)
and the detection's landmarks, in units of the track's torso length. Whole-pose distance keeps
identities apart when two people cross, because their poses differ even where their centres
meet. A track that goes unseen for longer than ``max_missing_s`` ends.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.estimator import FrameDetections
from hipsight.pose.landmarks import (
    LEFT_HIP,
    LEFT_SHOULDER,
    N_LANDMARKS,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)
from hipsight.pose.subject import (
    MIN_VISIBILITY,
    SUBJECT_POLICIES,
    TIE_SHARE,
    body_centre_x,
    hip_x,
    median_body_length,
    parse_policy,
    policy_scores,
    prominence,
    rank_people,
    size_and_offset,
    walking_time,
)
from hipsight.wording import count

TORSO = (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP)
FACT_OF_POLICY = {
    "visible": "frames_fully_visible",
    "largest": "median_height_px",
    "moving": "walking_s",
}
MAX_SCALE_CHANGE = (
    1.5  # a torso that shrinks or grows more than this between frames is another person
)


@dataclass(frozen=True)
class Person:
    """One track's detections, only in the frames it was seen: ``frames`` (n,) into the video."""

    frames: NDArray[np.intp]
    image_xy: NDArray[np.float64]  # (n, 33, 2)
    world_xyz: NDArray[np.float64]  # (n, 33, 3)
    visibility: NDArray[np.float64]  # (n, 33)
    presence: NDArray[np.float64]  # (n, 33)


@dataclass(frozen=True)
class DenseTracks:
    """Some tracks as arrays of shape (T, N, ...) with NaN where a track was not seen."""

    image_xy: NDArray[np.float64]  # (T, N, 33, 2)
    world_xyz: NDArray[np.float64]  # (T, N, 33, 3)
    visibility: NDArray[np.float64]  # (T, N, 33)
    presence: NDArray[np.float64]  # (T, N, 33)


@dataclass(frozen=True)
class Tracks:
    """People over time, each stored only where seen.

    Memory grows with the detections, not with frames x tracks: a long clip leaves many short
    fragments (158 tracks in a 2-minute loop of the Sports2D demo), and dense (T, N) arrays of all
    of them took over a gigabyte. :meth:`dense` gives (T, N, ...) arrays for the tracks asked for;
    the ``image_xy`` ... properties give them for all tracks (small inputs and tests only).
    """

    t: NDArray[np.float64]
    people: tuple[Person, ...]

    @property
    def n_tracks(self) -> int:
        return len(self.people)

    def dense(self, ks: Sequence[int] | None = None) -> DenseTracks:
        """Tracks ``ks`` (default: all) as (T, len(ks), ...) arrays, NaN where unseen."""
        chosen = [self.people[k] for k in (range(self.n_tracks) if ks is None else ks)]
        n_frames, n = len(self.t), len(chosen)
        xy = np.full((n_frames, n, N_LANDMARKS, 2), np.nan)
        world = np.full((n_frames, n, N_LANDMARKS, 3), np.nan)
        vis = np.full((n_frames, n, N_LANDMARKS), np.nan)
        pres = np.full((n_frames, n, N_LANDMARKS), np.nan)
        for k, person in enumerate(chosen):
            xy[person.frames, k] = person.image_xy
            world[person.frames, k] = person.world_xyz
            vis[person.frames, k] = person.visibility
            pres[person.frames, k] = person.presence
        return DenseTracks(xy, world, vis, pres)

    def blocks(self, size: int = 8) -> Iterator[DenseTracks]:
        """All tracks, ``size`` at a time, in order: bounded memory for per-track facts."""
        for start in range(0, self.n_tracks, size):
            yield self.dense(range(start, min(start + size, self.n_tracks)))

    @property
    def image_xy(self) -> NDArray[np.float64]:
        return self.dense().image_xy

    @property
    def world_xyz(self) -> NDArray[np.float64]:
        return self.dense().world_xyz

    @property
    def visibility(self) -> NDArray[np.float64]:
        return self.dense().visibility

    @property
    def presence(self) -> NDArray[np.float64]:
        return self.dense().presence

    @property
    def seen(self) -> NDArray[np.bool_]:
        """(T, N) True where track n was detected in frame t."""
        out = np.zeros((len(self.t), self.n_tracks), dtype=bool)
        for k, person in enumerate(self.people):
            out[person.frames, k] = np.all(np.isfinite(person.image_xy), axis=2).any(axis=1)
        return out


@dataclass
class _Track:
    xy: NDArray[np.float64]
    velocity: NDArray[np.float64]
    scale: float
    last_t: float
    frames: dict[int, tuple[int, FrameDetections]] = field(
        default_factory=dict
    )  # frame -> detection


def torso_scale(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Torso length (mid-shoulder to mid-hip) in pixels for landmarks of shape (..., 33, 2)."""
    shoulders = xy[..., [LEFT_SHOULDER, RIGHT_SHOULDER], :].mean(axis=-2)
    hips = xy[..., [LEFT_HIP, RIGHT_HIP], :].mean(axis=-2)
    return np.asarray(np.linalg.norm(shoulders - hips, axis=-1))


def update_scale(previous: float | None, observed: float, weight: float = 0.2) -> float:
    """Exponentially smoothed torso length; NaN or zero observations keep the previous value."""
    if not np.isfinite(observed) or observed <= 0:
        return previous if previous is not None else 1.0
    return observed if previous is None else (1 - weight) * previous + weight * observed


def pose_distance(
    predicted: NDArray[np.float64], detected: NDArray[np.float64], scale: float
) -> float:
    """Mean landmark distance between two poses (33, 2), in torso lengths."""
    return float(np.nanmean(np.linalg.norm(predicted - detected, axis=-1)) / max(scale, 1.0))


def track_people(
    t: NDArray[np.float64],
    detections: Sequence[FrameDetections],
    max_missing_s: float = 0.5,
    max_cost: float = 1.0,
    stitch_gap_s: float = 1.0,
) -> Tracks:
    """Link per-frame detections into tracks; return them as dense arrays."""
    if len(t) != len(detections):
        raise ValueError(
            f"need one detection set per timestamp, got {len(detections)} for {len(t)} times"
        )
    active: list[_Track] = []
    finished: list[_Track] = []
    for frame, (time_s, raw) in enumerate(zip(t, detections, strict=True)):
        still_active: list[_Track] = []
        for track in active:
            (finished if time_s - track.last_t > max_missing_s else still_active).append(track)
        active = still_active
        dets = drop_duplicates(raw)
        matched = _match(active, dets, float(time_s), max_cost)
        for det_index in range(dets.n_people):
            found = matched.get(det_index)
            xy = dets.image_xy[det_index]
            if found is None:
                track = _Track(xy=xy, velocity=np.zeros_like(xy), scale=1.0, last_t=float(time_s))
                active.append(track)
            else:
                track = found
                dt = max(float(time_s) - track.last_t, 1e-6)
                track.velocity = np.nan_to_num((xy - track.xy) / dt)
            track.xy, track.last_t = xy, float(time_s)
            track.scale = update_scale(
                track.scale if track.frames else None, float(torso_scale(xy))
            )
            track.frames[frame] = (det_index, dets)
    return _to_arrays(t, stitch_fragments([*finished, *active], t, max_gap_s=stitch_gap_s))


def drop_duplicates(dets: FrameDetections, min_distance: float = 0.35) -> FrameDetections:
    """Drop detections that repeat another person (pose distance under ``min_distance`` torsos).

    MediaPipe sometimes returns the same person twice; the more visible copy is kept.
    """
    if dets.n_people < 2:
        return dets
    order = np.argsort(-np.nanmean(dets.visibility, axis=1))
    keep: list[int] = []
    for j in order:
        scale = float(np.nan_to_num(torso_scale(dets.image_xy[j]), nan=1.0))
        if all(
            pose_distance(dets.image_xy[k], dets.image_xy[j], scale) >= min_distance for k in keep
        ):
            keep.append(int(j))
    if len(keep) == dets.n_people:
        return dets
    idx = np.array(sorted(keep))
    return FrameDetections(
        dets.image_xy[idx], dets.world_xyz[idx], dets.visibility[idx], dets.presence[idx]
    )


def stitch_fragments(
    tracks: list[_Track], t: NDArray[np.float64], max_gap_s: float, max_cost: float = 1.5
) -> list[_Track]:
    """Join track fragments that one person left when detection dropped out or people crossed.

    Fragment B continues fragment A when B starts after A ends, within ``max_gap_s``, and A's
    last pose moved on at A's velocity lands near B's first pose. Closest pairs join first.
    """
    tracks = sorted(tracks, key=lambda tr: min(tr.frames))
    pairs = []
    for i, a in enumerate(tracks):
        end = max(a.frames)
        for j, b in enumerate(tracks):
            start = min(b.frames)
            gap = float(t[start] - t[end]) if start > end else -1.0
            if i == j or not 0 < gap <= max_gap_s:
                continue
            first_xy = b.frames[start][1].image_xy[b.frames[start][0]]
            cost = pose_distance(a.xy + a.velocity * gap, first_xy, a.scale)
            if cost <= max_cost:
                pairs.append((cost, i, j))
    successor: dict[int, int] = {}
    predecessor: dict[int, int] = {}
    for _cost, i, j in sorted(pairs):
        if i not in successor and j not in predecessor:
            successor[i], predecessor[j] = j, i
    chains = []
    for i in range(len(tracks)):
        if i in predecessor:
            continue
        chain = tracks[i]
        k = i
        while k in successor:
            k = successor[k]
            chain.frames.update(tracks[k].frames)
            chain.xy, chain.velocity, chain.last_t = (
                tracks[k].xy,
                tracks[k].velocity,
                tracks[k].last_t,
            )
        chains.append(chain)
    return chains


def _match(
    active: list[_Track], dets: FrameDetections, time_s: float, max_cost: float
) -> dict[int, _Track]:
    if not active or dets.n_people == 0:
        return {}
    predicted = np.stack([tr.xy + tr.velocity * (time_s - tr.last_t) for tr in active])
    scales = np.array([tr.scale for tr in active])
    # (tracks, detections): mean landmark distance in torso lengths, inf for implausible sizes
    distance = np.linalg.norm(predicted[:, None] - dets.image_xy[None], axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # landmarks missing in both poses
        cost = np.nanmean(distance, axis=-1) / np.maximum(scales, 1.0)[:, None]
    ratio = torso_scale(dets.image_xy)[None, :] / scales[:, None]
    cost[~((ratio >= 1 / MAX_SCALE_CHANGE) & (ratio <= MAX_SCALE_CHANGE))] = np.inf
    from scipy.optimize import linear_sum_assignment  # lazy: slow to import

    rows, cols = linear_sum_assignment(np.nan_to_num(cost, nan=1e6, posinf=1e6))
    return {
        int(j): active[int(i)] for i, j in zip(rows, cols, strict=True) if cost[i, j] <= max_cost
    }


def first_position(track: _Track) -> tuple[int, float]:
    """Where a track starts: its first frame, then its mid-hip x there (left to right)."""
    frame = min(track.frames)
    det, dets = track.frames[frame]
    x = float(np.nan_to_num(hip_x(dets.image_xy[det]), nan=np.inf))
    return frame, x


def _to_arrays(t: NDArray[np.float64], tracks: list[_Track]) -> Tracks:
    tracks = sorted(tracks, key=first_position)  # ids independent of the detector's order
    return Tracks(t=np.asarray(t, dtype=np.float64), people=tuple(map(_person, tracks)))


def _person(track: _Track) -> Person:
    """A track's detections, in frame order."""
    frames = sorted(track.frames)
    picked = [track.frames[f] for f in frames]
    return Person(
        frames=np.array(frames, dtype=np.intp),
        image_xy=np.array([dets.image_xy[det] for det, dets in picked]),
        world_xyz=np.array([dets.world_xyz[det] for det, dets in picked]),
        visibility=np.array([dets.visibility[det] for det, dets in picked]),
        presence=np.array([dets.presence[det] for det, dets in picked]),
    )


# ---------------------------------------------------------------------------- subject choice
def describe_tracks(
    tracks: Tracks, frame_size: tuple[int, int], min_visibility: float = MIN_VISIBILITY
) -> list[dict[str, Any]]:
    """Per-track facts used to choose the subject (the policies of :mod:`hipsight.pose.subject`)
    and to tell people apart: size, position and prominence."""
    parts = [track_facts(block, tracks.t, frame_size, min_visibility) for block in tracks.blocks()]
    scores = {
        policy: np.concatenate([part[0][policy] for part in parts]) for policy in SUBJECT_POLICIES
    }
    detected = tracks.seen.sum(axis=0)
    height, offset, centre, prominent, walking, length = (
        np.concatenate([part[i] for part in parts]) for i in range(1, 7)
    )
    return [
        {
            "id": k,
            "frames_detected": int(detected[k]),
            "frames_fully_visible": int(scores["visible"][k]),
            "median_height_px": float(scores["largest"][k]),
            "hip_travel_px": float(scores["moving"][k]),
            "walking_s": round(float(walking[k]), 2),
            "body_height_px": _rounded(height[k], 1),
            "body_length_px": _rounded(length[k], 1),
            "centre_x_px": _rounded(centre[k], 1),
            "centre_offset": _rounded(offset[k], 4),
            "prominence": _rounded(prominent[k], 4),
        }
        for k in range(tracks.n_tracks)
    ]


FactArrays = tuple[
    dict[str, NDArray[np.float64]],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
]


def track_facts(
    block: DenseTracks,
    t: NDArray[np.float64],
    frame_size: tuple[int, int],
    min_visibility: float,
) -> FactArrays:
    """Per-track facts of a block of tracks: policy scores, height, offset, centre, prominence,
    walking time and body length, each (N,)."""
    xy = block.image_xy
    scores = {
        policy: policy_scores(policy, xy, block.visibility, frame_size, min_visibility)
        for policy in SUBJECT_POLICIES
    }
    height, offset = size_and_offset(xy, frame_size)
    return (
        scores,
        height,
        offset,
        centre_x(xy),
        prominence(xy, frame_size),
        walking_time(xy, t),
        median_body_length(xy),
    )


def centre_x(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """(N,) median image x of each person's body centre over frames (T, N, 33, 2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmedian(body_centre_x(xy), axis=0))


def _rounded(value: float, digits: int) -> float | None:
    """JSON-friendly: rounded, None where unknown."""
    return round(float(value), digits) if np.isfinite(value) else None


def choose_subject(
    tracks: Tracks, frame_size: tuple[int, int], policy: str | int = "visible"
) -> tuple[int, dict[str, Any]]:
    """Pick the track to analyse; return its index and a report of the choice.

    The policy (see :mod:`hipsight.pose.subject`) is applied over the whole recording; people
    it does not separate (within ``TIE_SHARE``) go to the largest, most central one. The report
    says who was chosen, why, and lists every candidate with its size and position.
    """
    if tracks.n_tracks == 0:
        raise ValueError("no person was tracked")
    facts = describe_tracks(tracks, frame_size)
    rule = parse_policy(policy)
    if isinstance(rule, int):
        chosen = rule
        if not 0 <= chosen < tracks.n_tracks:
            raise ValueError(
                f"subject id must be between 0 and {tracks.n_tracks - 1}, got {chosen}"
            )
        reason = f"chosen by id ({count(tracks.n_tracks, 'person')} tracked)"
    else:
        key = FACT_OF_POLICY[rule]
        if key == "walking_s" and not any(f[key] > 0 for f in facts):
            key = "hip_travel_px"  # nobody walks across the view (a treadmill): who moves most
        values = np.array([f[key] for f in facts], dtype=np.float64)
        prominent = np.array([f["prominence"] or -np.inf for f in facts], dtype=np.float64)
        order = rank_people(values, prominent)
        chosen = int(order[0])
        reason = choice_reason(rule, facts, values, chosen)
        if rule == "moving" and key != FACT_OF_POLICY[rule]:
            reason = reason.replace("walking across the view the longest", "the most hip travel")
    report = {
        "policy": str(policy),
        "track_id": chosen,
        "n_people_tracked": tracks.n_tracks,
        "reason": reason,
        "candidates": facts,
    }
    return chosen, report


def choice_reason(
    rule: str, facts: list[dict[str, Any]], values: NDArray[np.float64], chosen: int
) -> str:
    """One line: why ``chosen`` won under ``rule``, e.g. "largest and most central of 2 fully
    visible people"."""
    n = len(facts)
    if n == 1:
        return "the only person tracked"
    best = float(values.max())
    tied = int((values >= best - TIE_SHARE * abs(best)).sum())
    what = {
        "visible": "fully visible",
        "largest": "equally tall",
        "moving": "equally moving",
    }[rule]
    if tied > 1 and rule == "visible" and best <= 0:
        return f"largest and most central of {tied} people, none fully visible"
    if tied > 1:
        return f"largest and most central of {tied} {what} people"
    won = {
        "visible": "fully visible in the most frames",
        "largest": "the tallest",
        "moving": "walking across the view the longest",
    }[rule]
    return f"{won} of {n} people"
