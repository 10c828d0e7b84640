"""Which person is the subject: the one definition of each policy, offline and live.

- ``visible``: the key joints (shoulders, hips, knees, ankles) inside the frame and visible, in
  the most frames;
- ``largest``: the tallest body in the image (median over the frames seen);
- ``moving``: the person who walks across the view for longest (:func:`walking_time`: the
  mid-hip moving sideways at :data:`MIN_WALK_SPEED` body lengths per second or more), so a
  passer-by who crosses a larger share of the image for part of the clip, e.g. nearer the
  camera, is not taken for the walker; offline over the whole recording, live over the last
  second. When nobody walks (a treadmill), offline takes the largest sideways hip travel (5th
  to 95th percentile of the hip x position), live the most prominent person;
- an integer: that person's id. People are numbered in the order they first appear; people
  who appear in the same frame are numbered from left to right in the image, so ids never
  depend on the order the detector lists people in.

**Ties** (a policy that does not separate people, e.g. two people fully visible throughout) go to
the **most prominent** person: the largest and most central over the frames, scored as the
median body length as a share of the frame height minus :data:`CENTRE_WEIGHT` times the median
offset of the body centre from the frame's vertical centre line as a share of the frame width
(:func:`prominence`). The body length is :data:`SEGMENTS_PER_BODY` times the longest of the
torso, thigh and shank in the image (:func:`body_length`): unlike the body's height in the image
it does not shrink when the person lies down or sits, so someone standing beside a person who
lies, sits or kneels at the same distance is not larger. People whose policy fact is within
:data:`TIE_SHARE` of the best count as tied. That is the person in front of the camera;
``--subject ID`` overrides it.

Offline (:func:`hipsight.pose.tracking.choose_subject`) the frames are the whole recording; live
(:class:`hipsight.live.subject.SubjectPicker`) they are the latest frame, or the last second for
``moving``. All functions work on arrays of shape (T, N, ...) over frames and people at once.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hipsight.pose.landmarks import (
    KEY_BODY,
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]

SUBJECT_POLICIES = ("visible", "largest", "moving")
MIN_VISIBILITY = 0.5  # a key joint counts as visible from this landmark visibility
CENTRE_WEIGHT = 0.5  # how much being off-centre costs against being tall (shares of the frame)
TIE_SHARE = 0.05  # policy facts within 5 % of the best count as a tie, broken by prominence
SEGMENTS_PER_BODY = 3.0  # shoulders to ankles: torso, thigh and shank, each about as long
LIMB_SEGMENTS = (
    (LEFT_HIP, LEFT_KNEE),
    (RIGHT_HIP, RIGHT_KNEE),
    (LEFT_KNEE, LEFT_ANKLE),
    (RIGHT_KNEE, RIGHT_ANKLE),
)
# The printed list of candidates leaves out tracks seen in fewer frames than this: fragments the
# tracker could not join to a person (a third of a second at 30 fps). summary.json keeps them all.
MIN_LISTED_FRAMES = 10


def listed_candidates(
    candidates: list[dict[str, Any]], chosen: int | None
) -> tuple[list[dict[str, Any]], int]:
    """The candidates worth printing (seen in ``MIN_LISTED_FRAMES`` frames or more, the chosen
    one whatever its frames, and any whose frames were not recorded), and how many were left
    out."""
    shown = [
        c
        for c in candidates
        if c.get("id") == chosen
        or c.get("frames_detected") is None
        or int(c["frames_detected"]) >= MIN_LISTED_FRAMES
    ]
    return shown, len(candidates) - len(shown)


def parse_policy(policy: str | int) -> str | int:
    """A policy name, or a person id (``3`` or ``"3"``); ValueError for anything else."""
    if isinstance(policy, int) or (isinstance(policy, str) and policy.isdigit()):
        return int(policy)
    if policy in SUBJECT_POLICIES:
        return policy
    raise ValueError(f"subject must be one of {SUBJECT_POLICIES} or a person id, got {policy!r}")


def fully_visible(
    xy: FloatArray,
    visibility: FloatArray,
    frame_size: tuple[int, int],
    min_visibility: float = MIN_VISIBILITY,
) -> BoolArray:
    """(...) True where every key joint is inside the frame and visible; xy is (..., 33, 2)."""
    width, height = frame_size
    key_xy = xy[..., KEY_BODY, :]
    with np.errstate(invalid="ignore"):
        inside = (
            (key_xy[..., 0] >= 0)
            & (key_xy[..., 0] < width)
            & (key_xy[..., 1] >= 0)
            & (key_xy[..., 1] < height)
        )
    seen = np.nan_to_num(visibility[..., KEY_BODY]) >= min_visibility
    return np.asarray(np.all(inside & seen, axis=-1))


def body_height(xy: FloatArray) -> FloatArray:
    """(...) image height of the body (lowest minus highest landmark), NaN where unseen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # people not seen in a frame
        return np.asarray(np.nanmax(xy[..., 1], axis=-1) - np.nanmin(xy[..., 1], axis=-1))


def hip_x(xy: FloatArray) -> FloatArray:
    """(...) image x of the mid-hip; xy is (..., 33, 2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(xy[..., [LEFT_HIP, RIGHT_HIP], 0], axis=-1))


def hip_travel(hips_x: FloatArray) -> FloatArray:
    """(N,) sideways hip travel of each person over frames (T, N): 95th minus 5th percentile."""
    x = np.asarray(hips_x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"hips_x must have shape (T, N), got {x.shape}")
    travel = np.zeros(x.shape[1])
    seen = np.isfinite(x).any(axis=0)
    if seen.any():
        high, low = np.nanpercentile(x[:, seen], [95, 5], axis=0)
        travel[seen] = high - low
    return travel


def policy_scores(
    policy: str,
    xy: FloatArray,
    visibility: FloatArray,
    frame_size: tuple[int, int],
    min_visibility: float = MIN_VISIBILITY,
) -> FloatArray:
    """(N,) how well each of N people over T frames fits a named policy (higher is better).

    ``xy`` is (T, N, 33, 2) and ``visibility`` (T, N, 33); see the module docstring.
    """
    if policy not in SUBJECT_POLICIES:
        raise ValueError(f"policy must be one of {SUBJECT_POLICIES}, got {policy!r}")
    if xy.ndim != 4 or visibility.shape != xy.shape[:3]:
        raise ValueError(
            f"need xy (T, N, 33, 2) and visibility (T, N, 33), got {xy.shape}, {visibility.shape}"
        )
    if policy == "visible":
        return fully_visible(xy, visibility, frame_size, min_visibility).sum(axis=0).astype(float)
    if policy == "largest":
        heights = body_height(xy)
        out = np.zeros(xy.shape[1])
        seen = np.isfinite(heights).any(axis=0)
        out[seen] = np.nanmedian(heights[:, seen], axis=0)
        return out
    return hip_travel(hip_x(xy))


WALK_WINDOW_S = 0.5  # "moving": the hip's sideways speed is read over this window ...
MIN_WALK_SPEED = 0.25  # ... and is walking from this many body lengths per second (~0.4 m/s)


def walking_time(xy: FloatArray, t: FloatArray) -> FloatArray:
    """(N,) seconds each of N people over frames (T, N, 33, 2) at times (T,) spends walking
    across the view: the mid-hip moving sideways by :data:`MIN_WALK_SPEED` body lengths
    (:func:`body_length`) per second or more, read over :data:`WALK_WINDOW_S`. Standing,
    swaying, landmark jitter and walking on a treadmill count 0."""
    if xy.ndim != 4 or len(t) != xy.shape[0]:
        raise ValueError(f"need xy (T, N, 33, 2) and t (T,), got {xy.shape}, {np.shape(t)}")
    return walking_seconds(hip_x(xy), t, median_body_length(xy))


def walking_seconds(hips_x: FloatArray, t: FloatArray, length: FloatArray) -> FloatArray:
    """(N,) :func:`walking_time` from each person's mid-hip x over frames (T, N) and median
    body length (N,) in pixels: the live picker keeps only these for the last second."""
    if hips_x.ndim != 2 or len(t) != hips_x.shape[0] or np.shape(length) != hips_x.shape[1:]:
        raise ValueError(
            f"need hips_x (T, N), t (T,) and length (N,), got {hips_x.shape}, {np.shape(t)}, "
            f"{np.shape(length)}"
        )
    n_people = hips_x.shape[1]
    if len(t) < 2:
        return np.zeros(n_people)
    dt = float(np.median(np.diff(t)))
    k = max(1, round(WALK_WINDOW_S / dt))
    if len(t) <= k:
        return np.zeros(n_people)
    speed = np.abs(hips_x[k:] - hips_x[:-k]) / (t[k:] - t[:-k])[:, None]
    with np.errstate(invalid="ignore"):
        walking = speed >= MIN_WALK_SPEED * np.asarray(length)[None, :]
    return np.asarray(walking.sum(axis=0) * dt, dtype=np.float64)


def body_centre_x(xy: FloatArray) -> FloatArray:
    """(...) image x of the key joints' centre; xy is (..., 33, 2); NaN where unseen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(xy[..., KEY_BODY, 0], axis=-1))


def key_body_height(xy: FloatArray) -> FloatArray:
    """(...) image height of the key joints (shoulders to ankles), NaN where unseen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        key_y = xy[..., KEY_BODY, 1]
        return np.asarray(np.nanmax(key_y, axis=-1) - np.nanmin(key_y, axis=-1))


def body_length(xy: FloatArray) -> FloatArray:
    """(...) the key body's length in pixels whatever the posture: :data:`SEGMENTS_PER_BODY`
    times the longest of the torso (mid-shoulder to mid-hip), thighs and shanks in the image;
    xy is (..., 33, 2). NaN where none of them is seen."""
    shoulders = xy[..., [LEFT_SHOULDER, RIGHT_SHOULDER], :].mean(axis=-2)
    hips = xy[..., [LEFT_HIP, RIGHT_HIP], :].mean(axis=-2)
    lengths = [np.linalg.norm(shoulders - hips, axis=-1)]
    lengths += [np.linalg.norm(xy[..., a, :] - xy[..., b, :], axis=-1) for a, b in LIMB_SEGMENTS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # people not seen in a frame
        return np.asarray(SEGMENTS_PER_BODY * np.nanmax(np.stack(lengths), axis=0))


def size_and_offset(xy: FloatArray, frame_size: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    """(N,) each over frames (T, N, 33, 2): median key-body height in pixels, and median offset
    of the body centre from the frame's centre line as a share of the frame width (NaN: unseen)."""
    if xy.ndim != 4 or xy.shape[2:] != (33, 2):
        raise ValueError(f"xy must have shape (T, N, 33, 2), got {xy.shape}")
    width = frame_size[0]
    heights = key_body_height(xy)
    offsets = np.abs(body_centre_x(xy) - width / 2) / width
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # people never seen
        return np.nanmedian(heights, axis=0), np.nanmedian(offsets, axis=0)


def median_body_length(xy: FloatArray) -> FloatArray:
    """(N,) median :func:`body_length` of each person over frames (T, N, 33, 2), NaN: unseen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # people never seen
        return np.asarray(np.nanmedian(body_length(xy), axis=0))


def prominence(xy: FloatArray, frame_size: tuple[int, int]) -> FloatArray:
    """(N,) how prominent each person is over frames (T, N, 33, 2), higher is more: median
    body length (:func:`body_length`) as a share of the frame height minus
    :data:`CENTRE_WEIGHT` x median centre offset. ``-inf`` for a person whose key joints were
    never seen."""
    _height, offset = size_and_offset(xy, frame_size)
    score = median_body_length(xy) / frame_size[1] - CENTRE_WEIGHT * offset
    return np.where(np.isfinite(score), score, -np.inf)


def rank_people(facts: FloatArray, prominent: FloatArray) -> IntArray:
    """People's indices from best to worst: by a policy's fact (higher is better), people
    within :data:`TIE_SHARE` of the best counted as tied, then by prominence."""
    facts = np.asarray(facts, dtype=np.float64)
    best = float(np.max(facts)) if facts.size else 0.0
    tied = facts >= best - TIE_SHARE * abs(best)
    return np.asarray(np.lexsort((-prominent, -np.where(tied, best, facts))), dtype=np.intp)
