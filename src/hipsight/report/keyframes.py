"""Key frames of a test: skeleton snapshots at the peak of each rep or hold.

The peak of a rep or hold is the frame where the test's main angle is furthest from its value
at rest. The skeleton is drawn from the landmarks over the matching video frame when the session
has the video and its frames line up with the landmarks; otherwise on a blank canvas.
"""

# Lazy imports on purpose: OpenCV (video frames) is imported only when a video is read.

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from markupsafe import Markup

from hipsight.errors import HipsightError
from hipsight.pose import landmarks as lm
from hipsight.pose.sequence import PoseSequence
from hipsight.report import plots
from hipsight.report.views import (
    FigureView,
    angle_side,
    base_angle,
    humanize,
    segment_labels,
    whole_degrees,
)
from hipsight.results import Segment, TestRecord
from hipsight.session.series import AngleSeries, resolve_test_file

MAX_KEY_FRAMES = 4
ANGLE_SHORT = {
    "hip_flexion": "hip",
    "knee_flexion": "knee",
    "ankle_dorsiflexion": "ankle",
    "trunk_inclination": "trunk",
    "thigh_inclination": "thigh",
    "shank_inclination": "shank",
    "pelvic_obliquity": "pelvis",
    "shoulder_tilt": "shoulders",
    "trunk_lateral_inclination": "trunk",
    "knee_fppa": "FPPA",
    "shank_frontal_inclination": "shank",
}
ANCHOR_PART = {
    "hip": "hip",
    "knee": "knee",
    "ankle": "ankle",
    "thigh": "knee",
    "shank": "ankle",
}
__all__ = ["key_frame_figures", "peak_row", "pick_key_frames", "rest_value"]


def key_frame_figures(
    record: TestRecord,
    session_dir: Path,
    sequence: PoseSequence | None,
    series: AngleSeries | None,
    *,
    groups: Sequence[tuple[str, list[str]]],
    notes: list[str],
    prefix: str,
) -> list[FigureView]:
    """Skeletons at the peak of each rep or hold (over the video frame when there is one)."""
    if sequence is None or series is None or not groups:
        return []
    primary = groups[0][1]
    picks = pick_key_frames(series, primary, record.result.segments)
    video = resolve_test_file(session_dir, record, "video")
    figures = []
    for i, (label, angle, row) in enumerate(picks):
        frame = frame_for_row(sequence, series, row)
        xy = sequence.image_xy[frame]
        if not np.isfinite(xy).any():
            continue
        image = (
            read_video_frame(video, frame, float(sequence.t[frame]), sequence, notes)
            if video is not None
            else None
        )
        labels = joint_labels(series, row, [n for _, names in groups for n in names], xy)
        value = series.column(angle)[row]
        title = f"{label}: {humanize(angle)} {whole_degrees(value)} at {series.t[row]:.2f} s"
        svg = plots.plot_skeleton(
            xy, sequence.meta.frame_size, image=image, labels=labels, label=title
        )
        caption = title + ("" if image is not None else " (skeleton from the landmarks)")
        figures.append(FigureView(Markup(plots.scope_svg_ids(svg, f"{prefix}k{i}")), caption))
    return figures


def pick_key_frames(
    series: AngleSeries, primary: Sequence[str], segments: Sequence[Segment]
) -> list[tuple[str, str, int]]:
    """(label, angle, row) of peak frames: one per rep/hold kind and side first, then the rest."""
    picks: list[tuple[str, str, int]] = []
    if segments:
        ordered = sorted(
            range(len(segments)), key=lambda i: (i not in first_per_group(segments), i)
        )
        labels = segment_labels(segments)
        for i in ordered[:MAX_KEY_FRAMES]:
            segment = segments[i]
            angle = next((n for n in primary if angle_side(n) == segment.side), primary[0])
            values = series.column(angle)
            row = peak_row(values, segment.start, segment.stop, rest_value(values, segments))
            if row is not None:
                picks.append((labels[i], angle, row))
        return sorted(picks, key=lambda p: p[2])
    for angle in primary[:2]:
        values = series.column(angle)
        row = peak_row(values, 0, series.n_frames, rest_value(values, ()))
        if row is not None:
            picks.append((f"peak {angle_side(angle) or ''}".strip(), angle, row))
    return picks


def first_per_group(segments: Sequence[Segment]) -> set[int]:
    seen: dict[tuple[str, str | None], int] = {}
    for i, segment in enumerate(segments):
        seen.setdefault((segment.kind, segment.side), i)
    return set(seen.values())


def rest_value(values: np.ndarray, segments: Sequence[Segment]) -> float | None:
    """The angle at rest: the median outside the reps and holds, else at their edges, else at the
    recording's start and end. The peak of a rep or hold is the frame furthest from it."""
    n = len(values)
    inside = np.zeros(n, dtype=bool)
    for segment in segments:
        inside[max(0, segment.start) : min(n, segment.stop)] = True
    outside = values[~inside & np.isfinite(values)]
    if outside.size >= 10:
        return float(np.median(outside))
    edges = [i for s in segments for i in (s.start, s.stop - 1) if 0 <= i < n]
    if not edges:
        k = max(1, n // 10)
        edges = [*range(k), *range(n - k, n)]
    at_edges = values[edges]
    at_edges = at_edges[np.isfinite(at_edges)]
    if at_edges.size:
        return float(np.median(at_edges))
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else None


def peak_row(values: np.ndarray, start: int, stop: int, rest: float | None) -> int | None:
    """The frame in ``start:stop`` furthest from the angle at rest (the movement's peak)."""
    finite = np.isfinite(values)
    start, stop = max(0, start), min(len(values), stop)
    if rest is None or stop <= start or not finite[start:stop].any():
        return None
    window = np.where(finite[start:stop], np.abs(values[start:stop] - rest), -np.inf)
    return start + int(np.argmax(window))


def frame_for_row(sequence: PoseSequence, series: AngleSeries, row: int) -> int:
    """The landmark frame of a series row (same index when the lengths match, else nearest time)."""
    if series.n_frames == sequence.n_frames:
        return row
    return int(np.argmin(np.abs(sequence.t - series.t[row])))


def joint_labels(
    series: AngleSeries, row: int, names: Sequence[str], xy: np.ndarray
) -> list[plots.JointLabel]:
    labels = []
    for name in names:
        value = series.column(name)[row]
        point = anchor_point(name, xy)
        if point is None or not np.isfinite(value):
            continue
        short = ANGLE_SHORT.get(base_angle(name), humanize(base_angle(name)))
        side = angle_side(name)
        labels.append(
            plots.JointLabel(
                float(point[0]),
                float(point[1]),
                f"{short} {whole_degrees(value)}",
                plots.side_color(side),
                side,
            )
        )
    return labels


def anchor_point(name: str, xy: np.ndarray) -> np.ndarray | None:
    """Where to write an angle's value: its joint, or the middle of the trunk/pelvis line."""
    base, side = base_angle(name), angle_side(name)
    part = next((p for key, p in ANCHOR_PART.items() if base.startswith(key)), None)
    if part is not None and side is not None:
        point = xy[lm.landmark_index(part, side)]
    elif base.startswith(("pelvic", "hip")):
        point = (xy[lm.LEFT_HIP] + xy[lm.RIGHT_HIP]) / 2
    else:
        point = (xy[lm.LEFT_SHOULDER] + xy[lm.RIGHT_SHOULDER]) / 2
    return point if np.isfinite(point).all() else None


def read_video_frame(
    path: Path, frame: int, t_s: float, sequence: PoseSequence, notes: list[str]
) -> np.ndarray | None:
    """The RGB video frame matching a landmark frame, or None (with a note) when it cannot be.

    The frame matches when the video has the landmarks' frame size and either the same number of
    frames (one landmark row per video frame, as the guided session records) or the frame's
    timestamp agrees with the landmark time within 1.5 frame periods (a clip analysed whole).
    """
    if not path.is_file():
        _note_once(
            notes,
            f"The video {path.name} listed for this test is missing; "
            "key frames show the skeleton only.",
        )
        return None
    try:
        from hipsight.io.sources import open_source

        with open_source(input_path=path, start_frame=frame, stop_frame=frame + 1) as source:
            count = None if source.info is None else source.info.frame_count
            size_ok = source.frame_size == tuple(sequence.meta.frame_size)
            long_enough = count is None or count > frame
            decoded = next(iter(source), None) if size_ok and long_enough else None
    except (ImportError, HipsightError, ValueError, OSError) as exc:
        _note_once(
            notes, f"The video could not be read ({exc}); key frames show the skeleton only."
        )
        return None
    same_count = count == sequence.n_frames
    same_time = decoded is not None and abs(decoded.t_s - t_s) <= 1.5 / max(sequence.fps, 1.0)
    if decoded is None or not (same_count or same_time):
        _note_once(
            notes,
            "The video's frames do not line up with the landmarks; "
            "key frames show the skeleton only.",
        )
        return None
    return decoded.rgb


def _note_once(notes: list[str], note: str) -> None:
    if note not in notes:
        notes.append(note)
