"""The colours every chart and overlay shares: left blue, right orange, the normal band green."""

from __future__ import annotations

LEFT_COLOR = "#1d4ed8"
RIGHT_COLOR = "#c2410c"
CENTRE_COLOR = "#334155"
BAND_COLOR = "#16a34a"


def side_color(side: str | None) -> str:
    """Left is blue, right is orange, everything else slate (the same in every plot)."""
    return {"left": LEFT_COLOR, "right": RIGHT_COLOR}.get(side or "", CENTRE_COLOR)
