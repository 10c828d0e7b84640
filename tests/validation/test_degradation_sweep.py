"""Every protocol, clean and degraded (dropouts, a left/right swap, 3 px noise): every value is
within its stated error of the clean one or refused with a reason; no finding appears that the
clean recording does not give (validation/degradation_sweep.py, docs/validation.md)."""

from __future__ import annotations

import pytest

from degradation_sweep import DEGRADATIONS, clean_recordings, compare, measure

RECORDINGS = clean_recordings()


@pytest.mark.parametrize("degradation", list(DEGRADATIONS))
@pytest.mark.parametrize("test_id", list(RECORDINGS))
def test_a_degraded_recording_is_right_or_refused(test_id: str, degradation: str) -> None:
    syn = RECORDINGS[test_id]
    clean = measure(test_id, syn)
    assert any(m.value is not None for m in clean.metrics), "the clean recording must measure"
    outcome = compare(test_id, clean, measure(test_id, DEGRADATIONS[degradation](syn)))

    assert outcome.wrong == []
    assert outcome.appeared == []
    assert outcome.within + outcome.refused > 0
