"""Suites: deterministic, test-split, duplicate-free, leakage-guarded, digest-checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgegym.eval.leakage import exclusion_fingerprint, hash_of_record, load_exclusion
from edgegym.eval.suites import SuiteConfig, build_suite, load_suite, preset, write_suite
from edgegym.tasks import CONTEXTS, TaskSpec, generate

SMALL = SuiteConfig(name="small", ops=(2, 3, 11), per_op=12, seed=3)


def test_suite_is_deterministic_and_ordered() -> None:
    a, b = build_suite(SMALL), build_suite(SMALL)
    assert a.records == b.records
    assert a.digest == b.digest
    assert [r["op"] for r in a.records] == [2] * 12 + [3] * 12 + [11] * 12
    assert {r["split"] for r in a.records} == {"test"}
    assert len({r["graph_hash"] for r in a.records}) == len(a.records)


def test_parallel_build_is_identical() -> None:
    assert build_suite(SMALL, workers=2).records == build_suite(SMALL).records


def test_seed_changes_the_suite() -> None:
    other = build_suite(SuiteConfig(name="small", ops=(2, 3, 11), per_op=12, seed=4))
    assert other.digest != build_suite(SMALL).digest


def test_round_trip_and_digest_check(tmp_path: Path) -> None:
    suite = build_suite(SMALL)
    write_suite(suite, tmp_path)
    loaded = load_suite(tmp_path)
    assert loaded.records == suite.records
    assert loaded.manifest == json.loads((tmp_path / "manifest.json").read_text())
    assert SuiteConfig.from_dict(loaded.manifest["config"]) == SMALL
    text = (tmp_path / "problems.jsonl").read_text()
    (tmp_path / "problems.jsonl").write_text(text.replace('"answer": ', '"answer": 1', 1))
    with pytest.raises(ValueError, match="digest"):
        load_suite(tmp_path)


def test_missing_suite_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build-suite"):
        load_suite(tmp_path)


def test_leakage_guard_excludes_training_hashes(tmp_path: Path) -> None:
    plain = build_suite(SMALL)
    leaked = plain.records[::3]  # a "training export" that holds every third suite problem
    export = tmp_path / "train.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in leaked))
    exclude = load_exclusion([export])
    assert exclude == {r["graph_hash"] for r in leaked}
    guarded = build_suite(SMALL, exclude=exclude)
    assert not exclude & {r["graph_hash"] for r in guarded.records}
    assert len(guarded.records) == len(plain.records)
    # Problems that did not collide are untouched.
    kept = [r for i, r in enumerate(plain.records) if i % 3]
    assert all(r in guarded.records for r in kept)
    assert guarded.manifest["exclude"] == exclusion_fingerprint(exclude)
    assert plain.manifest["exclude"]["hashes"] == 0


def test_exclusion_sources(tmp_path: Path) -> None:
    problem = generate(TaskSpec(op=4, split="train", index=1))
    record = problem.to_record()
    no_hash = {k: v for k, v in record.items() if k != "graph_hash"}
    assert hash_of_record(no_hash) == problem.graph_hash
    label = {"prompt": "...", "label": json.dumps({"graph_hash": "abc"})}
    assert hash_of_record(label) == "abc"
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.jsonl").write_text(json.dumps(no_hash) + "\n\n")
    h1, h2 = "0123456789abcdef0123", "fedcba9876543210fedc"
    (tmp_path / "d" / "b.txt").write_text(f"{h1}\n{h2}\n")
    assert load_exclusion([tmp_path / "d"]) == {problem.graph_hash, h1, h2}
    (tmp_path / "bad.jsonl").write_text('{"prompt": "x"}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        load_exclusion([tmp_path / "bad.jsonl"])


def test_presets() -> None:
    ex = preset("extrapolation", per_op=5)
    assert ex.ops == tuple(range(2, 21)) and ex.size == 19 * 5
    ctx = preset("context", per_op=2)
    assert ctx.contexts == CONTEXTS and ctx.size == len(CONTEXTS) * len(ctx.ops) * 2
    assert preset("extrapolation", modes=("forward", "reverse")).size == 2 * 19 * 200
    with pytest.raises(ValueError, match="suite must be one of"):
        preset("nope")


def test_context_suite_builds_every_context() -> None:
    suite = build_suite(preset("context", per_op=1, ops=(2, 14)))
    assert sorted({r["context"] for r in suite.records}) == sorted(CONTEXTS)
    assert {r["op"] for r in suite.records} == {2, 14}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ops": ()}, "ops"),
        ({"ops": (1,)}, "ops"),
        ({"ops": (3, 3)}, "distinct"),
        ({"contexts": ("mars",)}, "contexts"),
        ({"modes": ("sideways",)}, "modes"),
        ({"per_op": 0}, "per_op"),
    ],
)
def test_config_validation(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SuiteConfig(**{"name": "x", "ops": (2,), **fields})  # type: ignore[arg-type]
