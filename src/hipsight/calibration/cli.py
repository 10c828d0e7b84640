"""``hipsight calibrate camera | level | stance | default | show``.

:func:`register` adds the ``calibrate`` command to hipsight's argument parser. Handlers print a
short result and return 0; user-facing failures raise :class:`~hipsight.errors.HipsightError`,
which ``hipsight.cli.main`` prints as one line with exit code 2. Heavy modules (cv2, the pose
model) are imported inside the handlers so ``hipsight --help`` stays fast.
"""

# Imports inside the handlers are deliberate: `hipsight --help` must not load numpy or cv2.

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hipsight.errors import CameraError, HipsightError, InputError

if TYPE_CHECKING:
    from hipsight.calibration.intrinsics import ViewCollection
    from hipsight.calibration.level import LevelEstimate
    from hipsight.calibration.store import CameraCalibration
    from hipsight.io.sources import FrameSource
    from hipsight.io.video import Frame
    from hipsight.pose.sequence import PoseSequence

EXIT_OK = 0
EXIT_INTERRUPTED = 130
VIDEO_FRAMES_EXAMINED = 80  # frames looked at in a calibration video (every Nth)
CAMERA_STEP = 10  # every 10th live frame (~3 per second at 30 fps)
CAMERA_SECONDS = 30.0

__all__ = ["main", "register"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


# ============================================================================ parser


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``calibrate`` and its subcommands to hipsight's subparsers; return its parser."""
    calibrate = subparsers.add_parser(
        "calibrate",
        help="camera intrinsics, camera level and a personal neutral baseline",
        description="Calibrate the camera (lens and level) and record a person's neutral stance. "
        "Files go to the calibration folder (HIPSIGHT_CALIBRATION_DIR); see docs/calibration.md.",
    )
    sub = calibrate.add_subparsers(dest="calibrate_cmd", required=True, metavar="WHAT")

    camera = sub.add_parser("camera", help="lens intrinsics from chessboard views")
    _add_board_source(camera, stand=False)
    camera.add_argument("--board", required=True, help="inner corners COLSxROWS, e.g. 9x6")
    camera.add_argument("--square", type=float, required=True, help="square size in mm")
    camera.add_argument(
        "--name", required=True, help="calibration name (writes calibration/NAME.toml)"
    )
    camera.add_argument("--step", type=int, default=None, help="use every Nth video/camera frame")
    camera.add_argument("--seconds", type=float, default=CAMERA_SECONDS, help="live capture length")
    camera.add_argument(
        "--max-rms", type=float, default=None, help="reject above this RMS error, px (default 1.0)"
    )
    camera.add_argument(
        "--min-views", type=int, default=None, help="usable views needed (default and least 4)"
    )
    camera.add_argument(
        "--max-angle-error",
        type=float,
        default=None,
        help="reject when the calibration's angle error (2 SD) is above this, degrees "
        "(default 0.5)",
    )
    camera.set_defaults(handler=cmd_camera)

    level = sub.add_parser(
        "level", help="camera roll (and pitch) from a level board or a still stance"
    )
    _add_board_source(level, stand=True)
    level.add_argument(
        "--name", required=True, help="calibration to store the level in (created if new)"
    )
    level.add_argument("--board", default=None, help="inner corners COLSxROWS (board sources)")
    level.add_argument("--square", type=float, default=25.0, help="square size in mm (default 25)")
    level.add_argument("--seconds", type=float, default=5.0, help="live capture length")
    level.add_argument(
        "--model", default=None, help="pose model for --stand (default: the full model)"
    )
    level.add_argument("--yes", action="store_true", help="save without asking for confirmation")
    level.set_defaults(handler=cmd_level)

    stance = sub.add_parser("stance", help="personal neutral baseline from 3-5 s of still standing")
    stance.add_argument(
        "--person", required=True, help="person name (writes calibration/person_NAME.toml)"
    )
    stance.add_argument(
        "--video", required=True, type=Path, help="stance video, or a landmarks .npz"
    )
    stance.add_argument(
        "--view", choices=("front", "side", "auto"), default="auto", help="the view recorded"
    )
    stance.add_argument(
        "--height-cm", type=float, default=None, help="the person's height (for cm)"
    )
    stance.add_argument(
        "--calibration", default=None, help="calibration to apply (default: the default)"
    )
    stance.add_argument("--model", default=None, help="pose model (default: the full model)")
    stance.set_defaults(handler=cmd_stance)

    default = sub.add_parser(
        "default", help="set (or show) the calibration used when none is given"
    )
    default.add_argument("name", nargs="?", default=None, help="calibration name; 'none' clears it")
    default.set_defaults(handler=cmd_default)

    show = sub.add_parser("show", help="show a calibration or a person's baseline (or list them)")
    show.add_argument("name", nargs="?", default=None, help="calibration or person name")
    show.set_defaults(handler=cmd_show)
    return calibrate


def _add_board_source(parser: argparse.ArgumentParser, stand: bool) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--images", type=Path, help="folder of chessboard photos")
    group.add_argument("--video", type=Path, help="video of the chessboard")
    group.add_argument("--camera", default=None, help="live camera index or device path, e.g. 0")
    if stand:
        group.add_argument(
            "--stand",
            type=Path,
            help="video (or landmarks .npz) of you standing still, facing the camera",
        )


# ============================================================================ frame sources


def image_items(folder: Path) -> Iterator[tuple[str, Any]]:
    """(file name, RGB image) for the images of a folder, in name order."""
    from hipsight.io.sources import open_source
    from hipsight.io.video import list_images

    files = list_images(folder)  # InputError "not a folder of images" / "no images"
    with open_source(input_path=folder) as source:
        for file, frame in zip(files, source, strict=True):
            yield file.name, frame.rgb


def video_step(path: Path, step: int | None) -> int:
    """Every Nth frame: as asked, or so that about 80 frames of the video are examined."""
    from hipsight.io.video import probe_video

    if step is not None and step < 1:
        raise InputError(f"--step must be at least 1, got {step}")
    count = probe_video(path).frame_count  # InputError for anything but a readable video
    if step is not None:
        return step
    return max(1, round(count / VIDEO_FRAMES_EXAMINED)) if count else 10


def open_camera(device: str) -> FrameSource:
    """Open a live camera by index or device path; CameraError when it is missing or busy."""
    from hipsight.io.sources import open_source

    return open_source(camera=device)


def camera_frames(source: FrameSource, seconds: float) -> Iterator[Frame]:
    """Frames of an open camera for ``seconds``; CameraError if it stops delivering frames."""
    try:
        for frame in source:
            yield frame
            if frame.t_s >= seconds:
                return
        if source.lost:
            raise CameraError(f"{source.description} stopped delivering frames")
    finally:
        source.close()


def collect_board_views(
    args: argparse.Namespace, board: tuple[int, int], for_level: bool
) -> tuple[ViewCollection, str]:
    """Detect the board in the chosen source; return the views and a source description."""
    from hipsight.calibration.intrinsics import detect_views

    dedupe = not for_level  # a level board stands still: repeated views are expected
    if args.images is not None:
        return detect_views(
            image_items(args.images), board, skip_duplicates=False
        ), f"images:{args.images}"
    if args.video is not None:
        step = video_step(args.video, getattr(args, "step", None))
        from hipsight.io.sources import open_source

        with open_source(input_path=args.video) as video:
            views = detect_views(video, board, step=step, skip_duplicates=dedupe)
        return views, f"video:{args.video}"
    step = getattr(args, "step", None) or CAMERA_STEP
    if not args.seconds > 0:
        raise InputError(f"--seconds must be positive, got {args.seconds}")
    camera = open_camera(args.camera)
    _stderr(
        "hipsight: hold the board still and level"
        if for_level
        else "hipsight: move the board slowly through the whole picture, tilted in every direction"
    )
    views = detect_views(
        camera_frames(camera, args.seconds), board, step=step, skip_duplicates=dedupe
    )
    return views, f"camera:{args.camera}"


# ============================================================================ handlers


def cmd_camera(args: argparse.Namespace) -> int:
    from hipsight.calibration.intrinsics import (
        MAX_ANGLE_ERROR_DEG,
        MAX_RMS_PX,
        MIN_VIEWS,
        calibrate_collection,
        parse_board,
    )
    from hipsight.calibration.store import (
        calibration_path,
        load_calibration,
        save_calibration,
        validate_name,
    )

    name = validate_name(args.name)
    board = parse_board(args.board)
    collection, source = collect_board_views(args, board, for_level=False)
    result = calibrate_collection(
        collection,
        board,
        args.square,
        name=name,
        source=source,
        min_views=args.min_views or MIN_VIEWS,
        max_rms_px=args.max_rms or MAX_RMS_PX,
        max_angle_error_deg=args.max_angle_error or MAX_ANGLE_ERROR_DEG,
    )
    calib = result.calibration
    if calibration_path(name).is_file():
        previous = load_calibration(name)
        if previous.roll_deg is not None and previous.image_size == calib.image_size:
            calib = calib.with_level(
                previous.roll_deg, previous.pitch_deg, previous.level_method or "?"
            )
            _stderr(
                f"hipsight: kept the camera level of the previous {name!r} "
                f"(roll {previous.roll_deg:+.1f}°); "
                "run `hipsight calibrate level` again if the camera moved"
            )
    path = save_calibration(calib)
    for warning in result.warnings:
        _stderr(f"hipsight: warning: {warning}")
    print(collection.describe())
    print(calib.describe())
    print(f"saved {path}")
    return EXIT_OK


def cmd_level(args: argparse.Namespace) -> int:
    from hipsight.calibration.store import (
        CameraCalibration,
        calibration_path,
        load_calibration,
        now_iso,
        save_calibration,
        validate_name,
    )

    name = validate_name(args.name)
    existing = load_calibration(name) if calibration_path(name).is_file() else None
    if args.stand is not None:
        estimate, size, source = _level_from_stance(args, existing)
    else:
        estimate, size, source = _level_from_board(args, existing)
    for warning in estimate.warnings:
        _stderr(f"hipsight: warning: {warning}")
    print(estimate.describe())
    if estimate.method == "stance" and not _confirm(
        args, f"Save roll {estimate.roll_deg:+.1f}° to {name!r}?"
    ):
        print("not saved")
        return EXIT_OK
    calib = existing
    if calib is None or not calib.has_intrinsics:  # level-only: it follows the frames' size
        calib = CameraCalibration(name=name, image_size=size, created=now_iso(), source=source)
    path = save_calibration(
        calib.with_level(estimate.roll_deg, estimate.pitch_deg, estimate.method)
    )
    print(f"saved {path}")
    return EXIT_OK


def _level_from_board(
    args: argparse.Namespace, existing: CameraCalibration | None
) -> tuple[LevelEstimate, tuple[int, int], str]:
    from hipsight.calibration.intrinsics import parse_board
    from hipsight.calibration.level import estimate_level_from_board
    from hipsight.calibration.store import check_image_size

    if args.board is None:
        raise InputError("--board COLSxROWS is needed to find the level from a chessboard")
    board = parse_board(args.board)
    collection, source = collect_board_views(args, board, for_level=True)
    if collection.image_size is None or not collection.views:
        raise InputError(f"no complete chessboard found: {collection.describe()}")
    if existing is not None:
        check_image_size(existing, collection.image_size, source)
    estimate = estimate_level_from_board(
        collection.views,
        board,
        collection.image_size,
        camera_matrix=None if existing is None else existing.camera_matrix,
        dist_coeffs=None if existing is None else existing.dist_coeffs,
        square_mm=args.square,
    )
    return estimate, collection.image_size, source


def _level_from_stance(
    args: argparse.Namespace, existing: CameraCalibration | None
) -> tuple[LevelEstimate, tuple[int, int], str]:
    from hipsight.calibration.level import estimate_level_from_stance
    from hipsight.calibration.store import check_image_size

    seq = load_stance_sequence(args.stand, args.model)
    if existing is not None:
        check_image_size(existing, seq.meta.frame_size, str(args.stand))
    estimate = estimate_level_from_stance(
        seq,
        camera_matrix=None if existing is None else existing.camera_matrix,
        dist_coeffs=None if existing is None else existing.dist_coeffs,
    )
    return estimate, seq.meta.frame_size, f"stance:{args.stand}"


def _confirm(args: argparse.Namespace, question: str) -> bool:
    """Ask on a terminal (stance levels assume an upright person); scripts and --yes skip it."""
    if args.yes or not sys.stdin.isatty():
        return True
    answer = input(f"{question} [Y/n] ").strip().lower()
    return answer in ("", "y", "yes")


def load_stance_sequence(path: Path, model: str | None) -> PoseSequence:
    """Landmarks from a saved ``.npz``, or from a video through the pose model."""
    from hipsight.pose.sequence import PoseSequence

    if path.suffix.lower() == ".npz":
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        return PoseSequence.from_npz(path)  # InputError naming the file if it is not valid
    from hipsight.io.native import native_stderr_silenced
    from hipsight.io.video import probe_video
    from hipsight.models.store import resolve_model
    from hipsight.pose.extract import extract_pose

    probe_video(path)  # fail fast on bad input, before loading the model
    info = resolve_model(model, notify=_stderr)
    with native_stderr_silenced():
        extraction = extract_pose(path, info)
    for warning in extraction.warnings:
        _stderr(f"hipsight: warning: {warning}")
    return extraction.sequence


def cmd_stance(args: argparse.Namespace) -> int:
    from hipsight.calibration.baseline import (
        baseline_path,
        load_baseline,
        measure_stance,
        save_baseline,
        update_baseline,
    )
    from hipsight.calibration.store import (
        apply_calibration,
        choose_calibration,
        resolve_calibration,
        validate_name,
    )

    person = validate_name(args.person, "person")
    if args.height_cm is not None and not 50.0 <= args.height_cm <= 250.0:
        raise InputError(f"--height-cm must be between 50 and 250, got {args.height_cm:g}")
    resolve_calibration(args.calibration)  # fail on a bad name before running the model
    seq = load_stance_sequence(args.video, args.model)
    calib, notes = choose_calibration(args.calibration, seq.meta.frame_size)
    for note in notes:
        _stderr(f"hipsight: warning: {note}")
    seq, roll = apply_calibration(seq, calib)
    measurement = measure_stance(seq, view=args.view, roll_deg=roll or 0.0)
    existing = load_baseline(person) if baseline_path(person).is_file() else None
    baseline = update_baseline(existing, person, measurement, height_cm=args.height_cm)
    path = save_baseline(baseline)
    for warning in measurement.warnings:
        _stderr(f"hipsight: warning: {warning}")
    view = measurement.view
    applied = f"calibration {calib.name}" if calib is not None else "no calibration"
    print(
        f"{person}: {view.view} stance, {view.still_s:.1f} s still "
        f"({view.n_frames} frames), {applied}"
    )
    for angle, value in view.angles_deg.items():
        print(f"  {angle:28} {value:+6.1f}°")
    if measurement.segments_rel:
        print(
            "  segments / stature: "
            + ", ".join(f"{k} {v:.3f}" for k, v in measurement.segments_rel.items())
        )
    print(f"saved {path}")
    return EXIT_OK


def cmd_default(args: argparse.Namespace) -> int:
    from hipsight.calibration.store import default_calibration_name, set_default_calibration

    if args.name is None:
        current = default_calibration_name()
        print(f"default calibration: {current or 'none'}")
        return EXIT_OK
    path = set_default_calibration(args.name)
    if args.name.lower() == "none":
        print("default calibration cleared")
    else:
        print(f"default calibration: {args.name} ({path})")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from hipsight.calibration.baseline import baseline_path, list_baselines, load_baseline
    from hipsight.calibration.store import (
        default_calibration_name,
        list_calibrations,
        load_calibration,
    )
    from hipsight.paths import calibration_dir

    if args.name is None:
        default = default_calibration_name()
        names = [f"{n} (default)" if n == default else n for n in list_calibrations()]
        print(f"calibration folder: {calibration_dir()}")
        print(f"calibrations: {', '.join(names) or 'none'}")
        print(f"people: {', '.join(list_baselines()) or 'none'}")
        return EXIT_OK
    person = args.name.removeprefix("person_")
    if _names_calibration(args.name):
        print(load_calibration(args.name).describe())
    elif baseline_path(person).is_file():
        print(load_baseline(person).describe())
    else:
        raise InputError(
            f"no calibration or person named {args.name!r} in {calibration_dir()}; "
            "`hipsight calibrate show` lists them"
        )
    return EXIT_OK


def _names_calibration(name: str) -> bool:
    """True for a calibration file path or the name of a saved calibration."""
    from hipsight.calibration.store import calibration_path

    if name.endswith(".toml") or "/" in name or "\\" in name:
        return True
    try:
        return calibration_path(name).is_file()
    except InputError:  # a reserved name such as person_*: not a calibration
        return False


# ============================================================================ standalone entry


def build_parser() -> argparse.ArgumentParser:
    """A parser with only ``calibrate`` (for tests and ``python -m hipsight.calibration.cli``)."""
    parser = argparse.ArgumentParser(prog="hipsight")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hipsight calibrate ...`` with hipsight's error handling (one line, exit code)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except HipsightError as exc:
        _stderr(f"hipsight: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _stderr("hipsight: interrupted; nothing was saved")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
