"""Command line: ``hipsight analyze | models | samples | ...``.

Every user-facing failure is one line on stderr and a non-zero exit code: 2 for bad input,
130 for Ctrl-C. Heavy modules are imported inside the commands, so ``hipsight --help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from hipsight.batching.cli import register as register_batch_command
from hipsight.calibration.cli import register as register_calibrate
from hipsight.config import DEFAULTS
from hipsight.errors import HipsightError
from hipsight.export.cli import register as register_export_command
from hipsight.finish_cli import register as register_report_command
from hipsight.history.cli import register as register_history_command
from hipsight.live.cli import register as register_assess
from hipsight.version import __version__
from hipsight.wording import count

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------------- commands
def cmd_analyze(args: argparse.Namespace) -> int:
    from hipsight.analysis import AnalysisOptions, run_analysis

    options = AnalysisOptions(
        side=args.side,
        model=args.model,
        subject=args.subject,
        max_people=args.max_people,
        workers=args.workers,
        cutoff_hz=None if args.cutoff <= 0 else args.cutoff,
        max_gap_s=args.max_gap,
        progress=not args.no_progress,
        view_gate=not args.no_view_gate,
        test=args.test,
        view=args.view,
        asymmetry=asymmetry_overrides(args),
        calibration=args.calibration,
        person=args.person,
    )
    analysis = run_analysis(
        args.input, out_dir=args.out, csv_path=args.csv, options=options, notify=_stderr
    )
    for warning in analysis.warnings:
        _stderr(f"hipsight: warning: {warning}")
    print_analysis(analysis)
    if analysis.result is not None:
        from hipsight.textreport import format_test_result

        print(format_test_result(analysis.result))
    if analysis.result is not None and "results" in analysis.outputs:
        from hipsight.finish import finish_session

        report = finish_session(
            analysis.outputs["results"], warn=lambda line: _stderr(f"hipsight: warning: {line}")
        )
        print(f"report: {report}")
    return EXIT_OK


def asymmetry_overrides(args: argparse.Namespace) -> dict[str, float]:
    """Side-to-side limits given on the command line, by metric id."""
    overrides: dict[str, float] = {}
    if args.asym_fppa is not None:
        overrides["knee_fppa"] = args.asym_fppa
    if args.asym_rom is not None:
        for metric in (
            "internal_rotation",
            "external_rotation",
            "corrected_extension",
            "peak_hip_extension",
        ):
            overrides[metric] = args.asym_rom
    return overrides


def cmd_tests(args: argparse.Namespace) -> int:
    from hipsight.protocols.registry import all_protocols

    for protocol in all_protocols():
        dose = protocol_dose(protocol)
        print(
            f"{protocol.id:18} {protocol.title}  [{protocol.view} view, {protocol.position}{dose}]"
        )
        if args.verbose:
            print(f"{'':18} {protocol.instructions}")
            print(f"{'':18} metrics: {', '.join(m.id for m in protocol.metrics)}")
    if not args.verbose:
        print("\n`hipsight tests -v` shows each test's instructions and metrics.")
    return EXIT_OK


def protocol_dose(protocol: object) -> str:
    reps = getattr(protocol, "reps", None)
    hold = getattr(protocol, "hold_s", None)
    duration = getattr(protocol, "duration_s", None)
    if reps:
        return f", {reps} reps"
    if hold:
        return f", hold {hold:g} s"
    return f", {duration:g} s" if duration else ""


def print_analysis(analysis: object) -> None:
    from hipsight.analysis import Analysis

    assert isinstance(analysis, Analysis)
    summary = analysis.summary
    subject = summary["meta"].get("subject") or {}
    print(
        f"{summary['source']}: {summary['n_frames']} frames, {summary['duration_s']:.1f} s, "
        f"person found in {100 * summary['detected_fraction']:.0f}% of frames"
    )
    for line in subject_lines(subject):
        print(line)
    side = summary["side"]["analysed"]
    print(f"side analysed: {side} (near the camera: {summary['side']['near_camera']})")
    rows = [(name, s) for name, s in summary["angles"].items() if not name.endswith("_3d")]
    print(f"{'angle (2D)':32} {'p5':>7} {'p95':>7} {'range':>7} {'valid':>6}")
    for name, s in rows:
        if s["p5"] is None:
            print(f"{name:32} {'—':>7} {'—':>7} {'—':>7} {100 * s['valid_fraction']:5.0f}%")
        else:
            print(
                f"{name:32} {s['p5']:7.1f} {s['p95']:7.1f} {s['range_p5_p95']:7.1f} "
                f"{100 * s['valid_fraction']:5.0f}%"
            )
    for kind, path in analysis.outputs.items():
        print(f"{kind}: {path}")


def subject_lines(subject: Mapping[str, Any]) -> list[str]:
    """Who was analysed and why, then (with several people) every candidate, so that
    ``--subject ID`` means something: ids, sizes and positions."""
    if "track_id" not in subject:
        return []
    chosen = subject["track_id"]
    candidates = {c.get("id"): c for c in subject.get("candidates", [])}
    facts = candidates.get(chosen, {})
    why = subject.get("reason") or f"policy {subject.get('policy', '?')}"
    size = _size_and_offset(facts)
    lines = [f"subject: track {chosen} ({why}{'; ' + size if size else ''})"]
    if len(candidates) > 1:
        from hipsight.pose.subject import MIN_LISTED_FRAMES, listed_candidates

        shown, hidden = listed_candidates(list(candidates.values()), chosen)
        lines.append("people tracked (choose another with --subject ID):")
        for c in sorted(shown, key=lambda c: c.get("id", -1)):
            k = c.get("id")
            mark = "*" if k == chosen else " "
            where = f", centre x {c['centre_x_px']:.0f} px" if c.get("centre_x_px") else ""
            seen = int(c.get("frames_detected", 0))
            lines.append(
                f" {mark} track {k}: {_size_and_offset(c) or 'size unknown'}{where}, fully "
                f"visible in {c.get('frames_fully_visible', 0)} of {count(seen, 'frame')} seen"
            )
        if hidden:
            lines.append(
                f"   ({count(hidden, 'more track')} seen in fewer than {MIN_LISTED_FRAMES} "
                f"frames {'is' if hidden == 1 else 'are'} not listed; summary.json lists "
                "every track)"
            )
    return lines


def _size_and_offset(facts: Mapping[str, Any]) -> str:
    """Size and position as the subject rule ranks them: body length (it does not shrink when
    someone lies or sits; ``body_height_px`` in files written before it was recorded) and the
    offset from the frame's centre line."""
    length, offset = facts.get("body_length_px"), facts.get("centre_offset")
    if offset is None:
        return ""
    if length is not None:
        return f"body length {length:.0f} px, centre offset {100 * offset:.0f}%"
    height = facts.get("body_height_px")
    return "" if height is None else f"{height:.0f} px tall, centre offset {100 * offset:.0f}%"


def cmd_models_fetch(args: argparse.Namespace) -> int:
    from hipsight.models.store import fetch_model

    info = fetch_model(force=args.force, notify=_stderr)
    print(info.path)
    return EXIT_OK


def cmd_models_info(args: argparse.Namespace) -> int:
    from hipsight.models.store import resolve_model

    info = resolve_model(args.model, notify=_stderr)
    print(f"{info.path}\nsha256 {info.sha256}\nsource {info.source}")
    return EXIT_OK


def cmd_samples_fetch(args: argparse.Namespace) -> int:
    from hipsight.samples.store import SAMPLES, fetch_sample

    names = args.names or list(SAMPLES)
    for name in names:
        print(fetch_sample(name, force=args.force, notify=_stderr))
    return EXIT_OK


def cmd_samples_list(args: argparse.Namespace) -> int:
    from hipsight.samples.store import SAMPLES, sample_path

    for sample in SAMPLES.values():
        state = "fetched" if sample_path(sample.name).is_file() else "not fetched"
        print(f"{sample.name:16} {state:12} {sample.description}")
    return EXIT_OK


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hipsight",
        description=(
            "Hip movement screening from a webcam or a recorded video (screening, not diagnosis)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"hipsight {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyze = sub.add_parser(
        "analyze", help="analyse a recorded video, an image folder or a saved landmarks .npz"
    )
    analyze.add_argument(
        "input",
        type=Path,
        help="video file, folder of images (30 fps), or a landmarks .npz saved by hipsight",
    )
    analyze.add_argument(
        "--out", type=Path, default=None, help="output folder (default: out/<input name>)"
    )
    analyze.add_argument(
        "--csv", type=Path, default=None, help="CSV path (default: <out>/<name>_angles.csv)"
    )
    analyze.add_argument(
        "--side", choices=("left", "right", "auto"), default="auto", help="side to analyse"
    )
    analyze.add_argument(
        "--model", default=None, help="a PoseLandmarker .task file (default: the full model)"
    )
    analyze.add_argument(
        "--subject",
        default=None,
        help=(
            "who to analyse: visible (default; gait: moving), largest, moving, or a track id "
            "(each analysis prints the ids of the people seen in 10 frames or more; "
            "summary.json lists every track). Ties go to the largest, most central person"
        ),
    )
    analyze.add_argument(
        "--max-people",
        type=int,
        default=DEFAULTS.max_people,
        help=f"people detected per frame (default {DEFAULTS.max_people})",
    )
    analyze.add_argument(
        "--workers", type=int, default=None, help="parallel inference workers (default: 2)"
    )
    analyze.add_argument(
        "--cutoff",
        type=float,
        default=DEFAULTS.cutoff_hz,
        help=f"low-pass cutoff in Hz (default {DEFAULTS.cutoff_hz:g}); 0 turns it off",
    )
    analyze.add_argument(
        "--max-gap",
        type=float,
        default=DEFAULTS.max_gap_s,
        help=f"longest gap to interpolate, seconds (default {DEFAULTS.max_gap_s:g})",
    )
    analyze.add_argument(
        "--no-view-gate",
        action="store_true",
        help="keep 2D angles in frames seen from the wrong view (default: blank them)",
    )
    analyze.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    analyze.add_argument(
        "--person", default=None, help="who was recorded (with --test: kept in the history)"
    )
    analyze.add_argument(
        "--test", default=None, help="screening test to measure (see `hipsight tests`)"
    )
    analyze.add_argument(
        "--view", choices=("side", "front"), default=None, help="the camera view you recorded"
    )
    analyze.add_argument(
        "--asym-rom", type=float, default=None, help="left/right ROM limit in degrees (default 10)"
    )
    analyze.add_argument(
        "--asym-fppa",
        type=float,
        default=None,
        help="left/right knee FPPA limit in degrees (default 9)",
    )
    analyze.add_argument(
        "--calibration",
        default=None,
        help="camera calibration NAME or .toml (default: `calibrate default`; 'none': off)",
    )
    analyze.set_defaults(handler=cmd_analyze)

    tests = sub.add_parser("tests", help="list the screening tests and their instructions")
    tests.add_argument("-v", "--verbose", action="store_true", help="show instructions and metrics")
    tests.set_defaults(handler=cmd_tests)

    models = sub.add_parser("models", help="pose model store").add_subparsers(
        dest="models_cmd", required=True
    )
    fetch = models.add_parser("fetch", help="fetch or build models/pose_landmarker_full.task")
    fetch.add_argument(
        "--force", action="store_true", help="fetch again even if a verified model exists"
    )
    fetch.set_defaults(handler=cmd_models_fetch)
    info = models.add_parser("info", help="show the model in use and verify it")
    info.add_argument("--model", default=None)
    info.set_defaults(handler=cmd_models_info)

    samples = sub.add_parser("samples", help="sample videos").add_subparsers(
        dest="samples_cmd", required=True
    )
    sfetch = samples.add_parser("fetch", help="download and verify sample videos")
    sfetch.add_argument("names", nargs="*", help="sample names (default: all)")
    sfetch.add_argument("--force", action="store_true")
    sfetch.set_defaults(handler=cmd_samples_fetch)
    samples.add_parser("list", help="list samples").set_defaults(handler=cmd_samples_list)
    register_assess(sub)
    register_calibrate(sub)
    register_report_command(sub)
    register_history_command(sub)
    register_export_command(sub)
    register_batch_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hipsight`` console script."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except HipsightError as exc:
        _stderr(f"hipsight: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _stderr("hipsight: interrupted; no partial output was written")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
