"""``hipsight batch`` on landmarks files (no model): resume, errors, interrupts, manifests."""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_inputs import write_walk

import hipsight
from hipsight.batching.plan import plan_batch
from hipsight.batching.runner import run_batch
from hipsight.batching.table import BatchRow, read_csv
from hipsight.cli import main
from hipsight.errors import InputError


@pytest.fixture
def walks(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    write_walk(folder / "a" / "walk_landmarks.npz")
    write_walk(folder / "b" / "walk_landmarks.npz", knee_peak=50.0)
    write_walk(folder / "c_landmarks.npz")
    return folder


def test_a_folder_gives_one_row_and_one_folder_per_recording(walks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_batch(walks, out, test="gait", jobs=1)
    assert [Path(r.output).name for r in result.rows] == ["a__walk", "b__walk", "c"]
    assert [r.status for r in result.rows] == ["ok", "ok", "ok"]
    for row in result.rows:
        assert (Path(row.output) / "results.json").is_file()
        assert (Path(row.output) / "report.html").is_file()
        assert row.metrics["peak_hip_extension_left"] == pytest.approx(15.0, abs=2.0)
    table = read_csv(out / "batch.csv")
    assert [r["status"] for r in table] == ["ok", "ok", "ok"]
    assert float(table[0]["peak_hip_extension_left"]) == pytest.approx(15.0, abs=2.0)
    assert result.summary["counts"] == {"ok": 3, "not_measurable": 0, "error": 0}
    assert result.summary["total_frames"] == sum(r.n_frames or 0 for r in result.rows) > 0


def test_resume_skips_finished_work_and_redoes_changed_inputs(walks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_batch(walks, out, test="gait", jobs=1)
    assert not any(r.resumed for r in first.rows)
    write_walk(walks / "c_landmarks.npz", knee_peak=45.0)  # new bytes: redone
    second = run_batch(walks, out, test="gait", jobs=1)
    assert [r.resumed for r in second.rows] == [True, True, False]
    assert second.summary["resumed"] == 2 and second.summary["processed"] == 1
    assert [r.status for r in second.rows] == ["ok", "ok", "ok"]
    assert second.rows[0].metrics == first.rows[0].metrics
    forced = run_batch(walks, out, test="gait", jobs=1, force=True)
    assert not any(r.resumed for r in forced.rows)


def test_a_corrupt_file_is_an_error_row_and_the_rest_complete(walks: Path, tmp_path: Path) -> None:
    (walks / "broken.mp4").write_bytes(b"not a video at all" * 100)
    (walks / "bad_landmarks.npz").write_bytes(b"PK\x03\x04 truncated")
    result = run_batch(walks, tmp_path / "out", test="gait", jobs=1)
    by_name = {Path(r.output).name: r for r in result.rows}
    assert by_name["broken"].status == "error"
    assert by_name["bad"].status == "error"
    assert "broken.mp4" in by_name["broken"].reason and "\n" not in by_name["broken"].reason
    assert "bad_landmarks.npz" in by_name["bad"].reason
    assert [by_name[n].status for n in ("a__walk", "b__walk", "c")] == ["ok"] * 3
    table = read_csv(tmp_path / "out" / "batch.csv")
    assert sorted(r["status"] for r in table) == ["error", "error", "ok", "ok", "ok"]
    again = run_batch(walks, tmp_path / "out", test="gait", jobs=1)  # errors are retried
    assert [r.resumed for r in again.rows if r.status == "error"] == [False, False]


def test_an_interrupt_keeps_a_valid_table_of_what_finished(walks: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    def stop_after_first(row: BatchRow) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(walks, out, test="gait", jobs=1, on_row=stop_after_first)
    table = read_csv(out / "batch.csv")
    assert [(r["status"], Path(r["output"]).name) for r in table] == [("ok", "a__walk")]
    assert (out / "batch.json").is_file()
    resumed = run_batch(walks, out, test="gait", jobs=1)
    assert [r.resumed for r in resumed.rows] == [True, False, False]


def test_the_cli_exits_130_on_ctrl_c_with_a_valid_table(
    walks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hipsight.batching import cli as batch_cli

    def interrupt(self: object, row: BatchRow) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(batch_cli.ProgressBar, "update", interrupt)
    out = tmp_path / "out"
    code = main(["batch", str(walks), "--test", "gait", "--jobs", "1", "--out", str(out)])
    assert code == 130
    assert len(read_csv(out / "batch.csv")) == 1


def test_the_manifest_test_of_each_row_is_honoured(walks: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,test,person,view,session_date,protocol\n"
        "in/a/walk_landmarks.npz,gait,Ana,side,2024-05-01,squat\n"
        "in/b/walk_landmarks.npz,squat,,,,gait\n"
        "in/c_landmarks.npz,,,,,\n",
        encoding="utf-8",
    )
    rows = hipsight.batch(manifest, jobs=1, out_dir=tmp_path / "out")
    assert [r.test for r in rows] == ["gait", "squat", None]
    assert [r.person for r in rows] == ["Ana", None, None]
    assert rows[0].status == "ok" and "peak_hip_extension_left" in rows[0].metrics
    assert rows[1].metrics and not set(rows[1].metrics) & set(rows[0].metrics)  # squat metrics
    assert rows[2].status == "ok" and rows[2].metrics == {}
    assert (Path(rows[0].output) / "report.html").is_file()  # named: report and history
    assert '"created": "2024-05-01' in (Path(rows[0].output) / "results.json").read_text()
    swapped = plan_batch(manifest, tmp_path / "out", tests_from="protocol")
    assert [r.test for r in swapped] == ["squat", "gait", None]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "in/c_landmarks.npz,gait,Ana,top,",
            'manifest.csv: row 3: manifest field view: expected one of "front", "side", got "top"',
        ),
        (
            "in/c_landmarks.npz,gait,Ana,side,May 1st",
            "manifest.csv: row 3: manifest field session_date: expected `str` matching regex",
        ),
        (",gait,Ana,,", "manifest.csv: row 3: manifest field path: required field is missing"),
        ("in/c_landmarks.npz,sqaut,Ana,,", "test: expected one of"),
    ],
)
def test_a_bad_manifest_row_is_refused_with_one_line(
    walks: Path, tmp_path: Path, row: str, message: str
) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        f"path,test,person,view,session_date\nin/a/walk_landmarks.npz,gait,,,\n{row}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        plan_batch(manifest, tmp_path / "out")
    text = str(caught.value)
    assert message in text and "\n" not in text
    if "sqaut" in row:
        assert 'got "sqaut"' in text and "squat" in text


def test_a_manifest_without_the_required_columns_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,test\nx.mp4,gait\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"m.csv: manifest header: missing column\(s\) path, person"
    ):
        plan_batch(manifest, tmp_path / "out")


def test_same_stem_files_get_unique_folders(tmp_path: Path) -> None:
    write_walk(tmp_path / "in" / "x" / "walk_landmarks.npz")
    (tmp_path / "in" / "walk.mp4").write_bytes(b"0")
    (tmp_path / "in" / "walk_landmarks.npz").write_bytes(b"0")
    names = [r.name for r in plan_batch(tmp_path / "in", tmp_path / "in" / "out")]
    assert sorted(names) == ["walk_mp4", "walk_npz", "x__walk"]


def test_outputs_inside_the_input_folder_are_not_inputs(walks: Path) -> None:
    first = run_batch(walks, walks / "out", jobs=1)
    second = run_batch(walks, walks / "out", jobs=1)
    assert len(first.rows) == len(second.rows) == 3
    assert all(r.resumed for r in second.rows)


def test_jobs_below_one_are_refused(walks: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--jobs must be at least 1, got 0"):
        run_batch(walks, tmp_path / "out", jobs=0)


def test_ray_gets_no_more_actors_than_its_cpus_hold() -> None:
    """An actor Ray cannot place would hold its first recording back for ever."""
    from hipsight.batching.engines import actor_count

    class FakeRay:
        def __init__(self, cpus: float) -> None:
            self.cpus = cpus

        def cluster_resources(self) -> dict[str, float]:
            return {"CPU": self.cpus}

    assert actor_count(FakeRay(2), jobs=2, threads=1) == 2
    assert actor_count(FakeRay(2), jobs=2, threads=2) == 1
    assert actor_count(FakeRay(64), jobs=4, threads=2) == 4
    assert actor_count(FakeRay(1), jobs=2, threads=2) == 1  # one, even if it must wait
    assert actor_count(FakeRay(64), jobs=None, threads=2) == 32  # no --jobs: the whole cluster
