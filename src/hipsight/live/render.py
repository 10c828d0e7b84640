"""Drawing the live overlays with OpenCV (the only live module that draws pixels).

Annotators follow one pattern: styled in ``__init__``, then ``annotate(scene, data) -> scene``
draws onto a BGR image in place and returns it. Sizes are fractions of the scene height, so the
same overlay reads well at 640x480 and at a window's 1280x960; text meant for a person 2–3 m
away is at least :data:`MIN_TEXT_SHARE` of the height.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray

from hipsight.io.video import Frame
from hipsight.live.overlay import Banner, Card, Counter, Gauge, Overlay, Skeleton, Tone
from hipsight.pose.landmarks import NOSE, SKELETON_EDGES, edge_side, landmark_side

Color = tuple[int, int, int]  # BGR
Image = NDArray[np.uint8]

LEFT_COLOR: Color = (0, 140, 255)  # orange: the person's left side
RIGHT_COLOR: Color = (255, 170, 0)  # blue: the person's right side
CENTRE_COLOR: Color = (245, 245, 245)
TEXT_COLOR: Color = (255, 255, 255)
SHADOW_COLOR: Color = (0, 0, 0)
OK_COLOR: Color = (60, 190, 60)
WARN_COLOR: Color = (0, 110, 235)
TRACK_COLOR: Color = (110, 110, 110)
FADED_COLOR: Color = (150, 150, 150)  # people in view who are not the subject
FADED_ALPHA = 0.45  # ... drawn this opaque
FOOTER_COLOR: Color = (200, 230, 255)
TONE_COLORS: dict[Tone, Color] = {
    "info": (150, 90, 20),
    "warn": (0, 90, 215),
    "ok": (40, 150, 40),
    "result": (110, 70, 30),
}

FONT = cv2.FONT_HERSHEY_DUPLEX
MIN_TEXT_SHARE = 1 / 24  # smallest text meant for the person, as a share of the scene height
LINE_SPACING = 1.6  # baseline to baseline, in text heights


# ---------------------------------------------------------------------------- text
@lru_cache(maxsize=1)
def unicode_text() -> bool:
    """OpenCV 5 draws text with a built-in Unicode font; OpenCV 4's Hershey fonts are ASCII."""
    return int(cv2.__version__.split(".", 1)[0]) >= 5


@lru_cache(maxsize=1)
def _cap_height() -> float:
    (_, height), _ = cv2.getTextSize("H", FONT, 1.0, 2)
    return float(height)


_ASCII = {"°": " deg", "–": "-", "—": "-", "·": "-", "’": "'", "‘": "'", "“": '"', "”": '"'}


def printable(text: str) -> str:
    """The text as the font can draw it (ASCII for the Hershey fonts of OpenCV 4)."""
    if unicode_text():
        return text
    for old, new in _ASCII.items():
        text = text.replace(old, new)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def text_scale(height_px: float) -> float:
    """The font scale whose capital letters are ``height_px`` tall."""
    return max(0.2, height_px / _cap_height())


def text_weight(height_px: float) -> int:
    """Stroke thickness for text of this height (bold from 2 up)."""
    return max(2, round(height_px / 12))


def text_width(text: str, height_px: float, bold: bool = True) -> int:
    """Width in pixels of ``text`` drawn by :func:`draw_text` at this height."""
    weight = text_weight(height_px) if bold else 1
    (width, _), _ = cv2.getTextSize(printable(text), FONT, text_scale(height_px), weight)
    return int(width)


def wrap_text(text: str, max_width: float, height_px: float) -> list[str]:
    """Greedy word wrap so that each line fits ``max_width`` pixels (a long word gets its own)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and text_width(trial, height_px) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def fit_paragraphs(
    paragraphs: tuple[str, ...] | list[str],
    box: tuple[int, int],
    max_height: float,
    min_height: float,
) -> tuple[list[str], float]:
    """Wrap paragraphs into ``box`` (width, height) with the largest text height that fits
    (from ``max_height`` down to ``min_height``); returns the lines and the text height."""
    width, height = box
    size = max_height
    while True:
        lines = [line for p in paragraphs for line in wrap_text(p, width, size)]
        if len(lines) * size * LINE_SPACING <= height or size <= min_height:
            return lines, size
        size = max(min_height, size * 0.9)


def draw_text(
    scene: Image,
    text: str,
    origin: tuple[int, int],
    height_px: float,
    *,
    color: Color = TEXT_COLOR,
    bold: bool = True,
) -> Image:
    """Text with a dark shadow all round (readable on any background); ``origin`` is the
    bottom-left of its baseline."""
    text = printable(text)
    scale = text_scale(height_px)
    weight = text_weight(height_px) if bold else 1
    x, y = int(origin[0]), int(origin[1])
    d = max(1, round(height_px / 14))
    for dx, dy in ((-d, -d), (d, -d), (-d, d), (d, d)):
        cv2.putText(scene, text, (x + dx, y + dy), FONT, scale, SHADOW_COLOR, weight, cv2.LINE_AA)
    cv2.putText(scene, text, (x, y), FONT, scale, color, weight, cv2.LINE_AA)
    return scene


def draw_centred_text(
    scene: Image,
    text: str,
    centre_x: int,
    baseline_y: int,
    height_px: float,
    *,
    color: Color = TEXT_COLOR,
) -> Image:
    width = text_width(text, height_px)
    return draw_text(scene, text, (centre_x - width // 2, baseline_y), height_px, color=color)


def shade(
    scene: Image,
    top_left: tuple[int, int],
    bottom_right: tuple[int, int],
    color: Color,
    alpha: float,
) -> Image:
    """Blend a filled rectangle over the scene (alpha 0: invisible, 1: opaque)."""
    h, w = scene.shape[:2]
    x0, y0 = max(0, top_left[0]), max(0, top_left[1])
    x1, y1 = min(w, bottom_right[0]), min(h, bottom_right[1])
    if x1 <= x0 or y1 <= y0:
        return scene
    roi = scene[y0:y1, x0:x1]
    fill = np.empty_like(roi)
    fill[:] = color
    cv2.addWeighted(fill, alpha, roi, 1.0 - alpha, 0.0, dst=roi)
    return scene


# ---------------------------------------------------------------------------- annotators
def edge_color(a: int, b: int, left: Color, right: Color, centre: Color) -> Color:
    """Left-side segments in ``left``, right-side ones in ``right``, the rest in ``centre``."""
    side = edge_side(a, b)
    return left if side == "left" else right if side == "right" else centre


def joint_color(index: int, left: Color, right: Color, centre: Color) -> Color:
    side = landmark_side(index)
    return left if side == "left" else right if side == "right" else centre


class SkeletonAnnotator:
    """Bones and joints of one person; landmarks below ``min_visibility`` are left out."""

    JOINTS = (NOSE, *range(11, 33))

    def __init__(
        self,
        *,
        thickness_share: float = 1 / 160,
        radius_share: float = 1 / 100,
        min_visibility: float = 0.5,
        left: Color = LEFT_COLOR,
        right: Color = RIGHT_COLOR,
        centre: Color = CENTRE_COLOR,
    ) -> None:
        self.thickness_share = thickness_share
        self.radius_share = radius_share
        self.min_visibility = min_visibility
        self.left, self.right, self.centre = left, right, centre

    def annotate(
        self,
        scene: Image,
        skeleton: Skeleton,
        scale: float = 1.0,
        offset: tuple[float, float] = (0.0, 0.0),
    ) -> Image:
        """Draw ``skeleton`` (pixels of the frame) scaled by ``scale`` and shifted by ``offset``."""
        return self._draw(scene, skeleton, scale, offset)

    def _draw(
        self,
        scene: Image,
        skeleton: Skeleton,
        scale: float,
        offset: tuple[float, float],
    ) -> Image:
        height = scene.shape[0]
        thickness = max(2, round(height * self.thickness_share))
        radius = max(3, round(height * self.radius_share))
        xy = skeleton.image_xy * scale + np.asarray(offset)
        shown = np.isfinite(xy).all(axis=1) & (
            np.nan_to_num(skeleton.visibility) >= self.min_visibility
        )
        points = np.round(np.nan_to_num(xy)).astype(int)
        for a, b in SKELETON_EDGES:
            if shown[a] and shown[b]:
                color = edge_color(a, b, self.left, self.right, self.centre)
                cv2.line(scene, tuple(points[a]), tuple(points[b]), color, thickness, cv2.LINE_AA)
        for index in self.JOINTS:
            if shown[index]:
                centre = tuple(points[index])
                cv2.circle(scene, centre, radius + 2, SHADOW_COLOR, -1, cv2.LINE_AA)
                color = joint_color(index, self.left, self.right, self.centre)
                cv2.circle(scene, centre, radius, color, -1, cv2.LINE_AA)
        return scene


class FadedSkeletonAnnotator(SkeletonAnnotator):
    """Other people in view: thin grey bones blended at :data:`FADED_ALPHA`, so the subject
    (drawn over them in full colour) is clearly the one being measured."""

    def __init__(self) -> None:
        super().__init__(
            thickness_share=1 / 320,
            radius_share=1 / 240,
            left=FADED_COLOR,
            right=FADED_COLOR,
            centre=FADED_COLOR,
        )

    def annotate(
        self,
        scene: Image,
        skeleton: Skeleton,
        scale: float = 1.0,
        offset: tuple[float, float] = (0.0, 0.0),
    ) -> Image:
        layer = self._draw(scene.copy(), skeleton, scale, offset)
        cv2.addWeighted(layer, FADED_ALPHA, scene, 1.0 - FADED_ALPHA, 0.0, dst=scene)
        return scene


@dataclass(frozen=True)
class GaugeGeometry:
    """Where the dial sits in a scene: centre and radius in pixels."""

    centre: tuple[int, int]
    radius: int

    def point(self, fraction: float, radius_share: float = 1.0) -> tuple[int, int]:
        """The point at ``fraction`` (0 = left end, 1 = right end) of the top half-circle."""
        theta = math.radians(180.0 + 180.0 * float(np.clip(fraction, 0.0, 1.0)))
        r = self.radius * radius_share
        return round(self.centre[0] + r * math.cos(theta)), round(
            self.centre[1] + r * math.sin(theta)
        )


def gauge_fraction(value: float, span: tuple[float, float]) -> float:
    """Where ``value`` lies between the dial's ends (clipped to 0..1)."""
    low, high = span
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


class GaugeAnnotator:
    """A half-circle dial at the top right: grey track, green normal band, a needle (green in
    the band, orange outside), the value in big digits under the hub and the angle's name."""

    def __init__(self, radius_share: float = 0.16, top_share: float = 0.09) -> None:
        self.radius_share = radius_share
        self.top_share = top_share

    def geometry(self, scene: Image) -> GaugeGeometry:
        h, w = scene.shape[:2]
        radius = round(self.radius_share * h)
        margin = round(0.05 * h)
        return GaugeGeometry(
            (w - radius - margin, round(self.top_share * h) + radius + margin), radius
        )

    def annotate(self, scene: Image, gauge: Gauge) -> Image:
        geo = self.geometry(scene)
        h = scene.shape[0]
        r = geo.radius
        cx, cy = geo.centre
        track = max(3, round(h / 45))
        value_h = h / 12
        label_h = h * MIN_TEXT_SHARE * 0.8
        value_y = cy + round(0.25 * r + value_h)
        label_y = value_y + round(label_h * 1.9)
        shade(
            scene,
            (cx - r - 2 * track, cy - r - 2 * track),
            (cx + r + 2 * track, label_y + track),
            SHADOW_COLOR,
            0.45,
        )
        axes = (r, r)
        cv2.ellipse(scene, geo.centre, axes, 0, 180, 360, TRACK_COLOR, track, cv2.LINE_AA)
        band_from = 180 + 180 * gauge_fraction(gauge.band[0], gauge.span)
        band_to = 180 + 180 * gauge_fraction(gauge.band[1], gauge.span)
        cv2.ellipse(scene, geo.centre, axes, 0, band_from, band_to, OK_COLOR, track, cv2.LINE_AA)
        if gauge.value is None:
            draw_centred_text(scene, "--", cx, value_y, value_h)
        else:
            needle = OK_COLOR if gauge.in_band else WARN_COLOR
            tip = geo.point(gauge_fraction(gauge.value, gauge.span), 0.95)
            cv2.line(scene, geo.centre, tip, needle, max(3, track - 1), cv2.LINE_AA)
            cv2.circle(scene, geo.centre, max(4, track), needle, -1, cv2.LINE_AA)
            draw_centred_text(scene, f"{gauge.value:.0f}°", cx, value_y, value_h, color=needle)
        draw_centred_text(scene, gauge.label, cx, label_y, label_h)
        return scene


class CounterAnnotator:
    """The rep counter or hold timer, big, at the top left, with a progress bar under it."""

    def __init__(self, height_share: float = 1 / 11, top_share: float = 0.09) -> None:
        self.height_share = height_share
        self.top_share = top_share

    def annotate(self, scene: Image, counter: Counter) -> Image:
        h = scene.shape[0]
        text_h = h * self.height_share
        x = round(0.03 * h)
        baseline = round(self.top_share * h + text_h * 1.3)
        draw_text(scene, counter.text, (x, baseline), text_h)
        bar_w = round(0.42 * scene.shape[1])
        bar_h = max(6, round(h / 40))
        top = baseline + round(text_h * 0.45)
        cv2.rectangle(scene, (x, top), (x + bar_w, top + bar_h), TRACK_COLOR, -1)
        filled = round(bar_w * float(np.clip(counter.progress, 0.0, 1.0)))
        if filled > 0:
            cv2.rectangle(scene, (x, top), (x + filled, top + bar_h), OK_COLOR, -1)
        return scene


class HintBanner:
    """A coloured band with one big line of guidance (two if it must wrap)."""

    def __init__(
        self, height_share: float = 0.16, text_share: float = 1 / 14, bottom: bool = True
    ) -> None:
        self.height_share = height_share
        self.text_share = text_share
        self.bottom = bottom

    def annotate(self, scene: Image, banner: Banner) -> Image:
        h, w = scene.shape[:2]
        band_h = round(self.height_share * h)
        top = h - band_h if self.bottom else round(0.07 * h)
        shade(scene, (0, top), (w, top + band_h), TONE_COLORS[banner.tone], 0.85)
        lines, size = fit_paragraphs(
            [banner.text], (round(0.94 * w), band_h), self.text_share * h, h * MIN_TEXT_SHARE
        )
        block = (len(lines) - 1) * size * LINE_SPACING + size
        y = top + (band_h - block) / 2 + size
        for line in lines:
            draw_centred_text(scene, line, w // 2, round(y), size)
            y += size * LINE_SPACING
        return scene


class CountdownAnnotator:
    """A huge number in the middle of the picture."""

    def annotate(self, scene: Image, number: int) -> Image:
        h, w = scene.shape[:2]
        size = h / 3
        half = round(0.5 * size)
        shade(
            scene,
            (w // 2 - round(size), h // 2 - round(0.8 * size)),
            (w // 2 + round(size), h // 2 + round(0.8 * size)),
            SHADOW_COLOR,
            0.35,
        )
        return draw_centred_text(scene, str(number), w // 2, h // 2 + half, size)


class CardRenderer:
    """A full-screen card: big title, wrapped lines, an example skeleton on the right."""

    def __init__(self, skeleton: SkeletonAnnotator | None = None) -> None:
        self.skeleton = skeleton or SkeletonAnnotator(thickness_share=1 / 90, radius_share=1 / 80)

    def annotate(self, scene: Image, card: Card) -> Image:
        h, w = scene.shape[:2]
        pad = round(0.04 * h)
        title_band = round(0.17 * h)
        shade(scene, (0, 0), (w, h), (25, 25, 25), 0.88)
        shade(scene, (0, 0), (w, title_band), TONE_COLORS[card.tone], 0.95)
        title_lines, title_h = fit_paragraphs(
            [card.title], (w - 2 * pad, title_band), h / 12, h / 22
        )
        self._lines(
            scene, title_lines, title_h, pad, (title_band - self._block(title_lines, title_h)) / 2
        )
        example_w = round(0.36 * w) if card.example is not None else 0
        text_w = w - 2 * pad - example_w
        body_top = title_band + pad
        body_h = h - body_top - 3 * pad
        lines, size = fit_paragraphs(card.lines, (text_w, body_h), h / 14, h * MIN_TEXT_SHARE)
        self._lines(scene, lines, size, pad, body_top)
        if card.example is not None:
            origin = (w - pad - example_w, body_top)
            self._example(scene, card.example, origin, (example_w, body_h))
        if card.footer:
            draw_text(scene, card.footer, (pad, h - pad), h * MIN_TEXT_SHARE, color=FOOTER_COLOR)
        return scene

    @staticmethod
    def _block(lines: list[str], size: float) -> float:
        return (len(lines) - 1) * size * LINE_SPACING + size

    @staticmethod
    def _lines(scene: Image, lines: list[str], size: float, x: int, top: float) -> None:
        y = top + size
        for line in lines:
            draw_text(scene, line, (x, round(y)), size)
            y += size * LINE_SPACING

    def _example(
        self,
        scene: Image,
        example: NDArray[np.float64],
        origin: tuple[int, int],
        size: tuple[int, int],
    ) -> None:
        xy = np.asarray(example, dtype=np.float64)
        low, high = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
        # Fit the pose's own bounding box into the box (with a margin), so that a long pose such
        # as a bridge never spills over the text beside it.
        scale = 0.9 * min(
            size[0] / max(high[0] - low[0], 1e-6), size[1] / max(high[1] - low[1], 1e-6)
        )
        centre = (low + high) / 2
        offset = (
            origin[0] + size[0] / 2 - scale * centre[0],
            origin[1] + size[1] / 2 - scale * centre[1],
        )
        self.skeleton.annotate(scene, Skeleton(xy, np.ones(33)), scale=float(scale), offset=offset)


class StatusAnnotator:
    """Small operator lines in a thin top band: the step on the left, fps and latency right."""

    def annotate(self, scene: Image, step: str, status: str) -> Image:
        h, w = scene.shape[:2]
        if not (step or status):
            return scene
        band = round(0.07 * h)
        shade(scene, (0, 0), (w, band), SHADOW_COLOR, 0.5)
        text_h = h * MIN_TEXT_SHARE * 0.85
        baseline = round((band + text_h) / 2)
        if step:
            draw_text(scene, step, (round(0.02 * h), baseline), text_h)
        if status:
            small = h / 45
            width = text_width(status, small, bold=False)
            draw_text(scene, status, (w - width - round(0.02 * h), baseline), small, bold=False)
        return scene


# ---------------------------------------------------------------------------- the renderer
class OverlayRenderer:
    """Composes the annotators for one :class:`Overlay` onto a copy of the frame.

    ``canvas_scale`` enlarges the frame before drawing (a window of 2x the inference size gets
    crisp text instead of upscaled blur); landmarks are scaled with it. The subject's skeleton is
    drawn in full side colours over the faded grey skeletons of everyone else in view. No live
    skeleton is drawn under a card, so it cannot be mistaken for the card's example pose.
    """

    def __init__(self, canvas_scale: float = 1.0) -> None:
        if not canvas_scale > 0:
            raise ValueError(f"canvas_scale must be positive, got {canvas_scale}")
        self.canvas_scale = canvas_scale
        self.skeleton = SkeletonAnnotator()
        self.faded = FadedSkeletonAnnotator()
        self.gauge = GaugeAnnotator()
        self.counter = CounterAnnotator()
        self.banner = HintBanner()
        self.advisory = HintBanner(height_share=0.1, text_share=1 / 22, bottom=False)
        self.countdown = CountdownAnnotator()
        self.card = CardRenderer()
        self.status = StatusAnnotator()

    def canvas(self, rgb: Image) -> Image:
        """The frame as a BGR canvas at the drawing scale."""
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if self.canvas_scale != 1.0:
            h, w = bgr.shape[:2]
            size = (round(w * self.canvas_scale), round(h * self.canvas_scale))
            bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR)
        return np.ascontiguousarray(bgr)

    def render(self, frame: Frame, overlay: Overlay, status: str = "") -> Image:
        """Draw everything the overlay asks for; returns the BGR canvas."""
        scene = self.canvas(frame.rgb)
        if overlay.card is not None:
            self.card.annotate(scene, overlay.card)
        else:
            for other in overlay.others:
                self.faded.annotate(scene, other, scale=self.canvas_scale)
            if overlay.skeleton is not None:
                self.skeleton.annotate(scene, overlay.skeleton, scale=self.canvas_scale)
            self.status.annotate(scene, overlay.step, status)
            if overlay.gauge is not None:
                self.gauge.annotate(scene, overlay.gauge)
            if overlay.counter is not None:
                self.counter.annotate(scene, overlay.counter)
            if overlay.countdown is not None:
                self.countdown.annotate(scene, overlay.countdown)
            if overlay.advisory is not None:
                self.advisory.annotate(scene, overlay.advisory)
            if overlay.banner is not None:
                self.banner.annotate(scene, overlay.banner)
        if overlay.paused:
            self._paused(scene)
        return scene

    def __call__(self, frame: Frame, overlay: Overlay, status: str = "") -> Image:
        return self.render(frame, overlay, status)

    def _paused(self, scene: Image) -> None:
        h, w = scene.shape[:2]
        shade(scene, (0, round(0.35 * h)), (w, round(0.65 * h)), SHADOW_COLOR, 0.7)
        draw_centred_text(scene, "PAUSED", w // 2, round(0.5 * h), h / 9)
        draw_centred_text(scene, "press p to continue", w // 2, round(0.61 * h), h * MIN_TEXT_SHARE)
