"""Overlays rendered to pixels: the skeleton where the landmarks are, the gauge's needle and value.

Every test also writes its PNG to /tmp/hipsight_live_png/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from live_support import FRAME, fake_protocol, front_cam, side_cam

from hipsight.io.video import Frame
from hipsight.live import render
from hipsight.live.examples import example_skeleton
from hipsight.live.overlay import Banner, Card, Counter, Gauge, Overlay, Skeleton
from hipsight.live.plan import build_plan
from hipsight.live.render import (
    LEFT_COLOR,
    OK_COLOR,
    RIGHT_COLOR,
    WARN_COLOR,
    GaugeAnnotator,
    OverlayRenderer,
    gauge_fraction,
    printable,
)
from hipsight.live.session import gauge_span, instruction_card, instruction_pages
from hipsight.pose import landmarks as lm
from hipsight.protocols.registry import all_protocols
from hipsight.samples.synthetic import Pose, make_sequence

BACKGROUND = 90


def blank_frame() -> Frame:
    return Frame(0, 0.0, np.full((FRAME[1], FRAME[0], 3), BACKGROUND, dtype=np.uint8))


def person(pose: Pose | None = None, camera=None) -> Skeleton:
    seq = make_sequence(pose or Pose(), camera or front_cam(), n_frames=1).sequence
    return Skeleton(seq.image_xy[0], seq.visibility[0])


def pixel(image: np.ndarray, xy: np.ndarray | tuple[float, float]) -> tuple[int, int, int]:
    x, y = (round(float(v)) for v in xy)
    b, g, r = image[y, x]
    return int(b), int(g), int(r)


def close(color: tuple[int, int, int], expected: tuple[int, int, int], tol: int = 30) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(color, expected, strict=True))


def save(png_dir: Path, name: str, image: np.ndarray) -> None:
    cv2.imwrite(str(png_dir / f"{name}.png"), image)


def test_skeleton_joints_are_drawn_at_the_landmarks_in_side_colours(png_dir: Path) -> None:
    skeleton = person()
    image = OverlayRenderer().render(blank_frame(), Overlay(state="capture", skeleton=skeleton))
    save(png_dir, "skeleton_front", image)
    for index in (lm.LEFT_HIP, lm.LEFT_KNEE, lm.LEFT_ANKLE, lm.LEFT_SHOULDER):
        assert close(pixel(image, skeleton.image_xy[index]), LEFT_COLOR), index
    for index in (lm.RIGHT_HIP, lm.RIGHT_KNEE, lm.RIGHT_ANKLE, lm.RIGHT_SHOULDER):
        assert close(pixel(image, skeleton.image_xy[index]), RIGHT_COLOR), index
    # the left thigh is drawn between hip and knee; the background stays far from the body
    middle = (skeleton.image_xy[lm.LEFT_HIP] + skeleton.image_xy[lm.LEFT_KNEE]) / 2
    assert close(pixel(image, middle), LEFT_COLOR)
    assert pixel(image, (30, FRAME[1] - 30)) == (BACKGROUND,) * 3


def test_skeleton_follows_the_canvas_scale(png_dir: Path) -> None:
    skeleton = person(Pose(left_hip_flexion_deg=40.0, left_knee_flexion_deg=60.0), side_cam())
    image = OverlayRenderer(canvas_scale=2.0).render(
        blank_frame(), Overlay(state="capture", skeleton=skeleton)
    )
    save(png_dir, "skeleton_side_2x", image)
    assert image.shape[:2] == (2 * FRAME[1], 2 * FRAME[0])
    knee = skeleton.image_xy[lm.LEFT_KNEE] * 2
    assert close(pixel(image, knee), LEFT_COLOR)


def test_the_subject_is_drawn_prominently_and_others_faded(png_dir: Path) -> None:
    subject = person(Pose(left_hip_flexion_deg=30.0, left_knee_flexion_deg=60.0))
    shift = np.array([FRAME[0] * 0.3, 0.0])
    other = Skeleton(subject.image_xy + shift, subject.visibility)
    image = OverlayRenderer().render(
        blank_frame(), Overlay(state="capture", skeleton=subject, others=(other,))
    )
    save(png_dir, "subject_and_other", image)

    assert close(pixel(image, subject.image_xy[lm.LEFT_KNEE]), LEFT_COLOR)
    assert close(pixel(image, subject.image_xy[lm.RIGHT_KNEE]), RIGHT_COLOR)
    faded = pixel(image, other.image_xy[lm.LEFT_KNEE])
    assert faded != (BACKGROUND,) * 3  # the other person is there ...
    assert max(faded) - min(faded) <= 5  # ... in grey, not in side colours ...
    assert max(faded) < 160  # ... and blended into the frame, not bright
    # thinner: the subject's bone is wider than the other's at the same place along the thigh
    mid = (subject.image_xy[lm.LEFT_HIP] + subject.image_xy[lm.LEFT_KNEE]) / 2
    row = round(float(mid[1]))

    def width(x: float) -> int:
        cols = image[row, round(x) - 20 : round(x) + 21]
        return int((np.abs(cols.astype(int) - BACKGROUND).sum(axis=1) > 20).sum())

    assert width(mid[0]) > width(mid[0] + shift[0])


def test_invisible_landmarks_are_not_drawn() -> None:
    skeleton = person()
    visibility = skeleton.visibility.copy()
    visibility[lm.LEFT_KNEE] = 0.1
    image = OverlayRenderer().render(
        blank_frame(), Overlay(state="capture", skeleton=Skeleton(skeleton.image_xy, visibility))
    )
    assert pixel(image, skeleton.image_xy[lm.LEFT_KNEE]) == (BACKGROUND,) * 3


@pytest.mark.parametrize(("value", "color"), [(110.0, OK_COLOR), (40.0, WARN_COLOR)])
def test_gauge_needle_points_at_the_value_in_band_colour(
    png_dir: Path, value: float, color
) -> None:
    band = (80.0, 120.0)
    gauge = Gauge("left knee flexion", value, band, gauge_span(band))
    image = OverlayRenderer().render(blank_frame(), Overlay(state="capture", gauge=gauge))
    save(png_dir, f"gauge_{value:.0f}", image)
    geometry = GaugeAnnotator().geometry(image)
    fraction = gauge_fraction(value, gauge.span)
    assert close(pixel(image, geometry.point(fraction, 0.6)), color)
    # nothing of the needle's colour on the mirrored direction
    assert not close(pixel(image, geometry.point(1.0 - fraction, 0.6)), color)


def test_gauge_value_digits_are_drawn_under_the_hub() -> None:
    band = (80.0, 120.0)
    renderer = OverlayRenderer()
    with_value = renderer.render(
        blank_frame(), Overlay(state="capture", gauge=Gauge("x", 100.0, band, (40, 160)))
    )
    without = renderer.render(
        blank_frame(), Overlay(state="capture", gauge=Gauge("x", None, band, (40, 160)))
    )
    geometry = GaugeAnnotator().geometry(with_value)
    cx, cy = geometry.centre
    r = geometry.radius
    below = (slice(cy + r // 4, cy + r), slice(cx - r, cx + r))
    green = np.all(np.abs(with_value[below].astype(int) - OK_COLOR) < 40, axis=2)
    assert green.sum() > 50  # the value in the band colour
    green_none = np.all(np.abs(without[below].astype(int) - OK_COLOR) < 40, axis=2)
    assert green_none.sum() == 0  # "--" is white


def test_band_arc_is_green_inside_and_grey_outside() -> None:
    band = (80.0, 120.0)
    gauge = Gauge("x", None, band, (40.0, 160.0))
    image = OverlayRenderer().render(blank_frame(), Overlay(state="capture", gauge=gauge))
    geometry = GaugeAnnotator().geometry(image)
    assert close(pixel(image, geometry.point(gauge_fraction(100.0, gauge.span))), OK_COLOR)
    outside = pixel(image, geometry.point(gauge_fraction(50.0, gauge.span)))
    assert not close(outside, OK_COLOR)


def test_counter_banner_and_countdown_render(png_dir: Path) -> None:
    overlay = Overlay(
        state="capture",
        step="2/5  Hip extension, LEFT leg",
        skeleton=person(camera=side_cam()),
        gauge=Gauge("left hip flexion", -14.0, (-30.0, -10.0), gauge_span((-30.0, -10.0))),
        counter=Counter("REP 3 / 5", 0.6),
        banner=Banner("turn sideways", "warn"),
    )
    image = OverlayRenderer().render(blank_frame(), overlay, status="27 fps  41 ms")
    save(png_dir, "capture_full", image)
    # the banner fills the bottom band with its tone
    assert not close(pixel(image, (5, FRAME[1] - 5)), (BACKGROUND,) * 3)
    countdown = OverlayRenderer().render(blank_frame(), Overlay(state="countdown", countdown=2))
    save(png_dir, "countdown", countdown)
    centre = countdown[
        FRAME[1] // 2 - 60 : FRAME[1] // 2 + 60, FRAME[0] // 2 - 40 : FRAME[0] // 2 + 40
    ]
    assert (centre > 240).all(axis=2).sum() > 500  # big white digit


def test_cards_for_every_registered_protocol(png_dir: Path) -> None:
    renderer = OverlayRenderer()
    for step in build_plan(all_protocols()):
        pages = instruction_pages(step)
        assert " ".join(" ".join(p) for p in pages).endswith(
            step.protocol.instructions.strip()[-20:]
        )
        for page in range(len(pages)):
            card = instruction_card(step, page)
            image = renderer.render(blank_frame(), Overlay(state="instruct", card=card))
            save(png_dir, f"card_{step.key}_{page + 1}", image)
            assert card.example is not None and np.isfinite(card.example[lm.LEFT_HIP]).all()
            # the example skeleton (saturated blue/orange) stays out of the text column
            text_right = FRAME[0] - round(0.04 * FRAME[1]) - round(0.36 * FRAME[0])  # card layout
            body = image[int(0.2 * FRAME[1]) : int(0.85 * FRAME[1]), :text_right]
            saturated = body.max(axis=2).astype(int) - body.min(axis=2).astype(int) > 120
            assert saturated.sum() == 0, f"{step.key}: example pose drawn over the text"
            # the title band is drawn in the info tone
            assert not close(pixel(image, (3, 3)), (BACKGROUND,) * 3)


def test_example_skeleton_fills_its_unit_box() -> None:
    protocol = fake_protocol("fake_squat", reps=1)
    skeleton = example_skeleton(protocol, "left")
    finite = skeleton[np.isfinite(skeleton).all(axis=1)]
    assert finite.min() >= -1e-9 and finite.max() <= 1 + 1e-9
    assert np.isclose((finite.max(axis=0) - finite.min(axis=0)).max(), 1.0)


def test_result_card_and_paused_render(png_dir: Path) -> None:
    card = Card(
        "Squat: measured",
        ("Knee flexion (left): 112°", "Trunk lean: 35°", "! knee fppa left: mild"),
        footer="r: redo   next in 6 s",
        tone="result",
    )
    image = OverlayRenderer(canvas_scale=2.0).render(
        blank_frame(), Overlay(state="result", card=card)
    )
    save(png_dir, "result_card_2x", image)
    paused = OverlayRenderer().render(blank_frame(), Overlay(state="position", paused=True))
    save(png_dir, "paused", paused)
    assert (paused[FRAME[1] // 2 - 30 : FRAME[1] // 2, :] > 240).all(axis=2).sum() > 200


def test_text_falls_back_to_ascii_without_a_unicode_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "unicode_text", lambda: False)
    assert printable("tilted by 6°, – ok") == "tilted by 6 deg, - ok"
