"""The pipeline's defaults, in one typed place.

The CLI's flags, :class:`hipsight.analysis.AnalysisOptions`, the kinematics functions and the
live session all take their defaults from :data:`DEFAULTS`. What a run actually used is recorded
as structured provenance (:class:`hipsight.results.ProcessingStep`) in its outputs, and the
report renders that record, never these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PipelineDefaults:
    """Defaults of the landmark-to-angle pipeline (docs/angles.md explains each)."""

    min_visibility: float = 0.5  # landmarks below this visibility are treated as missing
    max_gap_s: float = 0.25  # longest gap filled by linear interpolation, seconds
    cutoff_hz: float = 6.0  # zero-phase Butterworth low-pass cutoff
    filter_order: int = 4  # ... its order (applied forwards and backwards)
    max_people: int = 2  # people detected per frame

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_visibility <= 1.0:
            raise ValueError(f"min_visibility must be within 0..1, got {self.min_visibility}")
        if self.max_gap_s < 0 or self.cutoff_hz <= 0 or self.filter_order < 1:
            raise ValueError(
                "max_gap_s must be >= 0, cutoff_hz > 0 and filter_order >= 1, got "
                f"{self.max_gap_s}, {self.cutoff_hz}, {self.filter_order}"
            )
        if self.max_people < 1:
            raise ValueError(f"max_people must be >= 1, got {self.max_people}")


DEFAULTS = PipelineDefaults()
