"""Strict readers: exclusion files, curriculum states and records fail with path:line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import gymnasium as gym
import pytest

from edgegym.cli import CommandError, at_least, int_ranges
from edgegym.curricula import load_curriculum, make_curriculum
from edgegym.eval.leakage import load_exclusion
from edgegym.tasks import Problem, TaskSpec, generate
from edgegym.tasks.io import read_json, read_jsonl

RECORDS = [generate(TaskSpec(op=3, index=i, split="test")).to_record() for i in range(3)]


def test_exclusion_takes_hashes_and_records_only(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("".join(r["graph_hash"] + "\n" for r in RECORDS))
    assert load_exclusion([good]) == {r["graph_hash"] for r in RECORDS}
    bad = {
        "array.json": (json.dumps(RECORDS), 1, "neither a JSON object nor a graph hash"),
        "export.csv": ("id,graph_hash\n", 1, "neither"),
        "upper.txt": (RECORDS[0]["graph_hash"] + "\n" + "ABC" * 7 + "\n", 2, "neither"),
        "short.jsonl": (json.dumps({"graph_hash": "abc"}) + "\n", 1, "not 20 hex digits"),
        "utf8.txt": (None, 2, "not UTF-8"),
        "graph.jsonl": (
            json.dumps({"graph": [{}], "context": "zoo", "mode": "forward"}),
            1,
            "record",
        ),
    }
    for name, (text, line, message) in bad.items():
        path = tmp_path / name
        if text is None:
            path.write_bytes(RECORDS[0]["graph_hash"].encode() + b"\n\xff\n")
        else:
            path.write_text(text)
        with pytest.raises(ValueError, match=rf"{name}:{line}: .*{message}"):
            load_exclusion([path])


def test_curriculum_state_is_strict_and_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    for text, message in (("{}", "missing"), ("[]", "JSON object"), ("{\n\n x", ":3: not valid")):
        path.write_text(text)
        with pytest.raises(ValueError, match=message) as err:
            load_curriculum(path)
        assert str(path) in str(err.value)
    curriculum = make_curriculum()
    curriculum.save(path)
    assert load_curriculum(path).state_dict() == curriculum.state_dict()
    state = json.loads(path.read_text())
    state["tracker"] = {"nonsense": True}
    path.write_text(json.dumps(state))
    fresh = make_curriculum()
    before = fresh.state_dict()
    with pytest.raises(ValueError, match=str(path)):
        fresh.restore(path)
    assert fresh.state_dict() == before  # a failed restore changed nothing


def test_ranges_are_bounded_before_they_are_expanded() -> None:
    clock = time.perf_counter()
    for text in ("2-10000000000", "1-10000000000,3", "0-3", "5-2", "-1", "2-x"):
        with pytest.raises(CommandError):
            int_ranges(text, "--k", 1, 1 << 20)
    assert time.perf_counter() - clock < 0.5  # nothing was expanded
    assert int_ranges("8,1-3", "--k", 1, 10) == [8, 1, 2, 3]
    assert at_least(0)("0") == 0
    with pytest.raises(Exception, match="must be >= 0"):
        at_least(0)("-1")


@pytest.mark.parametrize(
    "change",
    [{"answer": float("inf")}, {"graph": [{"coef": [1]}]}, {"graph": ["x"]}, {"answer": "x"}],
    ids=["answer-inf", "coef-short", "node-not-object", "answer-word"],
)
def test_a_malformed_record_is_a_value_error(change: dict[str, object]) -> None:
    record = {k: v for k, v in RECORDS[0].items() if k != "id"} | change
    with pytest.raises(ValueError, match=r"not a valid edgegym problem record|invalid literal"):
        Problem.from_record(record)
    env = gym.make("edgegym:Reason-v0")
    with pytest.raises(ValueError):
        env.reset(options={"problem": record})
    env.close()


def test_readers_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"b": \xff}\n')
    with pytest.raises(ValueError, match=r"x\.jsonl:3: not UTF-8"):
        list(read_jsonl(path))
    path.write_text('{"a": 1}\n[1]\n')
    with pytest.raises(ValueError, match=r"x\.jsonl:2: expected a JSON object, got list"):
        list(read_jsonl(path))
    path.write_text("[" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        read_json(path)


def test_malformed_reset_options_are_value_errors() -> None:
    """Every field of a record or spec replaced by junk: ``ValueError`` or a valid problem."""
    record = {k: v for k, v in RECORDS[0].items() if k != "id"}
    spec = TaskSpec(op=3).to_dict()
    junk: list[object] = [None, 1, "x", [], {}, [1], 1e309, 10**30, True, [{"name": 1}]]
    cases = [("problem", record | {k: j}) for k in record for j in junk]
    cases += [("spec", spec | {k: j}) for k in spec for j in junk]
    cases += [(kind, j) for kind in ("problem", "spec") for j in junk if j]
    env = gym.make("edgegym:Reason-v0")
    for kind, value in cases:
        try:
            env.reset(options={kind: value})
        except ValueError:
            continue
        env.step("x")  # accepted: a problem that plays
    env.close()
