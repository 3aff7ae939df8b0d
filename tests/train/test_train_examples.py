"""The reproduction examples run end to end on the micro preset with a tiny budget."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(name: str, argv: list[str], monkeypatch: Any) -> None:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", [name, *argv])
    module.main()


TINY = ["--preset", "micro", "--rl-steps", "2", "--eval-problems", "2", "--eval-samples", "2"]


@pytest.mark.slow  # ~40 s on a free 2-core machine: the edge study, micro preset, 2 seeds
def test_reproduce_edge_runs_every_arm(tmp_path: Path, monkeypatch: Any) -> None:
    _run("reproduce_edge", [*TINY, "--seeds", "2", "--out", str(tmp_path)], monkeypatch)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["plan"]["arms"]) == {"id", "edge", "curriculum", "hard"}
    assert manifest["plan"]["budget"] == {"rollouts_per_run": 2 * 4 * 4, "equal": True}
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["done"] == {arm: [0, 1] for arm in ("id", "edge", "hard", "curriculum")}
    assert (tmp_path / "plot.png").is_file()


@pytest.mark.slow
def test_reproduce_process_runs_every_reward(tmp_path: Path, monkeypatch: Any) -> None:
    _run("reproduce_process", [*TINY, "--out", str(tmp_path)], monkeypatch)
    summary = json.loads((tmp_path / "reproduce_process.json").read_text())
    assert set(summary["rates"]) == {"base", "outcome", "gated", "strict"}
    assert (tmp_path / "reproduce_process.png").is_file()


@pytest.mark.parametrize("name", ["reproduce_edge", "reproduce_process"])
def test_examples_explain_themselves(name: str) -> None:
    text = (EXAMPLES / f"{name}.py").read_text()
    assert text.startswith('"""') and "python examples/" in text


@pytest.mark.slow  # ~40 s: the preset checks, then reproduce_edge on the micro preset
def test_gpu_check_runs_on_cpu_with_its_edge_stage(monkeypatch: Any, capfd: Any) -> None:
    edge = "--rl-steps 2 --eval-problems 2 --eval-samples 2 --eval-ops 2-3"
    argv = ["--device", "cpu", "--presets", "tiny", "--prompts", "4", "--new-tokens", "16"]
    argv += ["--edge-preset", "micro", "--edge-set", "pretrain.steps=4", "--edge-args", edge]
    _run("gpu_check", argv, monkeypatch)
    out = capfd.readouterr().out
    assert "all checks passed" in out
    assert "reproduce_edge.py on CPU: finished" in out
    assert "Primary endpoint" in out  # the study's report was printed
