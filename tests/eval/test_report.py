"""Report tables, plots and the report/compare commands on synthetic results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from edgegym.cli import main
from edgegym.eval.aggregate import EvalConfig, summarize
from edgegym.eval.compare import compare
from edgegym.eval.plots import write_plots
from edgegym.eval.report import pick_k, print_comparison, print_report
from edgegym.eval.results import EvalResults

Make = Callable[..., EvalResults]


def render(fn: Callable[[Console], None]) -> str:
    console = Console(record=True, width=250)
    fn(console)
    return console.export_text()


def test_report_prints_every_grouping(make_results: Make) -> None:
    results = make_results()
    summary = summarize(results, EvalConfig(n_boot=100))
    text = render(lambda c: print_report(c, results, summary))
    for needle in (
        "By band",
        "in-distribution",
        "edge",
        "hard",
        "By op",
        "By context",
        "verified@16",
        "answer@1",
        "Reward flags",
        "hedged",
    ):
        assert needle in text
    assert "By mode" not in text  # a single mode adds nothing


def test_comparison_marks_differences(make_results: Make) -> None:
    a = make_results(seed=1)
    comparison = compare(a, make_results(seed=1, rate_answer=0.9), EvalConfig(n_boot=100))
    text = render(lambda c: print_comparison(c, comparison, labels=("base", "rl")))
    assert "A = base, B = rl" in text and "Δ @1" in text and "+0." in text


def test_pick_k() -> None:
    assert pick_k((1, 2, 4, 8, 16)) == [1, 4, 16]
    assert pick_k((1, 2)) == [1, 2]
    assert pick_k((1, 2, 4), wanted=(4, 99)) == [4]
    assert pick_k((1, 2, 4, 8), wanted=(99,)) == [1, 4, 8]


def test_plots_are_written(tmp_path: Path, make_results: Make) -> None:
    summary = summarize(make_results(), EvalConfig(n_boot=50))
    written = write_plots(summary, tmp_path)
    assert [p.name for p in written] == ["passk_curves.png", "passk_heatmap.png"]
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_and_compare_commands(
    tmp_path: Path, make_results: Make, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    make_results(seed=1).save(a)
    make_results(seed=1, rate_verified=0.5).save(b)
    out = tmp_path / "plots"
    assert (
        main(
            [
                "eval",
                "report",
                str(a),
                "--out-dir",
                str(out),
                "--n-boot",
                "50",
                "--bands",
                "id:2-10,ood:11-20",
                "--k",
                "1,4,16",
            ]
        )
        == 0
    )
    assert (out / "passk_curves.png").exists() and (out / "passk_heatmap.png").exists()
    text = capsys.readouterr().out
    assert "ood" in text and "By band" in text
    assert main(["eval", "compare", str(a), str(b), "--n-boot", "50"]) == 0
    assert "Paired comparison" in capsys.readouterr().out
    assert main(["eval", "report", str(tmp_path / "missing.json")]) == 2
    assert main(["eval", "report", str(a), "--k", "x"]) == 2
