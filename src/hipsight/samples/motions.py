"""Ready-made synthetic motions for the screening tests (a :class:`Pose` over time each).

Each function takes the time axis ``t`` (seconds, e.g. from :func:`time_axis`) and returns a
:class:`~hipsight.samples.synthetic.Pose`; film it with :func:`make_sequence` and a camera
preset. The motions are smooth (sinusoids and minimum-jerk ramps), so the 6 Hz filter leaves
them practically untouched. Their parameters are the clinically relevant knobs (depth, range,
compensation) so that protocol tests can build a "normal" and a "deficit" case.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from hipsight.pose.landmarks import Side
from hipsight.samples.synthetic import BodyDimensions, Pose, sinusoid, smooth_ramp

__all__ = [
    "bridge",
    "seated_hip_rotation",
    "single_leg_bridge",
    "single_leg_stance",
    "squat",
    "standing_hip_extension",
    "thomas_test",
    "walk",
]


def squat(
    t: ArrayLike,
    *,
    hip_flexion_deg: float = 100.0,
    knee_flexion_deg: float = 110.0,
    trunk_flexion_deg: float = 20.0,
    period_s: float = 3.0,
    valgus_deg: float = 0.0,
    body_yaw_deg: float = 0.0,
    dims: BodyDimensions | None = None,
) -> Pose:
    """Bodyweight squats with the feet flat on the floor (the pelvis drops and moves back).

    ``hip_flexion_deg`` is thigh vs pelvis at the bottom (the measured hip flexion, thigh vs
    trunk, adds ``trunk_flexion_deg``). ``valgus_deg`` adds hip adduction and internal rotation
    at depth, so the knees move medially (FPPA grows with depth).
    """
    dims = BodyDimensions() if dims is None else dims
    depth = sinusoid(t, 0.0, 1.0, period_s)
    hip = hip_flexion_deg * depth
    knee = knee_flexion_deg * depth
    shank_forward = knee - hip  # shank inclination with the pelvis level (body pitch 0)
    pelvis = _pelvis_over_feet(hip, shank_forward, body_yaw_deg, dims)
    inward = valgus_deg * depth
    return Pose(
        pelvis_xyz=pelvis,
        body_yaw_deg=body_yaw_deg,
        trunk_flexion_deg=trunk_flexion_deg * depth,
        left_hip_flexion_deg=hip,
        right_hip_flexion_deg=hip,
        left_knee_flexion_deg=knee,
        right_knee_flexion_deg=knee,
        left_ankle_dorsiflexion_deg=shank_forward,
        right_ankle_dorsiflexion_deg=shank_forward,
        left_hip_abduction_deg=-inward,
        right_hip_abduction_deg=-inward,
        left_hip_internal_rotation_deg=inward,
        right_hip_internal_rotation_deg=inward,
        left_shoulder_flexion_deg=90.0 * depth,
        right_shoulder_flexion_deg=90.0 * depth,
    )


def standing_hip_extension(
    t: ArrayLike,
    side: Side = "left",
    *,
    extension_deg: float = 15.0,
    trunk_compensation_deg: float = 0.0,
    period_s: float = 3.0,
) -> Pose:
    """Standing on one leg, swinging the other straight leg back to ``extension_deg``.

    ``trunk_compensation_deg`` leans the trunk backward (lumbar arching) at the end of the range.
    The measured hip extension (thigh vs trunk) is ``extension_deg + trunk_compensation_deg``.
    """
    phase = sinusoid(t, 0.0, 1.0, period_s)
    return Pose(trunk_flexion_deg=-trunk_compensation_deg * phase).replace(
        **{f"{side}_hip_flexion_deg": -extension_deg * phase}
    )


def single_leg_stance(
    t: ArrayLike,
    stance: Side = "left",
    *,
    pelvic_drop_deg: float = 0.0,
    trunk_lean_deg: float = 0.0,
    sway_deg: float = 1.0,
    sway_period_s: float = 2.0,
) -> Pose:
    """Standing on the ``stance`` leg with the other knee lifted (hip 30°, knee 60°).

    ``pelvic_drop_deg`` lowers the swing side (Trendelenburg); ``trunk_lean_deg`` leans the
    trunk toward the stance side. ``sway_deg`` adds a small, slow frontal sway.
    """
    swing: Side = "right" if stance == "left" else "left"
    toward_left = 1.0 if stance == "left" else -1.0
    obliquity = toward_left * pelvic_drop_deg + sinusoid(t, -sway_deg, sway_deg, sway_period_s)
    pose = Pose(
        pelvic_obliquity_deg=obliquity,
        # the lean is relative to the pelvis: add the obliquity back to lean vs the vertical
        trunk_lateral_lean_deg=toward_left * trunk_lean_deg + obliquity,
    )
    legs: dict[str, ArrayLike] = {
        f"{swing}_hip_flexion_deg": 30.0,
        f"{swing}_knee_flexion_deg": 60.0,
        f"{stance}_hip_abduction_deg": -toward_left * obliquity,  # keeps the stance leg vertical
    }
    return pose.replace(**legs)


def bridge(
    t: ArrayLike,
    *,
    lift_deg: float = 22.5,
    period_s: float = 4.0,
    dims: BodyDimensions | None = None,
    profile: ArrayLike | None = None,
) -> Pose:
    """Glute bridges: supine, knees bent, feet planted, lifting the pelvis about the shoulders.

    The pelvis rises until the hip→shoulder line slopes ``lift_deg`` down to the floor; hips and
    knees follow from the planted feet (two-link inverse kinematics). At rest the hips are flexed
    about 47° and the knees about 100°. With the default dimensions ``lift_deg=22.5`` ends at a
    straight shoulder–hip–knee line (hip flexion ≈ 0); about 2.2° less lift leaves the hips 5°
    flexed (a sagging bridge), more lift extends them beyond the line. ``profile`` (0 resting ..
    1 top, one value per time) replaces the sinusoid with ``period_s``.
    """
    dims = BodyDimensions() if dims is None else dims
    shape = sinusoid(t, 0.0, 1.0, period_s) if profile is None else np.asarray(profile, float)
    lift = np.radians(lift_deg * shape)
    pitch = 90.0 + np.degrees(lift)  # beyond supine: the head end lower than the pelvis
    rest_height = dims.ankle_height_m + 0.03
    hip_x = -dims.trunk_m * (1.0 - np.cos(lift))  # the shoulders stay put (the head is at -X)
    hip_y = rest_height + dims.trunk_m * np.sin(lift)
    thigh_deg, shank_deg = _two_link(
        hip_x, hip_y, ankle_x=0.55, ankle_y=dims.ankle_height_m, dims=dims
    )
    pelvis = np.stack([hip_x, hip_y, np.zeros_like(hip_x)], axis=-1)
    return Pose(
        pelvis_xyz=pelvis,
        body_pitch_deg=pitch,
        left_hip_flexion_deg=thigh_deg - pitch,
        right_hip_flexion_deg=thigh_deg - pitch,
        left_knee_flexion_deg=thigh_deg + shank_deg,
        right_knee_flexion_deg=thigh_deg + shank_deg,
        left_ankle_dorsiflexion_deg=shank_deg,  # foot flat on the floor
        right_ankle_dorsiflexion_deg=shank_deg,
        left_shoulder_flexion_deg=90.0 - pitch,  # arms flat on the floor
        right_shoulder_flexion_deg=90.0 - pitch,
    )


def single_leg_bridge(
    t: ArrayLike,
    holds: dict[Side, tuple[float, float]],
    drop_deg: dict[Side, float] | None = None,
) -> tuple[Pose, np.ndarray]:
    """Bridge up on both feet (1-2 s), then per supporting leg straighten the other leg in line
    with the thigh from ``holds[support][0]`` to ``holds[support][1]`` seconds.

    Returns the pose and the roll of the body about its shoulder-to-hip line (deg, + lowers the
    right hip) that drops the pelvis by ``drop_deg[support]`` on the lifted side while it is
    straight: the pose has no parameter for that roll, so film the pose and roll its landmarks
    with :func:`~hipsight.samples.synthetic.with_body_roll`.
    """
    t_arr = np.asarray(t, dtype=np.float64)
    drops = drop_deg or {}
    up = smooth_ramp(t_arr, 0, 1, 1.0, 2.0)
    knees = {"left": np.full_like(t_arr, 100.0), "right": np.full_like(t_arr, 100.0)}
    roll = np.zeros_like(t_arr)
    for support, (start, stop) in holds.items():
        free: Side = "right" if support == "left" else "left"
        straight = smooth_ramp(t_arr, 0, 1, start, start + 0.5) - smooth_ramp(
            t_arr, 0, 1, stop, stop + 0.5
        )
        knees[free] = knees[free] * (1 - straight)
        roll += (1.0 if free == "right" else -1.0) * drops.get(support, 0.0) * straight
    pose = Pose(
        pelvis_xyz=np.stack([np.zeros_like(t_arr), 0.1 + 0.15 * up, np.zeros_like(t_arr)], axis=1),
        body_pitch_deg=90.0 + 20.0 * up,
        left_hip_flexion_deg=55.0 * (1 - up),
        right_hip_flexion_deg=55.0 * (1 - up),
        left_knee_flexion_deg=knees["left"],
        right_knee_flexion_deg=knees["right"],
    )
    return pose, roll


def walk(
    t: ArrayLike,
    *,
    hip_lo: float = -15.0,
    hip_hi: float = 25.0,
    period_s: float = 1.0,
    speed_m_s: float = 0.0,
    start_x_m: float | None = None,
) -> Pose:
    """Walking: sinusoidal hip flexion ``hip_lo..hip_hi`` (the legs half a cycle apart), knee
    flexion 5..60 deg peaking in early swing, arms swinging against the legs.

    The true late-stance peak hip extension is ``-hip_lo`` and the hip flexion range per stride
    ``hip_hi - hip_lo``. ``speed_m_s`` 0 is a treadmill; otherwise the walker travels along lab
    +X (the way they face) at that speed, through the origin at the middle of ``t`` unless
    ``start_x_m`` sets the position at the first time.
    """
    t_arr = np.asarray(t, dtype=np.float64)
    hip = {
        side: sinusoid(t_arr, hip_hi, hip_lo, period_s, phase)
        for side, phase in (("left", 0.0), ("right", 180.0))
    }
    knee = {
        side: sinusoid(t_arr, 5.0, 60.0, period_s, phase)
        for side, phase in (("left", -79.0), ("right", 101.0))
    }
    if start_x_m is None:
        x = speed_m_s * (t_arr - (t_arr[0] + t_arr[-1]) / 2.0)
    else:
        x = start_x_m + speed_m_s * (t_arr - t_arr[0])
    return Pose(
        pelvis_xyz=np.stack([x, np.full_like(t_arr, 0.93), np.zeros_like(t_arr)], axis=1),
        left_hip_flexion_deg=hip["left"],
        right_hip_flexion_deg=hip["right"],
        left_knee_flexion_deg=knee["left"],
        right_knee_flexion_deg=knee["right"],
        left_shoulder_flexion_deg=-0.5 * hip["left"],
        right_shoulder_flexion_deg=-0.5 * hip["right"],
    )


def thomas_test(
    t: ArrayLike,
    tested: Side = "left",
    *,
    thigh_below_horizontal_deg: float = 10.0,
    knee_flexion_deg: float = 70.0,
    bed_height_m: float = 0.6,
) -> Pose:
    """Modified Thomas test: supine at a bed edge, the other knee hugged, the tested leg hanging.

    The tested thigh hangs ``thigh_below_horizontal_deg`` below the horizontal (negative: above
    it, a tight hip flexor); its knee is flexed ``knee_flexion_deg``. The pelvis is level.
    """
    hugged: Side = "right" if tested == "left" else "left"
    n = np.shape(np.asarray(t))[0]
    return Pose(
        pelvis_xyz=np.broadcast_to(np.array([0.0, bed_height_m + 0.1, 0.0]), (n, 3)),
        body_pitch_deg=90.0,
    ).replace(
        **{
            f"{tested}_hip_flexion_deg": -thigh_below_horizontal_deg,
            f"{tested}_knee_flexion_deg": knee_flexion_deg,
            f"{hugged}_hip_flexion_deg": 120.0,
            f"{hugged}_knee_flexion_deg": 130.0,
        }
    )


def seated_hip_rotation(
    t: ArrayLike,
    side: Side = "left",
    *,
    internal_deg: float = 38.0,
    external_deg: float = 40.0,
    period_s: float = 6.0,
    chair_height_m: float = 0.5,
) -> Pose:
    """Sitting with hips and knees at 90°, rotating one hip from ``external_deg`` of external
    rotation to ``internal_deg`` of internal rotation (the shank swings out, then in)."""
    rotation = sinusoid(t, -external_deg, internal_deg, period_s)
    n = np.shape(np.asarray(t))[0]
    return Pose(
        pelvis_xyz=np.broadcast_to(np.array([0.0, chair_height_m, 0.0]), (n, 3)),
        left_hip_flexion_deg=90.0,
        right_hip_flexion_deg=90.0,
        left_knee_flexion_deg=90.0,
        right_knee_flexion_deg=90.0,
    ).replace(**{f"{side}_hip_internal_rotation_deg": rotation})


def _pelvis_over_feet(
    hip_deg: np.ndarray, shank_forward_deg: np.ndarray, yaw_deg: float, dims: BodyDimensions
) -> np.ndarray:
    """Mid-hip lab position that keeps the ankles fixed at the origin for a squat pose."""
    thigh = np.radians(hip_deg)
    shank = np.radians(shank_forward_deg)
    forward = dims.shank_m * np.sin(shank) - dims.thigh_m * np.sin(thigh)
    height = dims.ankle_height_m + dims.shank_m * np.cos(shank) + dims.thigh_m * np.cos(thigh)
    yaw = np.radians(yaw_deg)
    return np.stack([forward * np.cos(yaw), height, -forward * np.sin(yaw)], axis=-1)


def _two_link(
    hip_x: np.ndarray,
    hip_y: np.ndarray,
    *,
    ankle_x: float,
    ankle_y: float,
    dims: BodyDimensions,
) -> tuple[np.ndarray, np.ndarray]:
    """Thigh and shank inclinations (deg, lab, body yaw 0) that put the ankle at a fixed point.

    Thigh inclination: rotation of hip→knee from straight down toward +X; shank inclination:
    positive when the knee is on the +X side of the ankle. The knee bends toward +X / up.
    """
    dx, dy = ankle_x - hip_x, ankle_y - hip_y
    reach = np.hypot(dx, dy)
    if np.any(reach > dims.thigh_m + dims.shank_m) or np.any(reach < 1e-6):
        raise ValueError(f"ankle out of reach of the hip: distance {reach.max():.3f} m")
    cos_a = (dims.thigh_m**2 + reach**2 - dims.shank_m**2) / (2.0 * dims.thigh_m * reach)
    towards_ankle = np.arctan2(dx, -dy)  # inclination of the hip→ankle line
    thigh = towards_ankle + np.arccos(np.clip(cos_a, -1.0, 1.0))
    knee_x = hip_x + dims.thigh_m * np.sin(thigh)
    knee_y = hip_y - dims.thigh_m * np.cos(thigh)
    shank = np.arctan2(knee_x - ankle_x, knee_y - ankle_y)
    return np.degrees(thigh), np.degrees(shank)
