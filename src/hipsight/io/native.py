"""Keep native libraries' stderr chatter (FFmpeg, TFLite, glog) away from the user."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import TextIO


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[TextIO]:
    """Send the native libraries' stderr (file descriptor 2) to a scratch file while inside.

    MediaPipe and TFLite print warnings straight to fd 2 that mean nothing to a user. Yields a
    handle on the real stderr for progress bars. ``HIPSIGHT_DEBUG=1`` keeps everything visible.
    """
    if os.environ.get("HIPSIGHT_DEBUG"):
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)
    real = os.fdopen(os.dup(saved), "w", buffering=1)
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            yield real
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            real.close()
