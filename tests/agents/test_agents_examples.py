"""Every command line of examples/openrlhf passes OpenRLHF 0.11's own argument parsing.

Each script runs under bash with ``RUN`` set to a recorder, so it prints nothing and runs
nothing but records the exact argv of every command after shell expansion. OpenRLHF
commands are then parsed by OpenRLHF's own ``__main__`` blocks (``runpy``), with
``train(args)`` intercepted at its first call (``ray.is_initialized`` answers yes, so no
cluster starts, and ``get_strategy`` raises with the parsed args), so its argparse and its
own validation asserts run unchanged. Only the modules that cannot be imported here (the
GPU stack: vLLM, DeepSpeed, flash-attn, peft on a CPU machine) are stubbed, and the test
says which; where they are installed nothing is stubbed. ``test_agents_install.py``
imports ``train_ppo_ray`` with no stub at all. edgegym commands are parsed by edgegym's
parser.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import stat
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from edgegym.agents.corpus import FORMAT, MANIFEST, corpus_rows
from edgegym.agents.openrlhf import path as adapter_path
from edgegym.cli import build_parser

utils = pytest.importorskip("openrlhf.utils")
pytest.importorskip("openrlhf.utils.agent")

SCRIPTS = sorted((Path(__file__).resolve().parents[2] / "examples" / "openrlhf").glob("*.sh"))
_HEAVY = (
    "ray",
    "ray.util",
    "ray.util.placement_group",
    "openrlhf.trainer.ray",
    "openrlhf.trainer.ray.launcher",
    "openrlhf.trainer.ray.ppo_actor",
    "openrlhf.trainer.ray.ppo_critic",
    "openrlhf.models",
    "openrlhf.trainer.sft_trainer",
)
"""What OpenRLHF's entry points import beyond argparse: stubbed only where missing."""
_MISSING: dict[str, str | None] = {}


def _missing(name: str) -> str | None:
    """Why ``name`` cannot be imported here (the missing module), or ``None``."""
    if name not in _MISSING:
        try:
            importlib.import_module(name)
            _MISSING[name] = None
        except ImportError as err:
            _MISSING[name] = err.name or str(err)
    return _MISSING[name]


def stubbed() -> dict[str, str]:
    """The modules the parse harness stubs here, with the module each one misses."""
    return {name: why for name in _HEAVY if (why := _missing(name)) is not None}


class _Parsed(Exception):
    def __init__(self, args: Any) -> None:
        super().__init__("parsed")
        self.parsed = args


def _stub(name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = []  # a package, so submodule stubs resolve
    module.is_initialized = lambda: True  # type: ignore[attr-defined]
    for attr in (
        "placement_group",
        "create_vllm_engines",
        "RayActorGroup",
        "ReferenceModelActor",
        "RewardModelActor",
        "PolicyModelActor",
        "CriticModelActor",
        "Actor",
        "SFTTrainer",
    ):
        setattr(module, attr, None)
    return module


def openrlhf_parse(module: str, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run OpenRLHF's ``module`` as ``__main__`` on ``argv`` up to ``train(args)``; its args."""

    def capture(args: Any, *rest: Any, **kwargs: Any) -> Any:
        raise _Parsed(args)

    with monkeypatch.context() as patch:
        for name in stubbed():
            patch.setitem(sys.modules, name, _stub(name))
        ray = importlib.import_module("ray")
        patch.setattr(ray, "is_initialized", lambda: True)  # never start a cluster
        patch.setattr(utils, "get_strategy", capture)
        patch.setattr(sys, "argv", [module, *argv])
        try:
            runpy.run_module(module, run_name="__main__")
        except _Parsed as done:
            return done.parsed
    raise AssertionError(f"{module} did not reach train(args)")


def _record(script: Path, tmp_path: Path, repo: Path) -> list[list[str]]:
    """The argv of every ``$RUN`` command of ``script`` (and run nothing)."""
    record = tmp_path / "commands.jsonl"
    recorder = tmp_path / "record.py"
    recorder.write_text(
        "import json, os, sys\n"
        "with open(os.environ['RECORD'], 'a') as f:\n"
        "    f.write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "edgegym"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m edgegym "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = dict(
        os.environ,
        RUN=f"{sys.executable} {recorder}",
        RECORD=str(record),
        WORK=str(tmp_path / "work"),
        EVAL=str(tmp_path / "suite.jsonl"),
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        PYTHONPATH=str(repo),
    )
    subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True, cwd=tmp_path)
    return [json.loads(line) for line in record.read_text().splitlines()]


def _split(argv: list[str]) -> tuple[str, list[str]] | None:
    """``(module, args)`` of an OpenRLHF launch, or ``None`` for another command."""
    if argv[0] == "deepspeed" and "--module" in argv:
        at = argv.index("--module")
        return argv[at + 1], argv[at + 2 :]
    if argv[0].startswith("python") and argv[1] == "-m" and argv[2].startswith("openrlhf."):
        return argv[2], argv[3:]
    return None


def test_there_are_scripts_for_every_stage() -> None:
    names = {s.stem for s in SCRIPTS}
    assert {"pretrain", "midtrain", "sft", "grpo_single_turn", "grpo_multi_turn"} <= names
    assert {"grpo_curriculum", "smoke"} <= names


def _study_manifests(work: Path) -> None:
    """Manifests of finished corpora of the study's size where the scripts train on them.

    25.8M rows is the unpacked 10B-token pre-training corpus (~387 BPE tokens a row): a
    script that leaves ``--data.max_samples`` at OpenRLHF's default (1,000,000) fails.
    """
    for name in ("pretrain", "midtrain"):
        folder = work / "data" / name
        folder.mkdir(parents=True)
        manifest = {"format": FORMAT, "complete": True, "records": 25_800_000, "shards": []}
        (folder / MANIFEST).write_text(json.dumps(manifest))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_every_command_line_parses(
    script: Path, tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _study_manifests(tmp_path / "work")
    commands = _record(script, tmp_path, repo)
    packed = [a[a.index("--out") + 1] for a in commands if a[:3] == ["edgegym", "corpus", "pack"]]
    launches = 0
    for argv in commands:
        if argv[0] == "edgegym":
            args = build_parser().parse_args(argv[1:])
            assert hasattr(args, "func"), argv
            continue
        split = _split(argv)
        assert split is not None, f"unexpected command {argv}"
        module, rest = split
        parsed = openrlhf_parse(module, rest, monkeypatch)
        launches += 1
        if module.endswith("train_sft"):
            assert parsed.model.model_name_or_path and parsed.data.dataset
            if parsed.data.output_key:  # SFT pairs: the prompt must reach the model unchanged
                assert parsed.data.input_template == "{}"
            else:
                assert parsed.model.pretrain_mode_enable and parsed.data.input_key == "text"
            if script.stem in ("pretrain", "midtrain"):  # the whole corpus, packed
                assert parsed.data.dataset in packed
                assert parsed.data.max_samples >= corpus_rows(parsed.data.dataset) > 10**6
        else:
            assert parsed.data.label_key == "label" and parsed.data.input_key == "prompt"
            agent, reward = parsed.train.agent_func_path, parsed.reward.remote_url
            if agent:
                assert agent in (str(adapter_path("agent")), str(adapter_path("curriculum")))
                assert reward == ["agent"]  # OpenRLHF sets it (then splits on commas)
            else:
                assert reward == [str(adapter_path("reward"))]
            assert parsed.rollout.n_samples_per_prompt > 1
            assert parsed.algo.advantage.estimator == "group_norm"
    assert launches >= 1


def test_openrlhf_rejects_the_old_flat_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit):
        openrlhf_parse("openrlhf.cli.train_ppo_ray", ["--pretrain", "m"], monkeypatch)
    with pytest.raises(AssertionError, match="n_samples_per_prompt"):
        argv = ["--actor.model_name_or_path", "m", "--algo.advantage.estimator", "group_norm"]
        openrlhf_parse("openrlhf.cli.train_ppo_ray", argv, monkeypatch)


@pytest.mark.slow
def test_smoke_script_data_steps_run_and_openrlhf_reads_them(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run smoke.sh for real with ``deepspeed`` and ``python3`` recorded instead of launched."""
    from openrlhf.datasets import PromptDataset
    from openrlhf.datasets.utils import blending_datasets
    from transformers import AutoTokenizer

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "launches.jsonl"
    for name in ("deepspeed", "python3"):
        shim = bin_dir / name
        shim.write_text(
            f"#!{sys.executable}\nimport json, sys\n"
            f"open({str(record)!r}, 'a').write(json.dumps(['{name}', *sys.argv[1:]]) + '\\n')\n"
        )
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    edgegym_shim = bin_dir / "edgegym"
    edgegym_shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m edgegym "$@"\n')
    edgegym_shim.chmod(edgegym_shim.stat().st_mode | stat.S_IEXEC)
    env = dict(
        os.environ,
        WORK=str(tmp_path / "work"),
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        PYTHONPATH=str(repo),
    )
    script = repo / "examples" / "openrlhf" / "smoke.sh"
    subprocess.run(["bash", str(script)], env=env, check=True, capture_output=True, cwd=tmp_path)
    launches = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(launches) == 5
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "work" / "init")
    for argv in launches:
        module, rest = _split(argv) or ("", [])
        parsed = openrlhf_parse(module, rest, monkeypatch)
        if module.endswith("train_ppo_ray"):
            strategy = types.SimpleNamespace(
                args=types.SimpleNamespace(data=parsed.data, use_ms=False),
                is_rank_0=lambda: True,
                print=lambda *a, **k: None,
            )
            data = blending_datasets(parsed.data.prompt_dataset, None, strategy)
            assert len(PromptDataset(data, tokenizer, strategy)) > 0
        else:
            assert Path(parsed.data.dataset).is_dir()
