"""``eval report/compare --format md|csv|json``: plain tables with whole headers at any width."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from edgegym.cli import main
from edgegym.eval.results import EvalResults

Make = Callable[..., EvalResults]


@pytest.fixture()
def saved(make_results: Make, tmp_path: Path) -> Path:
    path = tmp_path / "run.json"
    make_results().save(path)
    return path


def test_md_headers_whole_at_80_columns(
    saved: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["eval", "report", str(saved), "--format", "md", "--n-boot", "50"]) == 0
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line.startswith("| band ")]
    assert headers, out
    cells = [c.strip() for c in headers[0].strip("|").split("|")]
    assert cells[:3] == ["band", "problems", "answer@1"] and "verified@1" in cells
    assert cells[-1] == "process" and all("…" not in c for c in cells)
    assert "### By op: pass@k [95% CI]" in out and "### Reward flags" in out
    rows = [line for line in out.splitlines() if line.startswith("| in-distribution |")]
    assert len(rows) == 1 and rows[0].count("|") == len(cells) + 1


def test_csv_and_json_carry_the_same_cells(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "report", str(saved), "--format", "json", "--n-boot", "50"]) == 0
    tables = json.loads(capsys.readouterr().out)
    assert main(["eval", "report", str(saved), "--format", "csv", "--n-boot", "50"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    band = next(t for t in tables if t["title"].startswith("By band"))
    assert ["table", *band["columns"]] in rows
    for row in band["rows"]:
        assert [band["title"], *row] in rows
    assert not any("[/" in cell for t in tables for r in t["rows"] for cell in r)  # no markup


def test_compare_formats(
    make_results: Make, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    make_results().save(a)
    make_results().save(b)
    assert main(["eval", "compare", str(a), str(b), "--format", "md", "--n-boot", "50"]) == 0
    out = capsys.readouterr().out
    assert "| band | metric | problems |" in out and "[green]" not in out


def test_report_plots_need_matplotlib_before_work(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "matplotlib" else real(name, *a),
    )
    assert main(["eval", "report", str(saved), "--out-dir", str(tmp_path / "plots")]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: matplotlib not installed: pip install 'edgegym[plot]'"
    assert "By band" not in captured.out  # no work done first
