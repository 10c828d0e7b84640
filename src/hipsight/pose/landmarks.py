"""BlazePose landmark indices (33 points).

A landmark's side comes from its name in MediaPipe's order (``left_*``, ``mouth_left`` ...).
From the shoulders down (11..32) odd indices are LEFT and even ones RIGHT, but the face breaks
that rule: ``left_eye`` is 2 and ``right_eye`` is 5.
"""

from __future__ import annotations

from typing import Final, Literal

N_LANDMARKS: Final = 33

NOSE: Final = 0
LEFT_EYE: Final = 2
RIGHT_EYE: Final = 5
LEFT_EAR: Final = 7
RIGHT_EAR: Final = 8
LEFT_SHOULDER: Final = 11
RIGHT_SHOULDER: Final = 12
LEFT_ELBOW: Final = 13
RIGHT_ELBOW: Final = 14
LEFT_WRIST: Final = 15
RIGHT_WRIST: Final = 16
LEFT_HIP: Final = 23
RIGHT_HIP: Final = 24
LEFT_KNEE: Final = 25
RIGHT_KNEE: Final = 26
LEFT_ANKLE: Final = 27
RIGHT_ANKLE: Final = 28
LEFT_HEEL: Final = 29
RIGHT_HEEL: Final = 30
LEFT_FOOT_INDEX: Final = 31
RIGHT_FOOT_INDEX: Final = 32

Side = Literal["left", "right"]
SIDES: Final[tuple[Side, Side]] = ("left", "right")

LANDMARK_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

_SIDE_INDEX: Final[dict[str, dict[Side, int]]] = {
    "shoulder": {"left": LEFT_SHOULDER, "right": RIGHT_SHOULDER},
    "elbow": {"left": LEFT_ELBOW, "right": RIGHT_ELBOW},
    "wrist": {"left": LEFT_WRIST, "right": RIGHT_WRIST},
    "hip": {"left": LEFT_HIP, "right": RIGHT_HIP},
    "knee": {"left": LEFT_KNEE, "right": RIGHT_KNEE},
    "ankle": {"left": LEFT_ANKLE, "right": RIGHT_ANKLE},
    "heel": {"left": LEFT_HEEL, "right": RIGHT_HEEL},
    "foot_index": {"left": LEFT_FOOT_INDEX, "right": RIGHT_FOOT_INDEX},
    "ear": {"left": LEFT_EAR, "right": RIGHT_EAR},
    "eye": {"left": LEFT_EYE, "right": RIGHT_EYE},
}

# The key joints of the body: shoulders, hips, knees, ankles (stillness, subject choice, quality).
KEY_BODY: Final[tuple[int, ...]] = (
    LEFT_SHOULDER,
    RIGHT_SHOULDER,
    LEFT_HIP,
    RIGHT_HIP,
    LEFT_KNEE,
    RIGHT_KNEE,
    LEFT_ANKLE,
    RIGHT_ANKLE,
)

# Skeleton edges for drawing (live overlay, report figures, demo video) and segment lengths;
# :func:`edge_side` tells which side each one is drawn in.
SKELETON_EDGES: Final[tuple[tuple[int, int], ...]] = (
    (LEFT_SHOULDER, RIGHT_SHOULDER),
    (LEFT_SHOULDER, LEFT_ELBOW),
    (LEFT_ELBOW, LEFT_WRIST),
    (RIGHT_SHOULDER, RIGHT_ELBOW),
    (RIGHT_ELBOW, RIGHT_WRIST),
    (LEFT_SHOULDER, LEFT_HIP),
    (RIGHT_SHOULDER, RIGHT_HIP),
    (LEFT_HIP, RIGHT_HIP),
    (LEFT_HIP, LEFT_KNEE),
    (LEFT_KNEE, LEFT_ANKLE),
    (RIGHT_HIP, RIGHT_KNEE),
    (RIGHT_KNEE, RIGHT_ANKLE),
    (LEFT_ANKLE, LEFT_HEEL),
    (LEFT_HEEL, LEFT_FOOT_INDEX),
    (LEFT_ANKLE, LEFT_FOOT_INDEX),
    (RIGHT_ANKLE, RIGHT_HEEL),
    (RIGHT_HEEL, RIGHT_FOOT_INDEX),
    (RIGHT_ANKLE, RIGHT_FOOT_INDEX),
)


def _side_of_name(name: str) -> Side | None:
    parts = name.split("_")
    if "left" in parts:
        return "left"
    if "right" in parts:
        return "right"
    return None


# Each landmark's side, read from its name; the nose has none.
LANDMARK_SIDES: Final[tuple[Side | None, ...]] = tuple(_side_of_name(n) for n in LANDMARK_NAMES)


def landmark_side(index: int) -> Side | None:
    """The side a landmark belongs to, from its name; the nose (0) has none."""
    if not 0 <= index < N_LANDMARKS:
        raise ValueError(f"landmark index must be in [0, {N_LANDMARKS}), got {index}")
    return LANDMARK_SIDES[index]


def edge_side(a: int, b: int) -> Side | None:
    """The side of a skeleton edge: its landmarks' side when they share one, else None (centre)."""
    side = landmark_side(a)
    return side if side == landmark_side(b) else None


def landmark_index(part: str, side: Side) -> int:
    """Return the BlazePose index of a sided body part, e.g. ``landmark_index("hip", "left")``."""
    if part not in _SIDE_INDEX:
        raise ValueError(f"unknown body part {part!r}; expected one of {sorted(_SIDE_INDEX)}")
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return _SIDE_INDEX[part][side]
