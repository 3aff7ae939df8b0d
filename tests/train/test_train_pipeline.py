"""The pipeline and its commands on the micro preset: every stage, resume, reports, base export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from edgegym.agents.train.config import Preset, load_preset, preset_names, with_overrides
from edgegym.agents.train.metrics import read_metrics
from edgegym.cli import main

STAGE_DIRS = ("init", "pretrain", "midtrain", "rl")


@pytest.fixture(scope="module")
def micro_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("micro") / "run"
    assert main(["pipeline", "--preset", "micro", "--out", str(out), "--no-progress"]) == 0
    return out


def test_pipeline_runs_every_stage_and_writes_its_files(micro_run: Path, micro: Preset) -> None:
    for stage in STAGE_DIRS:
        assert (micro_run / stage / "model" / "config.json").is_file(), stage
        assert (micro_run / stage / "model" / "tokenizer.json").is_file(), stage
    assert micro.pretrain is not None and micro.rl is not None
    pre = read_metrics(micro_run / "pretrain" / "metrics.jsonl")
    assert [r["step"] for r in pre][-1] == micro.pretrain.steps
    rl = read_metrics(micro_run / "rl" / "metrics.jsonl")
    assert [r["step"] for r in rl] == list(range(1, micro.rl.steps + 1))
    for name in ("before-rl", "after-rl"):
        data = json.loads((micro_run / "eval" / f"{name}.json").read_text())
        assert len(data["problems"]) == len(micro.eval.ops) * micro.eval.problems
        assert all(p["n"] == micro.eval.samples for p in data["problems"])
    report = json.loads((micro_run / "eval" / "report.json").read_text())
    assert set(report["runs"]) == {"before RL", "after RL"}
    assert (micro_run / "eval" / "passk_by_op.png").stat().st_size > 1000


def test_rerun_skips_finished_stages(micro_run: Path) -> None:
    before = {
        s: (micro_run / s / "model" / "model.safetensors").stat().st_mtime_ns for s in STAGE_DIRS
    }
    assert main(["pipeline", "--preset", "micro", "--out", str(micro_run), "--no-progress"]) == 0
    after = {
        s: (micro_run / s / "model" / "model.safetensors").stat().st_mtime_ns for s in STAGE_DIRS
    }
    assert before == after


def test_stage_evaluate_writes_named_results(micro_run: Path) -> None:
    args = ["stage", "evaluate", "--preset", "micro", "--out", str(micro_run)]
    assert main([*args, "--name", "again", "--no-progress"]) == 0
    assert (micro_run / "eval" / "again.json").is_file()


def test_stage_commands_and_overrides(tmp_path: Path) -> None:
    out = tmp_path / "run"
    common = ["--preset", "micro", "--out", str(out), "--no-progress"]
    assert main(["stage", "init", *common]) == 0
    assert main(["stage", "pretrain", *common, "--set", "pretrain.steps=3"]) == 0
    assert len(read_metrics(out / "pretrain" / "metrics.jsonl")) == 2  # log_every 2: steps 2, 3
    assert main(["stage", "midtrain", *common, "--set", "midtrain.steps=2"]) == 0
    # An unfinished stage (checkpoint, no model) resumed with other settings is refused,
    # not silently mixed; the same settings resume it.
    shutil.rmtree(out / "midtrain" / "model")
    assert main(["stage", "midtrain", *common, "--set", "midtrain.steps=3"]) == 2
    assert main(["stage", "midtrain", *common, "--set", "midtrain.steps=2"]) == 0


def test_export_half_and_start_from_a_shipped_base(micro_run: Path, tmp_path: Path) -> None:
    from edgegym.agents.train.pipeline import export_half, file_sha256

    base = tmp_path / "base"
    digest = export_half(micro_run / "pretrain" / "model", base)
    assert digest == file_sha256(base / "model.safetensors")
    config = json.loads((base / "config.json").read_text())
    assert config.get("dtype", config.get("torch_dtype")) == "float16"
    preset = load_preset("micro").to_dict()
    preset["base"] = {"path": str(base), "sha256": digest, "command": "edgegym stage base"}
    path = tmp_path / "micro-base.json"
    path.write_text(json.dumps(preset))
    out = tmp_path / "from-base"
    args = ["pipeline", "--preset", str(path), "--out", str(out), "--from-base", "--no-progress"]
    assert main([*args, "--stages", "midtrain"]) == 0
    info = json.loads((out / "midtrain" / "model" / "edgegym_train.json").read_text())
    assert info["source"] == str(base)
    assert not (out / "pretrain").exists()
    preset["base"]["sha256"] = "0" * 64  # a tampered or stale base is refused
    path.write_text(json.dumps(preset))
    assert main([*args, "--stages", "midtrain", "--restart"]) == 2


@pytest.mark.parametrize("name", preset_names())
def test_shipped_presets_load(name: str) -> None:
    preset = load_preset(name)
    assert preset.name == name
    assert Preset.from_dict(preset.to_dict()) == preset
    if preset.base is not None:
        from edgegym.agents.train.pipeline import base_dir

        assert (base_dir(preset) / "config.json").is_file()  # present and matching its hash


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("rl.steps=-1", "steps must be >= 0"),
        ("rl.nope=1", "unknown field 'nope'"),
        ("nosuch.steps=1", "no section 'nosuch'"),
        ("pretrain.weights=[0.5, 0.4]", "weights must sum to 1"),
        ("eval.k=[1, 99]", r"k entry must be in \[1, 4\]"),
        ("steps", "section.field=value"),
    ],
)
def test_bad_overrides_are_rejected(micro: Preset, setting: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        with_overrides(micro, [setting])


def test_unknown_preset_names_the_choices() -> None:
    with pytest.raises(ValueError, match="preset must be one of"):
        load_preset("no-such-preset")
