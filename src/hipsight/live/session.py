"""The guided session: a state machine per test, driven by the protocol's declaration.

::

    INSTRUCT -> POSITION -(in position ready_hold_s)-> COUNTDOWN -> CAPTURE -> RESULT -> next step
                   ^                                      |                         (DONE after
                   +------(out of position again)---------+                          the last)
    r (redo) from any state goes back to INSTRUCT of the same step; s (skip) to the next step.

- INSTRUCT: an instruction card (big text, an example pose as a skeleton), read aloud.
- POSITION: live hints until the framing and the view are right (:mod:`.positioning`).
- COUNTDOWN: 3-2-1, back to POSITION if the person leaves the position.
- CAPTURE: landmarks recorded; skeleton, key-angle gauge with its normal band, rep counter or
  hold timer; stops by itself when the reps or the time are done (:mod:`.progress`).
- RESULT: the protocol measures the capture (:mod:`.measure`), files are saved, a result card.

Keys: ``r`` redo, ``s`` skip, ``p`` pause, ``q``/Esc quit, space next (skip a card's wait).
Quitting, Ctrl-C, closing the window or losing the camera during a capture keep what was
recorded: the test is measured and saved with ``complete: false``.

All timers run on the frames' timestamps (paused time excluded), never on the wall clock, so a
video read with ``--no-realtime`` or a scripted test behaves exactly as it would live.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from hipsight.findings.engine import graded
from hipsight.kinematics.angles import angle_spec
from hipsight.live.examples import example_skeleton
from hipsight.live.measure import Measured, count_capture, measure_capture
from hipsight.live.overlay import Banner, Card, Gauge, Overlay, Skeleton, Tone
from hipsight.live.pipeline import KEY_INTERRUPT, KEY_WINDOW_CLOSED, PoseFrame
from hipsight.live.plan import SIDE_WORDS, Step
from hipsight.live.positioning import PositionCheck, check_position
from hipsight.live.progress import CaptureProgress, capture_goal
from hipsight.live.recorder import SessionRecorder
from hipsight.live.speech import Speaker
from hipsight.live.subject import PersonPose, SubjectPicker
from hipsight.live.window import PoseBuffer, live_angles
from hipsight.pose.sequence import PoseSequence
from hipsight.pose.subject import SUBJECT_POLICIES
from hipsight.results import TestRecord, TestResult
from hipsight.wording import count

QUIT_KEYS: dict[str, str] = {
    "q": "quit",
    "esc": "quit",
    KEY_WINDOW_CLOSED: "window closed",
    KEY_INTERRUPT: "interrupted",
}
STREAM_ENDS: dict[str, str] = {
    "lost": "camera lost",
    "ended": "video ended",
    "error": "error",
    "stopped": "stopped",
}
NEXT_KEYS = (" ", "n", "enter")
BASELINE_TEST = "posture"
PAGE_WORDS = 14  # words per instruction page: big enough letters to read from 2-3 m
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
UNIT_TEXT = {"deg": "°", "s": " s", "count": "", "cm": " cm", "ratio": ""}


class State(StrEnum):
    INSTRUCT = "instruct"
    POSITION = "position"
    COUNTDOWN = "countdown"
    CAPTURE = "capture"
    RESULT = "result"
    DONE = "done"


@dataclass(frozen=True)
class SessionTiming:
    """How long each phase lasts, in seconds of frame time."""

    instruct_s: float = 5.0  # instruction card, at least
    instruct_per_word_s: float = 0.4  # ... or as long as reading them aloud takes (150 wpm)
    instruct_max_s: float = 30.0
    ready_hold_s: float = 1.5  # in position this long before the countdown starts
    countdown_s: float = 3.0
    result_s: float = 6.0
    done_s: float = 3.0
    hint_grace_s: float = 0.5  # out of position this long during the countdown: back to POSITION
    hint_repeat_s: float = 6.0  # a hint still true is spoken again after this long
    window_s: float = 1.0  # rolling window for live angles and hints
    max_dt_s: float = 0.5  # a longer gap between frames (a stall) counts as this much

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not value >= 0:
                raise ValueError(f"SessionTiming.{name} must be >= 0 seconds, got {value}")
        if not self.window_s > 0:
            raise ValueError(f"SessionTiming.window_s must be positive, got {self.window_s}")

    def instruct_duration(self, text: str) -> float:
        words = len(text.split())
        return max(self.instruct_s, min(self.instruct_max_s, words * self.instruct_per_word_s))


@dataclass(frozen=True)
class Transition:
    """One state change, for the log in results.json and for tests."""

    t_s: float
    step: str
    source: str
    target: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "t_s": round(self.t_s, 3)}


@dataclass
class _Capture:
    buffer: PoseBuffer
    progress: CaptureProgress
    key_angle: str | None
    started_t: float
    people_seen: int = 0


@dataclass
class _Timers:
    ready_since: float | None = None
    bad_since: float | None = None
    last_hint: str = ""
    last_hint_at: float = -math.inf
    countdown_said: int | None = None


@dataclass
class SessionLog:
    """What happened: records per step, skipped and interrupted steps, transitions."""

    records: dict[str, TestRecord] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    tilt_estimates: list[float] = field(default_factory=list)
    baseline: dict[str, float] = field(default_factory=dict)


class AssessSession:
    """The state machine of a guided session (the live pipeline's analysis stage)."""

    def __init__(
        self,
        plan: Sequence[Step],
        recorder: SessionRecorder,
        speaker: Speaker,
        frame_size: tuple[int, int],
        *,
        timing: SessionTiming | None = None,
        roll_deg: float | None = None,
        calibration: str | None = None,
        source_fps: float | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        if not plan:
            raise ValueError("a session needs at least one step in its plan")
        self.plan = list(plan)
        self.recorder = recorder
        self.speaker = speaker
        self.frame_size = frame_size
        self.timing = timing or SessionTiming()
        self.roll_deg = roll_deg  # from a calibration: angles corrected, no tilt hint
        self.calibration = calibration  # --calibration as given (None: the default one)
        self.source_fps = source_fps
        self.meta = dict(meta or {})
        self.log = SessionLog()
        self.state = State.INSTRUCT
        self.paused = False
        self.end_reason: str | None = None
        self._index = 0
        self._clock = 0.0
        self._since = 0.0
        self._last_t: float | None = None
        self._window = PoseBuffer(frame_size, self.timing.window_s)
        self._window_seq: PoseSequence | None = None
        self._picker = SubjectPicker(frame_size)
        self._capture: _Capture | None = None
        self._timers = _Timers()
        self._card: Card | None = None
        self._events: list[str] = []
        self._done = False
        self._enter(State.INSTRUCT, "session start")

    # ================================================================ pipeline interface
    @property
    def done(self) -> bool:
        return self._done

    @property
    def step(self) -> Step | None:
        return self.plan[self._index] if self._index < len(self.plan) else None

    @property
    def elapsed(self) -> float:
        """Seconds (frame time, pauses excluded) in the current state."""
        return self._clock - self._since

    def process(self, item: PoseFrame) -> Overlay:
        """One analysed frame: advance the state machine and say what to draw."""
        self._events = []
        t_s = item.frame.t_s
        dt = (
            0.0
            if self._last_t is None
            else float(np.clip(t_s - self._last_t, 0.0, self.timing.max_dt_s))
        )
        self._last_t = t_s
        person = self._picker.pick(item.detections, t_s)
        self._window.append(t_s, person)
        self._window_seq = self._window.to_sequence()
        if self._done:
            return self._overlay(person)
        if self.paused:
            if self._capture is not None:
                self._capture.buffer.append(t_s, None)  # paused time stays in, without landmarks
            return self._overlay(person)
        self._clock += dt
        handlers = {
            State.INSTRUCT: self._on_instruct,
            State.POSITION: self._on_position,
            State.COUNTDOWN: self._on_countdown,
            State.CAPTURE: self._on_capture,
            State.RESULT: self._on_result,
            State.DONE: self._on_done,
        }
        return handlers[self.state](item, person, dt)

    def handle_key(self, key: str) -> None:
        """React to a key: r redo, s skip, p pause, q/Esc quit, space next."""
        key = key.lower()
        if self._done:
            return
        if key in QUIT_KEYS:
            self.quit(QUIT_KEYS[key])
        elif key == "p":
            self.paused = not self.paused
            self._log_event("paused" if self.paused else "resumed")
            self.speaker.say("Paused" if self.paused else "Resuming")
        elif key == "r":
            self.paused = False
            self._redo()
        elif key == "s":
            self.paused = False
            self._skip()
        elif key in NEXT_KEYS:
            self._next()

    def end_of_stream(self, reason: str) -> Overlay | None:
        """The frames stopped (camera lost, video over, error): save and finish."""
        if self._done:
            return None
        why = STREAM_ENDS.get(reason, reason)
        self.quit(why)
        title = "Camera lost" if reason == "lost" else "Session ended"
        return Overlay(
            state=State.DONE.value,
            card=Card(title=title, lines=(f"{why}: what was recorded is saved.",), tone="warn"),
            events=tuple(self._events),
        )

    def quit(self, reason: str) -> None:
        """Stop now; a capture under way is measured and saved as incomplete."""
        if self._done:
            return
        if self.state == State.CAPTURE and self._capture is not None:
            self._finish_capture(complete=False, why=reason)
        self._finish(reason)

    # ================================================================ states
    def _on_instruct(self, item: PoseFrame, person: PersonPose | None, dt: float) -> Overlay:
        step = self._current()
        duration = self.timing.instruct_duration(step.protocol.instructions)
        if self.elapsed >= duration:
            self._enter(State.POSITION, "instructions shown")
            return self._on_position(item, person, dt)
        pages = instruction_pages(step)
        page = min(len(pages) - 1, int(len(pages) * self.elapsed / max(duration, 1e-9)))
        return self._overlay(person, card=instruction_card(step, page))

    def _on_position(self, item: PoseFrame, person: PersonPose | None, dt: float) -> Overlay:
        check = self._check(self._start_views())
        timers = self._timers
        if check.ok:
            timers.ready_since = self._clock if timers.ready_since is None else timers.ready_since
            if self._clock - timers.ready_since >= self.timing.ready_hold_s:
                self._enter(State.COUNTDOWN, "in position")
                return self._on_countdown(item, person, dt)
            banner = Banner("good, hold still", "ok")
        else:
            timers.ready_since = None
            banner = Banner(check.hints[0], "warn")
            self._say_hint(check.hints[0])
        return self._overlay(person, banner=banner, advisory=_advisory(check))

    def _on_countdown(self, item: PoseFrame, person: PersonPose | None, dt: float) -> Overlay:
        check = self._check(self._start_views())
        timers = self._timers
        if check.ok:
            timers.bad_since = None
        else:
            timers.bad_since = self._clock if timers.bad_since is None else timers.bad_since
            if self._clock - timers.bad_since > self.timing.hint_grace_s:
                self._enter(State.POSITION, f"out of position: {check.hints[0]}")
                return self._overlay(person, banner=Banner(check.hints[0], "warn"))
        remaining = self.timing.countdown_s - self.elapsed
        if remaining <= 0:
            self._start_capture()
            return self._on_capture(item, person, dt)
        number = math.ceil(remaining)
        if number != timers.countdown_said:
            timers.countdown_said = number
            self.speaker.say(str(number))
        banner = Banner(check.hints[0], "warn") if not check.ok else None
        return self._overlay(person, countdown=number, banner=banner, advisory=_advisory(check))

    def _on_capture(self, item: PoseFrame, person: PersonPose | None, dt: float) -> Overlay:
        capture = self._capture
        if capture is None:  # cannot happen: CAPTURE is only entered through _start_capture
            raise RuntimeError("CAPTURE state without a capture")
        capture.buffer.append(item.frame.t_s, person)
        capture.people_seen = max(capture.people_seen, item.detections.n_people)
        self.recorder.write_frame(item.frame.rgb)
        progress = capture.progress
        views = (progress.phase_view,) if progress.phase_view else self._accepted_views()
        check = self._check(views)
        value = self._key_value(capture.key_angle, check)
        if progress.update(dt, item.frame.t_s, check.ok) and not progress.reached:
            prompt = "now turn sideways" if progress.phase_view == "side" else "now face the camera"
            self.speaker.say(prompt)
        if progress.finished:
            why = "goal reached" if progress.reached else "time limit reached"
            self._finish_capture(complete=True, why=why)
            return self._overlay(person, card=self._card)
        step = self._current()
        gauge = None
        if capture.key_angle is not None:
            band = step.protocol.key_band
            gauge = Gauge(_pretty(capture.key_angle), value, band, gauge_span(band))
        banner = Banner(check.hints[0], "warn") if check.hints else None
        if banner is not None:
            self._say_hint(check.hints[0])
        return self._overlay(person, gauge=gauge, counter=progress.counter(), banner=banner)

    def _on_result(self, item: PoseFrame, person: PersonPose | None, dt: float) -> Overlay:
        if self.elapsed >= self.timing.result_s:
            self._advance("result shown")
            return self._overlay(person, card=self._card)
        return self._overlay(person, card=self._card)

    def _on_done(self, item: PoseFrame, person: PersonPose | None, dt: float) -> Overlay:
        if self.elapsed >= self.timing.done_s:
            self._finish("completed")
        return self._overlay(person, card=self._card)

    # ================================================================ transitions
    def _enter(self, state: State, why: str) -> None:
        step = self.step
        source = self.state.value if self.log.transitions else "start"
        self.log.transitions.append(
            Transition(self._last_t or 0.0, step.key if step else "-", source, state.value, why)
        )
        self._events.append(f"{step.key if step else '-'}:{state.value}")
        self.state = state
        self._since = self._clock
        self._timers = _Timers(
            last_hint=self._timers.last_hint, last_hint_at=self._timers.last_hint_at
        )
        if state == State.INSTRUCT and step is not None:
            self._picker.policy = subject_policy(step)
            self._card = instruction_card(step, 0)
            self.speaker.say(spoken_instructions(step))
        elif state == State.DONE:
            self._card = done_card(self.log, len(self.plan))
            self.speaker.say("Assessment complete. Your results are saved.")

    def _start_capture(self) -> None:
        step = self._current()
        buffer = PoseBuffer(self.frame_size)
        self._capture = _Capture(
            buffer=buffer,
            progress=CaptureProgress(
                capture_goal(step.protocol), count_reps=lambda: self._count_reps(buffer)
            ),
            key_angle=step.key_angle,
            started_t=self._last_t or 0.0,
        )
        self.recorder.start_video(step, self.frame_size, self.source_fps)
        self._enter(State.CAPTURE, "countdown over")
        self.speaker.say("Go")

    def _finish_capture(self, complete: bool, why: str) -> None:
        step = self._current()
        capture, self._capture = self._capture, None
        if capture is None or len(capture.buffer) == 0:
            self.recorder.stop_video(keep=False)
            return
        seq = self._capture_sequence(capture.buffer, capture.people_seen)
        if seq is None:
            return
        measured = measure_capture(seq, step, self.calibration)
        self.log.records[step.key] = self.recorder.save_test(step, seq, measured, complete)
        if not complete and step.key not in self.log.incomplete:
            self.log.incomplete.append(step.key)
        if step.protocol.id == BASELINE_TEST:
            self.log.baseline.update(baseline_from(measured.result))
        self._card = result_card(step, measured, complete, self.timing.result_s)
        self._enter(State.RESULT, why)
        self.speaker.say(spoken_result(step, measured.result))
        self.write_results()

    def _capture_sequence(self, buffer: PoseBuffer, people_seen: int) -> PoseSequence | None:
        """The capture's frames as the sequence that is measured and saved."""
        meta = self.recorder.sequence_meta(
            self._current(),
            self.frame_size,
            self.source_fps,
            people_seen=max(1, people_seen),
            policy=str(self._picker.policy),
        )
        return buffer.to_sequence(meta)

    def _count_reps(self, buffer: PoseBuffer) -> int:
        """The reps in the capture so far, measured exactly as the capture will be saved
        (:func:`measure_capture`): the number on screen is the number saved."""
        capture = self._capture
        seq = self._capture_sequence(buffer, capture.people_seen if capture else 1)
        return count_capture(seq, self._current(), self.calibration)

    def _advance(self, why: str) -> None:
        self._index += 1
        if self._index < len(self.plan):
            self._enter(State.INSTRUCT, why)
        else:
            self._enter(State.DONE, why)
            if self.timing.done_s <= 0:
                self._finish("completed")

    def _finish(self, reason: str) -> None:
        self.end_reason = reason
        self._done = True
        self.recorder.stop_video(keep=False)
        self._log_event(f"session ended: {reason}")
        self.write_results()

    def _redo(self) -> None:
        step = self.step
        if step is None or self.state == State.DONE:
            return
        if self._capture is not None:
            self._capture = None
            self.recorder.stop_video(keep=False)
        if self.state == State.RESULT:
            self.log.records.pop(step.key, None)
            if step.key in self.log.incomplete:
                self.log.incomplete.remove(step.key)
            self.write_results()
        self._enter(State.INSTRUCT, "redo (r)")

    def _skip(self) -> None:
        step = self.step
        if step is None or self.state == State.DONE:
            return
        if self._capture is not None:
            self._capture = None
            self.recorder.stop_video(keep=False)
        if self.state != State.RESULT and step.key not in self.log.skipped:
            self.log.skipped.append(step.key)
        self._advance("skipped (s)")

    def _next(self) -> None:
        if self.state == State.INSTRUCT:
            self._enter(State.POSITION, "next (space)")
        elif self.state == State.RESULT:
            self._advance("next (space)")
        elif self.state == State.DONE:
            self._finish("completed")

    # ================================================================ helpers
    def _current(self) -> Step:
        step = self.step
        if step is None:
            raise RuntimeError("no current step: the plan is finished")
        return step

    def _accepted_views(self) -> tuple[str, ...]:
        protocol = self._current().protocol
        return tuple(getattr(protocol, "accepted_views", (protocol.view,)))

    def _start_views(self) -> tuple[str, ...]:
        """Views that may start the capture: the first phase of a multi-view hold, else any
        accepted view (the declared ``view`` first, so the hint asks for it)."""
        protocol = self._current().protocol
        goal = capture_goal(protocol)
        if goal.phases:
            return goal.phases[:1]
        accepted = self._accepted_views()
        return (protocol.view, *[v for v in accepted if v != protocol.view])

    def _check(self, views: Sequence[str]) -> PositionCheck:
        window = self._window_seq
        if window is None:
            return PositionCheck(hints=("step into view of the camera",))
        check = check_position(window, views, self._current().protocol.gates, self.roll_deg)
        if check.tilt_deg is not None:
            self.log.tilt_estimates.append(check.tilt_deg)
        return check

    def _key_value(self, key_angle: str | None, check: PositionCheck) -> float | None:
        """The key angle now, or None when the camera does not see its plane (a 2D sagittal
        angle needs a side view, a frontal one a front view) or nobody is in view."""
        if key_angle is None:
            return None
        spec = angle_spec(key_angle)
        if spec.variant == "2d" and check.view != spec.view:
            return None
        window = self._window_seq
        if window is None or not window.detected[-1]:
            return None
        return live_angles(window, [key_angle], roll_deg=self.roll_deg or 0.0)[key_angle]

    def _say_hint(self, hint: str) -> None:
        timers = self._timers
        if (
            hint != timers.last_hint
            or self._clock - timers.last_hint_at >= self.timing.hint_repeat_s
        ):
            self.speaker.say(hint)
            timers.last_hint, timers.last_hint_at = hint, self._clock

    def _log_event(self, what: str) -> None:
        step = self.step
        self.log.transitions.append(
            Transition(
                self._last_t or 0.0,
                step.key if step else "-",
                self.state.value,
                self.state.value,
                what,
            )
        )

    def _overlay(self, person: PersonPose | None, **parts: Any) -> Overlay:
        step = self.step
        skeleton = None if person is None else Skeleton(person.image_xy, person.visibility)
        others = tuple(Skeleton(p.image_xy, p.visibility) for p in self._picker.others)
        return Overlay(
            state=self.state.value,
            step=step.label if step else "",
            skeleton=skeleton,
            others=others,
            paused=self.paused,
            events=tuple(self._events),
            **parts,
        )

    # ================================================================ results
    def session_meta(self) -> dict[str, Any]:
        """Plan, what was done, skipped and interrupted, the transitions and the tilt seen."""
        log = self.log
        done = set(log.records) | set(log.skipped)
        tilt = float(np.median(log.tilt_estimates)) if log.tilt_estimates else None
        return {
            **self.meta,
            "plan": [s.key for s in self.plan],
            "completed": [k for k, r in log.records.items() if r.complete],
            "incomplete": list(log.incomplete),
            "skipped": list(log.skipped),
            "not_run": [s.key for s in self.plan if s.key not in done],
            "ended": self.end_reason or "running",
            "roll_deg": self.roll_deg,
            "video_error": self.recorder.video_error,
            "camera_tilt_estimate_deg": None if tilt is None else round(tilt, 1),
            "transitions": [t.to_dict() for t in log.transitions],
        }

    def records(self) -> list[TestRecord]:
        """Saved test records in plan order."""
        return [self.log.records[s.key] for s in self.plan if s.key in self.log.records]

    def write_results(self, extra: Mapping[str, Any] | None = None) -> None:
        """(Re)write results.json with everything so far."""
        self.meta.update(extra or {})
        self.recorder.write_results(self.records(), self.session_meta(), self.log.baseline)


# ==================================================================== cards and texts
def subject_policy(step: Step) -> str:
    """Who to follow live: the protocol's declared choice when the live picker knows it."""
    declared = step.protocol.subject
    return declared if declared in SUBJECT_POLICIES else "visible"


def gauge_span(band: tuple[float, float]) -> tuple[float, float]:
    """The dial's ends: the band with room on both sides, on multiples of 10°."""
    low, high = band
    pad = max(30.0, high - low)
    return float(math.floor((low - pad) / 10) * 10), float(math.ceil((high + pad) / 10) * 10)


def _pretty(name: str) -> str:
    return name.removesuffix("_3d").replace("_", " ")


def _advisory(check: PositionCheck) -> Banner | None:
    return Banner(check.advisory[0], "info") if check.advisory else None


def side_prompt(step: Step) -> str:
    if step.side is None:
        return ""
    word = SIDE_WORDS[step.side]
    if step.protocol.view == "side":
        return f"{word} leg: turn your {word} side to the camera."
    return f"{word} leg."


def instruction_pages(step: Step, max_words: int = PAGE_WORDS) -> list[tuple[str, ...]]:
    """The instructions in pages of whole sentences, at most ``max_words`` words each (a longer
    sentence gets a page of its own), so each page can be shown in big letters."""
    sentences = [s.strip() for s in SENTENCE_END.split(step.protocol.instructions) if s.strip()]
    prompt = side_prompt(step)
    pages: list[list[str]] = [[prompt]] if prompt else []
    for sentence in sentences:
        words = sum(len(s.split()) for s in pages[-1]) if pages else max_words
        if pages and words + len(sentence.split()) <= max_words:
            pages[-1].append(sentence)
        else:
            pages.append([sentence])
    return [tuple(page) for page in pages] or [(step.protocol.title,)]


def instruction_card(step: Step, page: int = 0) -> Card:
    """The instruction card showing one page of the instructions (all of them are spoken)."""
    pages = instruction_pages(step)
    shown = min(max(page, 0), len(pages) - 1)
    footer = "get into position: it starts by itself"
    if len(pages) > 1:
        footer = f"{shown + 1}/{len(pages)}   {footer}"
    return Card(
        title=step.title,
        lines=pages[shown],
        footer=footer,
        tone="info",
        example=example_skeleton(step.protocol, step.side),
    )


def spoken_instructions(step: Step) -> str:
    prompt = side_prompt(step)
    return " ".join(x for x in (f"{step.title}.", prompt, step.protocol.instructions) if x)


def format_metric(step: Step, metric: Any) -> str:
    try:
        label = step.protocol.metric_spec(metric.metric).label
    except KeyError:
        label = metric.metric.replace("_", " ")
    side = f" ({metric.side})" if metric.side else ""
    if metric.status != "ok" or metric.value is None:
        return f"{label}{side}: not measurable"
    unit = UNIT_TEXT.get(metric.unit, f" {metric.unit}")
    return f"{label}{side}: {metric.value:.0f}{unit}"


def result_card(step: Step, measured: Measured, complete: bool, result_s: float) -> Card:
    result = measured.result
    status = result.status.replace("_", " ")
    title = f"{step.title}: {status}" + ("" if complete else " (incomplete)")
    lines = [format_metric(step, m) for m in result.metrics[:4]]
    if not result.metrics and result.reasons:
        lines.append(result.reasons[0])
    for finding in result.findings[:2]:
        side = f" {finding.side}" if finding.side else ""
        lines.append(f"! {finding.metric.replace('_', ' ')}{side}: {finding.severity}")
    if not result.findings and result.status != "not_measurable":
        lines.append("no findings" if graded(result) else "nothing graded: no value to compare")
    tone: Tone = "result" if result.findings or graded(result) else "warn"
    return Card(
        title=title, lines=tuple(lines), footer=f"r: redo   next in {result_s:g} s", tone=tone
    )


def spoken_result(step: Step, result: TestResult) -> str:
    if result.status == "not_measurable":
        return f"{step.title}: could not be measured."
    if not result.findings and not graded(result):
        return f"{step.title}: nothing could be graded."
    n_findings = len(result.findings)
    found = "no findings" if n_findings == 0 else count(n_findings, "finding")
    return f"{step.title} done: {found}."


def done_card(log: SessionLog, total: int) -> Card:
    lines = [f"{len(log.records)} of {count(total, 'test')} recorded"]
    if log.skipped:
        lines.append(f"skipped: {', '.join(log.skipped)}")
    return Card(
        title="Assessment complete", lines=tuple(lines), footer="results saved", tone="result"
    )


def baseline_from(result: TestResult) -> dict[str, float]:
    """The person's baseline from the posture test: its measured, unsided metrics."""
    return {
        m.metric: float(m.value)
        for m in result.metrics
        if m.status == "ok" and m.value is not None and m.side is None
    }
