"""The engines on real video: warm landmarkers measure as fresh ones, the process pool and Ray
give the same rows. Uses the pose model and three 30-frame clips of the demo walk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from batch_inputs import demo_clips

from hipsight.analysis import AnalysisOptions, run_analysis
from hipsight.batching.runner import run_batch
from hipsight.batching.table import BatchRow
from hipsight.pose.sequence import read_landmarks

pytestmark = [pytest.mark.model, pytest.mark.sample]


@pytest.fixture(scope="module")
def clips(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    for clip in demo_clips(demo_video):
        (folder / clip.name).symlink_to(clip)
    return folder


@pytest.fixture(scope="module")
def local_rows(clips: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchRow, ...]:
    out = tmp_path_factory.mktemp("local")
    return run_batch(clips, out, test="gait", jobs=2, engine="local").rows


def comparable(rows: tuple[BatchRow, ...]) -> list[tuple[object, ...]]:
    return [
        (Path(r.input).name, r.status, r.reason, r.n_frames, r.detected_fraction, dict(r.metrics))
        for r in rows
    ]


def test_the_process_pool_measures_each_clip_as_analyze_does(
    clips: Path, local_rows: tuple[BatchRow, ...], tmp_path: Path
) -> None:
    assert [r.status for r in local_rows] != ["error"] * 3
    assert all(r.n_frames == 30 for r in local_rows)
    first = local_rows[0]
    fresh = run_analysis(
        first.input, out_dir=tmp_path, options=AnalysisOptions(test="gait", progress=False)
    )
    warm, _ = read_landmarks(next(Path(first.output).glob("*_landmarks.npz")))
    np.testing.assert_array_equal(warm.image_xy, fresh.sequence.image_xy)
    assert fresh.result is not None


def test_ray_gives_the_same_rows_as_the_local_engine(
    clips: Path, local_rows: tuple[BatchRow, ...], tmp_path: Path
) -> None:
    import ray  # an extra (hipsight[ray]); never skipped: a missing Ray fails here

    ray.init(
        address="local",  # its own instance, never a cluster another process left running
        num_cpus=2,
        include_dashboard=False,
        logging_level="ERROR",
        log_to_driver=False,
    )
    try:
        rows = run_batch(clips, tmp_path / "ray", test="gait", jobs=2, engine="ray").rows
    finally:
        ray.shutdown()
    assert comparable(rows) == comparable(local_rows)
    assert all(Path(r.output).is_relative_to(tmp_path / "ray") for r in rows)
    assert (tmp_path / "ray" / "batch.csv").is_file()
