from __future__ import annotations

import numpy as np
import pytest

from hipsight.kinematics.angles import ANGLE_SPECS, angle_spec
from hipsight.kinematics.table import AngleSpec, AngleTable


def make_table(
    n: int = 4, names: tuple[str, ...] = ("left_knee_flexion", "pelvic_obliquity")
) -> AngleTable:
    specs = tuple(angle_spec(name) for name in names)
    values = np.arange(n * len(specs), dtype=float).reshape(n, len(specs))
    return AngleTable(
        t=np.arange(n) / 30.0,
        values=values,
        valid=np.ones(values.shape, dtype=bool),
        quality=np.full(values.shape, 0.8),
        interpolated=np.zeros(values.shape, dtype=bool),
        specs=specs,
        provenance=("made by hand",),
    )


def test_columns_by_name() -> None:
    table = make_table()
    assert table.names == ("left_knee_flexion", "pelvic_obliquity")
    np.testing.assert_array_equal(table.column("pelvic_obliquity"), [1.0, 3.0, 5.0, 7.0])
    assert table.validity("left_knee_flexion").all()
    np.testing.assert_array_equal(table.quality_of("left_knee_flexion"), 0.8)
    assert table.spec("pelvic_obliquity").plane == "frontal"
    assert table.n_frames == 4


def test_select_keeps_the_given_order() -> None:
    table = make_table().select(["pelvic_obliquity", "left_knee_flexion"])
    assert table.names == ("pelvic_obliquity", "left_knee_flexion")
    np.testing.assert_array_equal(table.values[:, 0], [1.0, 3.0, 5.0, 7.0])
    assert table.provenance == ("made by hand",)


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(
        KeyError, match=r"no angle named 'hip'; this table has \['left_knee_flexion'"
    ):
        make_table().column("hip")


def test_arrays_are_read_only() -> None:
    table = make_table()
    with pytest.raises(ValueError, match="read-only"):
        table.values[0, 0] = 1.0


def test_shapes_are_validated_with_expected_and_actual() -> None:
    table = make_table()
    with pytest.raises(
        ValueError, match=r"values must have shape \(4, 2\) \(T, number of specs\), got \(4, 3\)"
    ):
        AngleTable(
            t=table.t,
            values=np.zeros((4, 3)),
            valid=table.valid,
            quality=table.quality,
            interpolated=table.interpolated,
            specs=table.specs,
        )
    with pytest.raises(ValueError, match="valid must have dtype bool, got float64"):
        AngleTable(
            t=table.t,
            values=table.values,
            valid=np.ones((4, 2)),  # type: ignore[arg-type]
            quality=table.quality,
            interpolated=table.interpolated,
            specs=table.specs,
        )
    with pytest.raises(ValueError, match="angle names must be unique"):
        make_table(names=("pelvic_obliquity", "pelvic_obliquity"))


def test_spec_validation() -> None:
    spec = ANGLE_SPECS[0]
    assert spec.column == f"{spec.name}_deg"
    with pytest.raises(
        ValueError, match=r"plane must be one of \('sagittal', 'frontal'\), got 'transverse'"
    ):
        AngleSpec("x", "transverse", "side", "2d", "joint", None, (1,), "", "")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"landmarks must be a non-empty tuple of indices in \[0, 33\)"
    ):
        AngleSpec("x", "sagittal", "side", "2d", "joint", None, (40,), "", "")
    with pytest.raises(ValueError, match="branch_deg must span 360"):
        AngleSpec(
            "x", "sagittal", "side", "2d", "joint", None, (1,), "", "", branch_deg=(0.0, 180.0)
        )
