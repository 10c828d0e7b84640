"""End to end with the real model: the Sports2D demo clip as the camera, for the gait step.

The clip is 7.7 s: the session instructs, waits for the walker to be placed side-on, counts
down and captures until the clip runs out, so the gait test ends incomplete (as with a camera
lost mid-test) and keeps what it recorded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from live_support import QUICK

from hipsight.cli import main
from hipsight.live.runner import AssessConfig, run_assess
from hipsight.live.speech import SilentSpeaker
from hipsight.models.store import ModelInfo
from hipsight.pose.sequence import PoseSequence
from hipsight.session.reader import load_session


@pytest.mark.model
@pytest.mark.sample
def test_sample_clip_as_the_camera_for_the_gait_step(
    pose_model: ModelInfo, demo_video: Path, tmp_path: Path, capsys
) -> None:
    config = AssessConfig(
        camera=str(demo_video), tests=["gait"], display="none", voice=False, realtime=False,
        out_dir=tmp_path / "session", timing=QUICK, person="demo",
    )  # fmt: skip
    outcome = run_assess(config, speaker=SilentSpeaker(), notify=lambda message: None)

    states = [t.target for t in outcome.transitions if t.step == "gait" and t.source != t.target]
    assert states[:4] == ["instruct", "position", "countdown", "capture"]
    assert outcome.end_reason == "video ended"
    assert outcome.stats.analysed == 230  # --no-realtime: every frame of the clip
    assert outcome.stats.latency_ms["median"] is not None

    (record,) = outcome.records
    assert record.complete is False and record.result.test == "gait"
    assert all(m.status == "ok" or m.reason for m in record.result.metrics)
    seq = PoseSequence.from_npz(tmp_path / "session" / "gait" / "gait_landmarks.npz")
    assert seq.meta.model_name == pose_model.name and seq.meta.frame_size == (640, 480)
    assert seq.detected.mean() > 0.8  # the walker is followed through the capture
    results = load_session(tmp_path / "session")
    assert results.kind == "assess" and results.meta["incomplete"] == ["gait"]

    npz = tmp_path / "session" / "gait" / "gait_landmarks.npz"
    code = main(
        ["analyze", str(npz), "--test", "gait", "--out", str(tmp_path / "o"), "--no-progress"]
    )
    capsys.readouterr()
    assert code == 0
    assert load_session(tmp_path / "o").tests[0].result.metrics == record.result.metrics
