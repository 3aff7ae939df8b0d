"""The task core: exact op, legal values, solvable text, determinism, splits, errors."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgegym.tasks import (
    CONTEXTS,
    DagConfig,
    Node,
    Problem,
    TaskSpec,
    generate,
    split_of,
)

REALISTIC = tuple(c for c in CONTEXTS if c != "symbolic")


def recompute(node: Node, values: dict[str, int], modulus: int | None) -> int | None:
    """A node's value from its parents' values (None for roots)."""
    vals = [values[p] for p in node.parents]
    if node.op in ("const", "unknown"):
        return None
    if node.op == "copy":
        out = vals[0]
    elif node.op == "times":
        out = (node.k or 0) * vals[0]
    elif node.op == "plus":
        out = (node.k or 0) + vals[0]
    elif node.op == "product":  # pairs (count, average)
        out = sum(vals[j] * vals[j + 1] for j in range(0, len(vals), 2))
    elif node.op.endswith("diff"):  # diff, times_diff, plus_diff
        out = vals[0] - vals[1]
    else:
        out = sum(vals)
    if node.op.startswith("times_"):  # a compound relation takes its constant
        out *= node.k or 0
    elif node.op.startswith("plus_"):
        out += node.k or 0
    return out % modulus if modulus is not None else out


def check_problem(p: Problem) -> None:
    spec, cfg = p.spec, p.spec.config
    assert p.op == spec.op
    values: dict[str, int] = {}
    names = [n.name for n in p.nodes]
    assert len(set(names)) == len(names)
    for node in p.nodes:
        assert all(parent in values for parent in node.parents), "not topological"
        expected = recompute(node, values, cfg.modulus)
        if expected is not None:
            assert node.value == expected, node
        if cfg.modulus is None:
            assert 1 <= node.value <= cfg.max_value, node
        else:
            assert 0 <= node.value < cfg.modulus
        values[node.name] = node.value
    # every node but the last is needed by a later one
    used = {parent for node in p.nodes for parent in node.parents}
    assert set(names[:-1]) <= used
    assert p.solution.endswith(f"Answer: {p.answer}.")
    if spec.mode == "forward":
        assert p.answer == p.nodes[-1].value
    else:
        unknown = [n for n in p.nodes if n.op == "unknown"]
        assert len(unknown) == 1 and p.answer == unknown[0].value >= 1
        assert p.nodes[-1].coef is not None and p.nodes[-1].coef[0] != 0
    for node in p.nodes:  # every defined value appears in the trace
        assert f"Define {node.name} as " in p.solution
    assert split_of(p.graph_hash) == spec.split


specs = st.builds(
    TaskSpec,
    context=st.sampled_from(CONTEXTS),
    mode=st.sampled_from(["forward", "reverse"]),
    op=st.integers(2, 30),
    split=st.sampled_from(["train", "val", "test"]),
    seed=st.integers(0, 2**32),
    index=st.integers(0, 10**6),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs)
def test_any_valid_spec_gives_a_legal_problem_at_exactly_its_op(spec: TaskSpec) -> None:
    check_problem(generate(spec))


@settings(max_examples=100, deadline=None)
@given(
    spec=specs,
    modulus=st.sampled_from([None, 7, 10]),
    distractors=st.sampled_from([0, 0.5, 2.0]),
    shuffle=st.booleans(),
    totals=st.booleans(),
    depth=st.sampled_from([None, 2]),
)
def test_config_variants(
    spec: TaskSpec,
    modulus: int | None,
    distractors: float,
    shuffle: bool,
    totals: bool,
    depth: int | None,
) -> None:
    mode = "forward" if modulus is not None else spec.mode
    cfg = DagConfig(
        modulus=modulus, distractors=distractors, shuffle=shuffle, totals=totals, depth=depth
    )
    p = generate(dataclasses.replace(spec, mode=mode, config=cfg))
    check_problem(p)
    if not totals:
        assert all(n.op != "total" for n in p.nodes)
    if distractors == 0:
        assert p.distractors == ()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=specs,
    modulus=st.sampled_from([None, 7, 10]),
    compound=st.sampled_from([0.4, 1.0]),
    depth=st.sampled_from([None, 2, 3]),
)
def test_study_configs_give_legal_problems_at_exactly_their_op(
    spec: TaskSpec, modulus: int | None, compound: float, depth: int | None
) -> None:
    if depth == 3 and spec.context in ("symbolic",):
        depth = 2
    mode = "forward" if modulus is not None else spec.mode
    cfg = DagConfig.study(modulus=modulus, compound=compound, depth=depth)
    check_problem(generate(dataclasses.replace(spec, mode=mode, config=cfg)))


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_independent_solver_agrees_on_text(context: str, mode: str, solver: Any) -> None:
    """12 x 19 x 45 = 10,260 problems across contexts, modes and op 2..20."""
    for op in range(2, 21):
        for index in range(45):
            p = generate(TaskSpec(context=context, mode=mode, op=op, index=index, split="test"))
            assert solver(context, p.problem, p.question) == p.answer, p.to_json()


def test_solver_handles_modulus_and_no_shuffle(solver: Any) -> None:
    cfg = DagConfig(modulus=10, distractors=0, shuffle=False, totals=False)
    for op in range(2, 16):
        for index in range(20):
            p = generate(TaskSpec(context="symbolic", op=op, index=index, config=cfg))
            assert solver("symbolic", p.problem, p.question) == p.answer


def _digest(n: int) -> str:
    code = (
        "import hashlib, sys\n"
        "from edgegym.tasks import TaskSpec, DagConfig, generate, CONTEXTS\n"
        "budget = DagConfig(statements=24)\n"
        "study = DagConfig.study(compound=0.8)\n"
        "h = hashlib.sha256()\n"
        f"for i in range({n}):\n"
        "    c = CONTEXTS[i % len(CONTEXTS)]\n"
        "    m = 'reverse' if i % 2 else 'forward'\n"
        "    cfg = budget if i % 3 == 0 else study if i % 3 == 1 else DagConfig()\n"
        "    spec = TaskSpec(context=c, mode=m, op=2 + i % 19, index=i, config=cfg)\n"
        "    h.update(generate(spec).to_json().encode())\n"
        "print(h.hexdigest())\n"
    )
    return code


def test_same_bytes_across_processes_and_hash_seeds() -> None:
    outs = []
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", _digest(300)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outs.append(result.stdout.strip())
    assert outs[0] == outs[1] and len(outs[0]) == 64


def test_same_spec_same_problem_and_record_round_trip() -> None:
    spec = TaskSpec(context="movie", mode="reverse", op=13, index=7, seed=3)
    a, b = generate(spec), generate(spec)
    assert a.to_json() == b.to_json()
    again = Problem.from_record(json.loads(a.to_json()))
    assert again.to_json() == a.to_json()
    bad = {**a.to_record(), "answer": a.answer + 1}
    with pytest.raises(ValueError, match="id"):
        Problem.from_record(bad)


def test_spec_is_a_frozen_dataclass_with_defaults() -> None:
    spec = TaskSpec(context="movie", op=9, seed=4)
    assert spec == dataclasses.replace(TaskSpec(), context="movie", op=9, seed=4)
    assert spec.key == json.dumps(spec.to_dict(), sort_keys=True, separators=(",", ":"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.op = 3  # type: ignore[misc]


def test_spec_key_is_the_canonical_json_of_its_dict() -> None:
    """``TaskSpec.key`` splices in the config's own key: the text must be exactly
    ``json.dumps(to_dict(), sort_keys=True)``, for default, modular, study and
    later-field configs, any mode, split, seed and index (a new field that sorted
    before ``config`` would break it here)."""
    configs = [
        DagConfig(),
        DagConfig(modulus=10, distractors=0),
        DagConfig.study(),
        DagConfig(statements=9, compound=0.25, shuffle=False),
    ]
    for i, config in enumerate(configs * 3):
        spec = TaskSpec(
            context=("zoo", "teacher", "movie")[i % 3],
            mode="reverse" if i % 2 and config.modulus is None else "forward",
            op=2 + i,
            split=("train", "val", "test")[i % 3],
            seed=i * 10**12,
            index=2**63 - 1 - i,
            config=config,
        )
        assert spec.key == json.dumps(spec.to_dict(), sort_keys=True, separators=(",", ":"))


def test_nodes_are_immutable_records() -> None:
    """Node is a native class in the compiled build: it must behave as a frozen record."""
    p = generate(TaskSpec(op=14, mode="reverse", context="library"))
    for node in (*p.nodes, *p.distractors):
        assert type(node) is Node
        twin = Node(**{f: getattr(node, f) for f in Node.FIELDS})
        assert node == twin and hash(node) == hash(twin) and repr(node) == repr(twin)
        assert (node != twin) is False
        assert (
            node
            != node.replace(value=node.value + 1)
            == Node.from_dict({**node.to_dict(), "value": node.value + 1})
        )
        with pytest.raises(TypeError):
            node.replace(weight=1)
        assert Node.from_dict(node.to_dict()) == node
        assert pickle.loads(pickle.dumps(node)) == node
        assert node != node.to_dict() and node.__eq__(None) is NotImplemented
        for field in Node.FIELDS:
            with pytest.raises(AttributeError):
                setattr(node, field, 0)
    assert repr(Node("a", "plus", ("b",), 3, 5)) == (
        "Node(name='a', op='plus', parents=('b',), k=3, value=5, coef=None)"
    )


def test_ids_distinct_within_split_and_splits_disjoint() -> None:
    ids: dict[str, set[str]] = {}
    hashes: dict[str, set[str]] = {}
    for split in ("train", "val", "test"):
        problems = [
            generate(
                TaskSpec(
                    context=CONTEXTS[i % len(CONTEXTS)],
                    mode="reverse" if i % 3 == 0 else "forward",
                    op=2 + i % 19,
                    index=i,
                    split=split,  # type: ignore[arg-type]
                )
            )
            for i in range(10_000 if split == "train" else 2_000)
        ]
        ids[split] = {p.id for p in problems}
        hashes[split] = {p.graph_hash for p in problems}
        assert len(ids[split]) == len(problems)
    assert not ids["train"] & ids["val"] and not ids["train"] & ids["test"]
    assert not hashes["train"] & hashes["test"] and not hashes["val"] & hashes["test"]


def test_items_differ_across_indices_and_seeds() -> None:
    base = TaskSpec(context="zoo", op=10)
    texts = {generate(dataclasses.replace(base, index=i)).problem for i in range(50)}
    seeds = {generate(dataclasses.replace(base, seed=s)).problem for s in range(50)}
    assert len(texts) == 50 and len(seeds) == 50


def test_exclude_skips_given_graph_hashes() -> None:
    spec = TaskSpec(context="zoo", op=6, index=1)
    first = generate(spec)
    other = generate(spec, exclude=frozenset({first.graph_hash}))
    assert other.graph_hash != first.graph_hash
    check_problem(other)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"op": 1}, "op"),
        ({"op": 41}, "op"),
        ({"op": "5"}, "op"),
        ({"mode": "sideways"}, "mode"),
        ({"split": "dev"}, "split"),
        ({"context": "Mars!"}, "context"),
        ({"seed": -1}, "seed"),
        ({"index": -3}, "index"),
    ],
)
def test_invalid_spec_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        TaskSpec(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"const_max": 0}, "const_max"),
        ({"max_value": 5}, "max_value"),
        ({"modulus": 1}, "modulus"),
        ({"depth": 4}, "depth"),
        ({"distractors": -1}, "distractors"),
        ({"shuffle": "yes"}, "shuffle"),
    ],
)
def test_invalid_config_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        DagConfig(**kwargs)


def test_unknown_context_and_impossible_depth() -> None:
    with pytest.raises(ValueError, match="unknown context"):
        generate(TaskSpec(context="mars"))
    with pytest.raises(ValueError, match="depth"):
        generate(TaskSpec(context="symbolic", config=DagConfig(depth=3)))
    with pytest.raises(ValueError, match="modulus"):
        TaskSpec(mode="reverse", config=DagConfig(modulus=10))
