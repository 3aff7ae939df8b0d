"""The ``edgegym eval`` commands chained as a user runs them, and the demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from edgegym.cli import main
from edgegym.eval.demo import run_reference_demo
from edgegym.eval.results import EvalResults


def test_build_sample_score_report_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = tmp_path / "suite"
    assert (
        main(
            [
                "eval",
                "build-suite",
                "extrapolation",
                "--out",
                str(suite),
                "--per-cell",
                "3",
                "--ops",
                "2,9,12,17",
                "--modes",
                "forward,reverse",
            ]
        )
        == 0
    )
    manifest = json.loads((suite / "manifest.json").read_text())
    assert manifest["problems"] == 4 * 2 * 3
    assert main(["eval", "build-suite", "extrapolation", "--out", str(suite)]) == 2  # exists
    runs = {}
    for policy in ("oracle", "corrupted"):
        gen = tmp_path / f"{policy}.jsonl"
        assert (
            main(
                [
                    "eval",
                    "sample-reference",
                    policy,
                    "--suite",
                    str(suite),
                    "--out",
                    str(gen),
                    "--n",
                    "8",
                ]
            )
            == 0
        )
        runs[policy] = tmp_path / f"{policy}.json"
        assert (
            main(
                [
                    "eval",
                    "score",
                    "--suite",
                    str(suite),
                    "--generations",
                    str(gen),
                    "--out",
                    str(runs[policy]),
                    "--workers",
                    "1",
                ]
            )
            == 0
        )
    oracle, corrupted = (EvalResults.load(runs[p]) for p in ("oracle", "corrupted"))
    assert oracle.suite == corrupted.suite and oracle.suite["problems"] == 24
    assert all(p.verified == 8 for p in oracle.problems)
    assert all(p.verified == 0 and p.correct == 8 for p in corrupted.problems)
    assert oracle.summary is not None and oracle.summary["k"] == [1, 2, 4, 8]
    capsys.readouterr()
    assert main(["eval", "report", str(runs["corrupted"]), "--n-boot", "100"]) == 0
    assert "By mode" in capsys.readouterr().out  # two modes: a table per mode
    assert (
        main(["eval", "compare", str(runs["oracle"]), str(runs["corrupted"]), "--n-boot", "100"])
        == 0
    )
    assert "-1.000" in capsys.readouterr().out  # verified drops by exactly 1


def test_score_rejects_foreign_generations(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    assert (
        main(
            [
                "eval",
                "build-suite",
                "extrapolation",
                "--out",
                str(suite),
                "--per-op",
                "1",
                "--ops",
                "3",
            ]
        )
        == 0
    )
    gen = tmp_path / "g.jsonl"
    gen.write_text(json.dumps({"id": "not-a-problem", "response": "x"}) + "\n")
    assert (
        main(
            [
                "eval",
                "score",
                "--suite",
                str(suite),
                "--generations",
                str(gen),
                "--out",
                str(tmp_path / "r.json"),
            ]
        )
        == 2
    )
    assert not (tmp_path / "r.json").exists()


def test_reference_demo(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    results = run_reference_demo(console, tmp_path, per_op=2, samples=8)
    text = console.export_text()
    assert set(results) == {"oracle", "guesser", "corrupted"}
    for needle in (
        "oracle: pass@k by band",
        "Random guesser (M = 23) vs theory",
        "Paired comparison",
    ):
        assert needle in text
    assert (tmp_path / "guesser" / "results.json").exists()
    assert (tmp_path / "guesser" / "passk_curves.png").exists()


def test_suite_does_not_depend_on_hash_seed(tmp_path: Path) -> None:
    digests = set()
    for seed in ("0", "12345"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "edgegym",
                "eval",
                "build-suite",
                "context",
                "--out",
                str(out),
                "--per-cell",
                "1",
                "--ops",
                "2,13",
            ],
            check=True,
            env=env,
            capture_output=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        digests.add(json.loads((out / "manifest.json").read_text())["digest"])
    assert len(digests) == 1


def test_build_suite_per_op_means_per_op(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--per-op`` is problems per op, as in ``generate``: split over the (context, mode) cells."""
    args = ["eval", "build-suite", "extrapolation", "--ops", "2,3", "--modes", "forward,reverse"]
    assert main([*args, "--out", str(tmp_path / "a"), "--per-op", "4"]) == 0
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["problems"] == 2 * 4
    assert "2 in each of the 2 (context, mode) cells" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "b"), "--per-op", "3"]) == 2
    assert "multiple of the 2 (context, mode) cells" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "c"), "--per-op", "2", "--per-cell", "1"]) == 2
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
