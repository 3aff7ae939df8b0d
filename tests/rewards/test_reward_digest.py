"""Scores are pinned: the digest of every reward field over varied responses
(``benchmarks/score_digest.py``) equals the one recorded when the scorer was made one
(issue 17: the digest before, at the two-scorer base, and after are the same)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

# Recorded at the base commit b11b494 (with fastscore and fastpath) and unchanged since.
SCORES_60 = "b836de8f146a5adb967e49a9f99e39e48839d467e47466fb121fac837bd1e6bf"
SCORES_FULL = "336766ec57e62f747781f024cb4d1799e4bbc4f14720d3aa7af4bd660698a27e"


def _digest_module() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "score_digest.py"
    spec = importlib.util.spec_from_file_location("score_digest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_score_digest_of_the_first_60_problems() -> None:
    count, scores, _ = _digest_module().digest(60)
    assert count == 3494
    assert scores == SCORES_60


@pytest.mark.slow
def test_score_digest_of_94646_responses() -> None:
    count, scores, _ = _digest_module().digest()
    assert count == 94646
    assert scores == SCORES_FULL
