"""Studies: the command line comes from the declaration; bands, budgets, resume and the report."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest

from edgegym.studies import STUDIES, Arm, Endpoint, Settings, Study
from edgegym.studies.declare import BandRule
from edgegym.studies.run import (
    arm_config,
    arm_ops,
    claim,
    command_of,
    run_order,
    select_bands,
)

EDGE = STUDIES["edge"]


def _rates(pass1: list[float], passk: list[float], first: int = 2) -> dict[int, dict[str, float]]:
    return {
        first + i: {"verified@1": a, "verified@k": b}
        for i, (a, b) in enumerate(zip(pass1, passk, strict=True))
    }


def test_parser_is_derived_from_the_declaration() -> None:
    from edgegym.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["study", "edge"])
    for f in dataclasses.fields(Settings):
        assert hasattr(args, f.name), f.name  # one option per Settings field, nothing else
    assert args.seeds == EDGE.defaults["seeds"] >= 3
    args = parser.parse_args(["study", "edge", "--seeds", "5", "--set", "rl.lr=1e-5"])
    settings = Settings.from_dict(
        {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)}
    )
    assert settings.seeds == 5 and settings.set == ("rl.lr=1e-5",)
    assert (
        command_of(EDGE, settings) == "edgegym study edge --seeds 5 --device cpu --set rl.lr=1e-5"
    )


def test_bands_leave_ops_beyond_every_arm() -> None:
    rates = _rates([0.9, 0.8, 0.6, 0.3, 0.1, 0.01, 0.0, 0.0], [1, 1, 1, 0.9, 0.5, 0.1, 0.02, 0.0])
    bands, notes = select_bands(rates, BandRule(width=2))
    assert bands == {"id": (3, 4), "edge": (5, 6), "hard": (8,)} and not notes
    # op 7 (pass@k 0.1) is edge by the rule but beyond the width; op 9, the top, stays beyond.
    curriculum = arm_ops(Arm(name="c", band=None), bands)
    assert curriculum == (3, 4, 5, 6, 7, 8) and max(curriculum) < max(rates)


def test_empty_bands_fall_back_and_say_so() -> None:
    bands, notes = select_bands(_rates([0.0] * 4, [0.0] * 4), BandRule())
    assert bands == {"id": (2,), "edge": (3,), "hard": (4,)}
    assert len(notes) == 2 and all("falls back" in note for note in notes)


def test_every_arm_has_the_same_rollout_budget() -> None:
    from edgegym.agents.train.config import load_preset

    rl = load_preset("edge-cpu").rl
    assert rl is not None
    budgets = {
        (c.steps, c.prompts, c.group)
        for arm in EDGE.arms
        for c in [arm_config(rl, arm, (2, 3), seed=1)]
    }
    assert budgets == {(rl.steps, rl.prompts, rl.group)}
    with pytest.raises(ValueError, match="one budget"):
        Arm(name="x", rl={"steps": 1})
    with pytest.raises(ValueError, match="names no arm"):
        Study(
            name="s",
            title="t",
            description="d",
            arms=(Arm(name="a"),),
            primary=Endpoint(name="p", a="a", b="missing"),
        )


def test_primary_arms_run_first_seed_by_seed() -> None:
    order = [(arm.name, seed) for arm, seed in run_order(EDGE, 2)]
    assert order[:4] == [("id", 0), ("edge", 0), ("id", 1), ("edge", 1)]
    assert len(order) == 2 * len(EDGE.arms)


QUICK = ["--preset", "micro", "--rl-steps", "1", "--eval-problems", "2", "--eval-samples", "2"]
QUICK += ["--eval-ops", "2-4", "--set", "pretrain.steps=2", "--no-progress"]


def test_killed_study_resumes_and_reruns_from_its_manifest(
    tmp_path: Path, monkeypatch: Any
) -> None:
    pytest.importorskip("torch")
    from edgegym.cli import main
    from edgegym.studies import run as study_run

    real = study_run._train_arm
    calls: list[tuple[str, int]] = []

    def crash_once(sr: Any, base: Any, arm: Any, config: Any, seed: int) -> Any:
        calls.append((arm.name, seed))
        if (arm.name, seed) == ("edge", 0) and calls.count(("edge", 0)) == 1:
            raise KeyboardInterrupt  # stands in for a kill
        return real(sr, base, arm, config, seed)

    monkeypatch.setattr(study_run, "_train_arm", crash_once)
    out = tmp_path / "edge"
    assert main(["study", "edge", *QUICK, "--seeds", "1", "--out", str(out)]) == 130
    first = (out / "results" / "id" / "seed-0.json").stat().st_mtime_ns
    assert not (out / "results" / "edge").exists()
    manifest = out / "manifest.json"
    assert main(["study", "edge", "--manifest", str(manifest)]) == 0  # continues
    assert (out / "results" / "id" / "seed-0.json").stat().st_mtime_ns == first  # not redone
    report = json.loads((out / "report.json").read_text())
    assert report["done"] == {arm.name: [0] for arm in EDGE.arms}
    assert (
        report["primary"]["name"] == "edge-vs-id"
        and report["primary"]["lo"] < report["primary"]["hi"]
    )
    assert main(["study", "edge", "--seeds", "0"]) == 2  # a clear one-line error
    assert main(["study", "edge", *QUICK, "--out", str(out), "--set", "rl.lr=0.5"]) == 2


@pytest.mark.slow  # the bound: at most 3 minutes on 2 cores (~75 s on a loaded one)
def test_micro_study_end_to_end_within_three_minutes(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from edgegym.cli import main

    clock = time.perf_counter()
    assert (
        main(["study", "edge", "--preset", "micro", "--out", str(tmp_path), "--no-progress"]) == 0
    )
    assert time.perf_counter() - clock < 180
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["plan"]["budget"]["equal"] and manifest["settings"]["seeds"] == 3
    assert manifest["plan"]["bands_chosen_on"].startswith("validation")
    for arm in EDGE.arms:
        for seed in range(3):
            assert (tmp_path / "results" / arm.name / f"seed-{seed}.json").is_file()
    text = (tmp_path / "report.md").read_text()
    assert text.index("Primary endpoint") < text.index("Secondary")
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_a_run_is_claimed_by_one_worker_and_stale_claims_are_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "arms" / "edge" / "seed-0.claim"
    with claim(path) as first:
        assert first and path.read_text() == str(__import__("os").getpid())
        with claim(path) as second:
            assert not second  # a live process holds it
    assert not path.exists()  # released
    path.write_text("999999999")  # no such process
    with claim(path) as taken:
        assert taken
