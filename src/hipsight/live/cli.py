"""``hipsight assess``: the guided webcam session on the command line.

Wired into the main parser with :func:`register`. Exit codes: 0 when the session ended normally
(all tests done, ``q``, the window closed, or a video used as the camera ran out), 2 for bad
input (unknown test, missing or busy camera, no display, missing calibration or model) and when
the camera was lost mid-session, 130 for Ctrl-C. In the last two cases the partial session has
been saved first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hipsight.config import DEFAULTS
from hipsight.wording import count

EXIT_OK = 0
EXIT_CAMERA_LOST = 2
EXIT_INTERRUPTED = 130


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``assess`` command to the main parser's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "assess",
        help="guided webcam assessment: instructions, positioning, auto start/stop, results",
        description=(
            "A guided screening session in front of a webcam. Stand 2-3 m away; each test shows "
            "its instructions, checks your position, starts and stops by itself. Keys: r redo, "
            "s skip, p pause, q quit (what was recorded is saved)."
        ),
    )
    parser.add_argument(
        "--camera",
        default="0",
        help="webcam index (0), device (/dev/video0), or a video file to use as the camera",
    )
    parser.add_argument(
        "--tests",
        default=None,
        help="comma-separated test ids (default: all; see `hipsight tests`)",
    )
    parser.add_argument("--person", default=None, help="name recorded in results.json")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: out/assess-<time>)"
    )
    parser.add_argument(
        "--display",
        choices=("window", "none"),
        default="window",
        help="show a window (default) or nothing",
    )
    parser.add_argument(
        "--voice",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="spoken prompts with espeak-ng/espeak/pyttsx3 when installed (default: on)",
    )
    parser.add_argument(
        "--no-realtime",
        action="store_true",
        help="read a video given as --camera as fast as possible, every frame (default: real time)",
    )
    parser.add_argument("--save-video", action="store_true", help="also save each test's raw video")
    parser.add_argument(
        "--calibration", default=None, help="calibration NAME (camera roll correction)"
    )
    parser.add_argument(
        "--model", default=None, help="a PoseLandmarker .task file (default: the full model)"
    )
    parser.add_argument(
        "--max-people",
        type=int,
        choices=(1, 2, 3, 4),
        default=DEFAULTS.max_people,
        help=(
            "people detected per frame to pick the subject from "
            f"(default {DEFAULTS.max_people}; 1 is faster)"
        ),
    )
    parser.set_defaults(handler=cmd_assess)
    return parser


def config_from_args(args: argparse.Namespace) -> Any:
    from hipsight.live.plan import parse_tests
    from hipsight.live.runner import AssessConfig

    return AssessConfig(
        camera=str(args.camera),
        tests=parse_tests(args.tests),
        person=args.person,
        out_dir=args.out,
        display=args.display,
        voice=args.voice,
        realtime=not args.no_realtime,
        save_video=args.save_video,
        calibration=args.calibration,
        model=args.model,
        max_people=args.max_people,
    )


def cmd_assess(args: argparse.Namespace) -> int:
    from hipsight.live.runner import run_assess

    outcome = run_assess(config_from_args(args), notify=_stderr)
    print_outcome(outcome)
    if outcome.records:
        write_report(outcome.results_path)
    if outcome.stats.interrupted:
        _stderr(f"hipsight: interrupted; the partial session is saved in {outcome.out_dir}")
        return EXIT_INTERRUPTED
    if outcome.end_reason == "camera lost":
        _stderr(
            f"hipsight: error: the camera was lost; what was recorded is saved in {outcome.out_dir}"
        )
        return EXIT_CAMERA_LOST
    return EXIT_OK


def write_report(results_path: Path) -> None:
    """The session's HTML report beside results.json (also for partial sessions)."""
    from hipsight.finish import finish_session

    report = finish_session(results_path, warn=lambda line: _stderr(f"hipsight: warning: {line}"))
    print(f"report: {report}")


def print_outcome(outcome: Any) -> None:
    """One line per test, then where the results are."""
    for record in outcome.records:
        result = record.result
        measured = sum(1 for m in result.metrics if m.status == "ok")
        flag = "" if record.complete else "  (incomplete)"
        status = result.status.replace("_", " ")
        counts = (
            f"{measured}/{count(len(result.metrics), 'metric')}, "
            f"{count(len(result.findings), 'finding')}"
        )
        print(f"{result.test:18} {status:15} {counts}{flag}")
    skipped = outcome.meta.get("skipped") or []
    if skipped:
        print(f"skipped: {', '.join(skipped)}")
    stats = outcome.stats
    if stats.fps is not None:
        latency = stats.latency_ms.get("median")
        print(f"live: {stats.fps:.1f} fps, frame-to-overlay latency {latency} ms (median)")
    print(f"pipeline: {stats.summary()}")
    print(f"session ended: {outcome.end_reason}")
    print(f"results: {outcome.results_path}")
