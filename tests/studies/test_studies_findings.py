"""The process, context and mid-training studies: declarations, metrics, budgets, micro runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from edgegym.eval.results import EvalResults, ProblemScore
from edgegym.studies import STUDIES, Arm, Endpoint
from edgegym.studies.budget import split_budget
from edgegym.studies.report import Collected, difference, guess_rate
from edgegym.studies.run import fill
from edgegym.tasks import DagConfig


def _results(rows: list[tuple[int, str, int, int]], n: int = 4) -> EvalResults:
    """``(op, context, correct, verified)`` per problem."""
    return EvalResults.from_scores(
        [
            ProblemScore(id=f"p{i}", op=op, context=ctx, mode="forward", n=n, correct=c, verified=v)
            for i, (op, ctx, c, v) in enumerate(rows)
        ]
    )


def test_the_findings_are_declared_with_their_primary_endpoints() -> None:
    assert {"edge", "process", "context", "midtrain"} <= set(STUDIES)
    process = STUDIES["process"]
    assert {a.reward for a in process.arms} == {"outcome", "gated", "strict"}
    assert sorted(a.rl.get("alpha", 1.0) for a in process.arms) == [0.2, 0.5, 1.0, 1.0]
    assert process.primary.metric == "excess"
    context = STUDIES["context"]
    assert context.primary.context == "teacher"
    assert [a.pretrain.get("contexts") for a in context.arms][1:] == [
        "{context}=0.999,teacher=0.001@2",
        "{context}=0.99,teacher=0.01@2",
        "{context}=0.9,teacher=0.1@2",
    ]
    assert [a.midtrain_share for a in STUDIES["midtrain"].arms] == [0.0, 0.2, 0.5, 0.8]
    with pytest.raises(ValueError, match="midtrain_share"):
        Arm(name="x", midtrain_share=1.0)


def test_gap_and_guess_subtracted_excess() -> None:
    assert guess_rate(DagConfig(modulus=10)) == 0.1
    assert guess_rate(DagConfig(modulus=None, max_value=99, const_max=9)) == 0.01
    base = _results([(2, "zoo", 4, 4), (2, "zoo", 2, 0), (3, "teacher", 0, 0)])
    data = Collected(base, {}, guess=0.1)
    assert data.matrix("base", "gap", 1)[0] == pytest.approx([0.0, 0.5, 0.0])
    # A problem with no verified sample: answer pass@1 0.5 against a guess's 0.1.
    excess = data.matrix("base", "excess", 1)[0]
    assert excess[1] == pytest.approx(0.4) and excess[0] == pytest.approx(0.0)
    assert excess[2] == pytest.approx(-0.1)  # no answer at all: below chance


def test_endpoints_pool_one_context() -> None:
    base = _results([(3, "zoo", 0, 0), (3, "teacher", 0, 0)])
    arm = _results([(3, "zoo", 4, 4), (3, "teacher", 0, 0)])
    data = Collected(base, {"a": {0: arm}})
    both = difference(data, "a", "base", [3], metric="verified", k=1, key="t")
    teacher = difference(data, "a", "base", [3], metric="verified", k=1, key="t", context="teacher")
    assert both.mean == pytest.approx(0.5) and teacher.mean == 0.0
    assert "teacher problems" in Endpoint(name="e", a="a", b="b", context="teacher").describe(4)


def test_compute_split_spends_the_rl_only_budget() -> None:
    plan = split_budget({"rl": 0.0, "half": 0.5, "most": 0.8}, 40, mid_step=1.0, rl_step=3.0)
    assert plan["rl"] == {
        "midtrain_share": 0.0,
        "midtrain_steps": 0,
        "rl_steps": 40,
        "planned_flops": 120.0,
        "planned_share": 0.0,
    }
    assert (plan["half"]["rl_steps"], plan["half"]["midtrain_steps"]) == (20, 60)
    assert (plan["most"]["rl_steps"], plan["most"]["midtrain_steps"]) == (8, 96)
    assert all(p["planned_flops"] == 120.0 for p in plan.values())
    with pytest.raises(ValueError, match="no mid-training step"):
        split_budget({"tiny": 0.01}, 4, mid_step=100.0, rl_step=1.0)


def test_placeholders_fill_the_task_context() -> None:
    assert fill({"contexts": ["{context}", "teacher"]}, "zoo") == {"contexts": ("zoo", "teacher")}
    assert fill("{context}=0.99,teacher=0.01@2", "symbolic") == "symbolic=0.99,teacher=0.01@2"


@pytest.mark.slow  # the bound: at most 3 minutes on 2 cores each
@pytest.mark.parametrize("name", ["process", "context", "midtrain"])
def test_micro_study_runs_end_to_end(name: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from edgegym.cli import main

    clock = time.perf_counter()
    args = ["study", name, "--preset", "micro", "--out", str(tmp_path), "--no-progress"]
    assert main(args) == 0
    assert time.perf_counter() - clock < 180
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["done"] == {arm.name: [0, 1, 2] for arm in STUDIES[name].arms}
    assert report["primary"]["name"] == STUDIES[name].primary.name
    assert np.isfinite(report["primary"]["mean"])
    if name == "midtrain":
        arms = manifest["plan"]["arms"]
        assert manifest["plan"]["budget"]["mode"] == "compute"
        steps = {name: spec["midtrain_steps"] for name, spec in arms.items()}
        assert steps["rl-only"] == 0 < steps["mid-0.2"] <= steps["mid-0.5"] <= steps["mid-0.8"]
        assert arms["rl-only"]["rl_steps"] > arms["mid-0.8"]["rl_steps"]
    if name == "context":
        teacher = json.loads(
            (tmp_path / "bases" / "exposure-10" / "pretrain" / "config.json").read_text()
        )
        assert "teacher=0.1@2" in teacher["stage"]["contexts"]


@pytest.mark.parametrize("argv", [["study", "--help"], ["study", "context", "--help"]])
def test_study_help_prints(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from edgegym.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # help wraps lines
    assert "context" in text and "1%" in text
