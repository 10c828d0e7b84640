"""OpenSim .mot: the header OpenSim and Sports2D readers expect, and values that read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hipsight.errors import InputError
from hipsight.export.mot import read_mot, write_mot


def test_header_layout(tmp_path: Path) -> None:
    path = write_mot(
        tmp_path / "a.mot",
        [0.0, 0.5],
        ["left_hip_flexion", "right_hip_flexion"],
        [[1.0, 2.0], [3.0, np.nan]],
        name="squat\tangles\n",
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:7] == [
        "squat angles",
        "version=1",
        "nRows=2",
        "nColumns=3",
        "inDegrees=yes",
        "endheader",
        "time\tleft_hip_flexion\tright_hip_flexion",
    ]
    assert lines[7:] == ["0.000000\t1.000000\t2.000000", "0.500000\t3.000000\tNaN"]


def test_values_read_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(120) / 30.0
    values = rng.uniform(-120, 160, size=(120, 4))
    values[10:14, 1] = np.nan
    columns = ["a", "b_3d", "c", "d"]
    table = read_mot(write_mot(tmp_path / "x.mot", t, columns, values))
    assert table.columns == tuple(columns) and table.in_degrees
    assert table.header["nRows"] == "120" and table.header["nColumns"] == "5"
    np.testing.assert_allclose(table.time, t, atol=5e-7)
    np.testing.assert_allclose(table.values, values, atol=5e-7)  # NaN in the same places
    np.testing.assert_allclose(table.column("c"), values[:, 2], atol=5e-7)


def test_plain_numpy_reads_it_like_other_tools(tmp_path: Path) -> None:
    """Sports2D-style readers skip to 'endheader', then read a tab-separated table with header."""
    path = write_mot(tmp_path / "x.mot", [0.0, 0.1], ["knee"], [[12.5], [np.nan]])
    lines = path.read_text().splitlines()
    start = lines.index("endheader") + 1
    data = np.genfromtxt(path, delimiter="\t", skip_header=start, names=True)
    assert data.dtype.names == ("time", "knee")
    assert data["knee"][0] == 12.5 and np.isnan(data["knee"][1])


@settings(max_examples=40, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
        elements=st.one_of(st.floats(-720, 720, allow_nan=False), st.just(np.nan)),
    )
)
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory, values: np.ndarray) -> None:
    t = np.arange(values.shape[0]) * 0.04
    columns = [f"angle_{k}" for k in range(values.shape[1])]
    path = tmp_path_factory.mktemp("mot") / "p.mot"
    table = read_mot(write_mot(path, t, columns, values))
    np.testing.assert_allclose(table.values, values, atol=5e-7)


@pytest.mark.parametrize(
    ("time", "columns", "values", "message"),
    [
        ([0.0, 1.0], ["a"], [[1.0]], "shape"),
        ([0.0, 0.0], ["a"], [[1.0], [2.0]], "strictly increasing"),
        ([0.0, np.nan], ["a"], [[1.0], [2.0]], "finite"),
        ([0.0], ["a\tb"], [[1.0]], "without tabs"),
        ([0.0], ["time"], [[1.0]], "not 'time'"),
        ([0.0], ["a", "a"], [[1.0, 2.0]], "unique"),
    ],
)
def test_writer_validates(
    tmp_path: Path, time: list[float], columns: list[str], values: list[list[float]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        write_mot(tmp_path / "bad.mot", time, columns, values)
    assert not (tmp_path / "bad.mot").exists()


def test_reader_reports_what_is_wrong(tmp_path: Path) -> None:
    no_header = tmp_path / "a.mot"
    no_header.write_text("time\ta\n0\t1\n")
    with pytest.raises(InputError, match="endheader"):
        read_mot(no_header)
    wrong_rows = tmp_path / "b.mot"
    wrong_rows.write_text(
        "x\nversion=1\nnRows=3\nnColumns=2\ninDegrees=yes\nendheader\ntime\ta\n0\t1\n"
    )
    with pytest.raises(InputError, match="nRows=3, the table has 1"):
        read_mot(wrong_rows)
    ragged = tmp_path / "c.mot"
    ragged.write_text("x\nendheader\ntime\ta\n0\t1\t2\n")
    with pytest.raises(InputError, match="3 cells, expected 2"):
        read_mot(ragged)
