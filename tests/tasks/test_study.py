"""The study's problem shape: ``DagConfig.study()``, compound relations, ``--config study``.

The shape's figures against the study's own generator are printed by
``benchmarks/study_shape.py --config study``; these tests check the rules.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from edgegym.cli import CommandError, main
from edgegym.cli.tasks import parse_config
from edgegym.tasks import CONTEXTS, DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.node import COMPOUND_OPS
from edgegym.tasks.stats import shape

EVERY_RELATION = DagConfig.study(compound=1.0, products=1.0)


def statements(p: Problem) -> int:
    stated = sum(1 for n in p.nodes if n.op not in ("total", "product"))
    return stated + (1 if p.spec.mode == "reverse" else 0) + len(p.distractors)


def depths(context: str) -> tuple[int, ...]:
    return (2,) if context == "symbolic" else (2, 3)


def test_study_sets_its_fields_and_takes_overrides() -> None:
    cfg = DagConfig.study()
    assert (cfg.statements, cfg.statements_depth3, cfg.compound, cfg.products) == (6, 19, 0.4, 0.5)
    assert cfg.plain_ops == 4
    assert cfg.const_max == 22 and cfg.max_value == 1000 and cfg.depth is None
    assert DagConfig.from_dict(cfg.to_dict()) == cfg
    assert DagConfig.study(depth=3, compound=0.0).to_dict()["depth"] == 3
    assert "compound" not in DagConfig.study(compound=0.0).to_dict()
    with pytest.raises(ValueError, match="colour"):
        DagConfig.study(colour=1)
    with pytest.raises(ValueError, match="compound"):
        DagConfig(compound=1.5)
    with pytest.raises(ValueError, match="compound"):
        DagConfig(compound=True)
    with pytest.raises(ValueError, match="statements_depth3"):
        DagConfig(statements_depth3=0)
    with pytest.raises(ValueError, match="plain_ops"):
        DagConfig(plain_ops=41)


def test_new_fields_are_left_out_of_older_configs_keys() -> None:
    """Older configurations keep their key, and with it every problem's bytes."""
    data = DagConfig(modulus=7).to_dict()
    assert (
        not {"statements", "statements_depth3", "compound", "products", "plain_ops"} & data.keys()
    )


def test_statement_budget_by_depth() -> None:
    cfg = DagConfig.study()
    for depth, budget in ((2, 6), (3, 19)):
        for op in (2, 3, 4):
            for index in range(5):
                spec = TaskSpec(op=op, index=index, config=DagConfig.study(depth=depth))
                p = generate(spec)
                assert p.depth == depth and statements(p) == budget
    assert cfg.budget(2) == 6 and cfg.budget(3) == 19
    assert DagConfig(statements=9).budget(3) == 9


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_plain_ops_take_no_constant_with_a_parent_at_depth_two(mode: str) -> None:
    """study()'s plain_ops (4): at depth 2, op 2-4 relations take a constant or parents,
    never both (op 3 is three one-edge quantities, as in the study); above it, and at
    depth 3, they do."""
    with_constant = {"times", "plus", *COMPOUND_OPS}
    seen: dict[tuple[int, int], set[str]] = {}
    for context in ("zoo", "symbolic"):
        for depth in (2, 3) if context == "zoo" else (2,):
            for op in (3, 4, 5):
                cfg = DagConfig.study(depth=depth, compound=1.0)
                for index in range(40):
                    p = generate(
                        TaskSpec(context=context, mode=mode, op=op, index=index, config=cfg)
                    )
                    ops = {node.op for node in p.nodes}
                    seen.setdefault((op, depth), set()).update(ops)
                    if depth == 2 and op == 3:
                        assert len(p.nodes) == 3
    for (op, depth), ops in seen.items():
        assert bool(ops & with_constant) == (depth == 3 or op > 4), (op, depth, ops)
    off = DagConfig.study(depth=2, plain_ops=0)
    assert any(len(generate(TaskSpec(op=3, index=i, config=off)).nodes) == 2 for i in range(20))


def test_compound_relations_are_written_in_every_context() -> None:
    """Every context writes all four compound relations; a symbolic one states its constant
    and operation; the gold step computes the difference or sum into a temporary, then the
    constant times (or plus) it. (That every context's sentence carries its constant and
    parents is shown by the text-only solver: test_study_problems_are_solvable_from_text.)"""
    step = re.compile(
        r"Define [^;]+ as (\w); .*?(\w) = [^;]*= ([^;=]+); so \1 = (\d+) ([*+]) \2 = \4 \5 "
    )
    for context in CONTEXTS:
        seen: set[str] = set()
        for index in range(40):
            p = generate(TaskSpec(context=context, op=9, index=index, config=EVERY_RELATION))
            for node in (*p.nodes, *p.distractors):
                if node.op not in COMPOUND_OPS:
                    continue
                seen.add(node.op)
                phrase = node.name if context == "symbolic" else None
                if phrase is not None:
                    assert f"{phrase} = {node.k} {'*' if node.op[0] == 't' else '+'} (" in (
                        p.problem
                    )
            for node in p.nodes:
                if node.op in COMPOUND_OPS:
                    text = p.solution.split(f"Define {node.name} as ")[1].split(". ")[0] + ". "
                    assert step.match(f"Define {node.name} as {text}"), text
        assert seen == COMPOUND_OPS, (context, seen)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_study_problems_are_solvable_from_text(mode: str, solver: Any) -> None:
    """Every context, depth and op 2-40, under study() and with every difference and sum
    compound (every depth-3 forward sum a product total)."""
    for context in CONTEXTS:
        for depth in depths(context):
            for op in range(2, 41):
                for cfg in (DagConfig.study(depth=depth), EVERY_RELATION):
                    cfg = DagConfig.study(**{**cfg.to_dict(), "depth": depth})
                    spec = TaskSpec(context=context, mode=mode, op=op, index=op, config=cfg)
                    p = generate(spec)
                    assert solver(context, p.problem, p.question) == p.answer, p.to_json()


def test_study_problems_with_a_modulus_are_solvable_from_text(solver: Any) -> None:
    for context in CONTEXTS:
        for op in range(2, 41, 3):
            spec = TaskSpec(context=context, op=op, config=DagConfig.study(modulus=10, compound=1))
            p = generate(spec)
            assert solver(context, p.problem, p.question) == p.answer, p.to_json()


def test_product_totals_at_depth_three() -> None:
    """A product total: an entity's count x average pairs of distinct items, implied by
    the text (no sentence states it), its gold step the products added pairwise."""
    seen = 0
    for op in range(2, 30):
        for index in range(4):
            cfg = DagConfig.study(depth=3, products=1.0)
            p = generate(TaskSpec(op=op, index=index, config=cfg))
            for node in p.nodes:
                if node.op != "product":
                    continue
                seen += 1
                entity = node.name.rsplit(" in ", 1)[1]
                counts, averages = node.parents[0::2], node.parents[1::2]
                assert all(c == f"adult {a.split(' per adult ')[1]}" for c, a in zip(
                    counts, averages, strict=True))  # fmt: skip
                assert all(c.endswith(f" in {entity}") for c in counts)
                assert len(set(counts)) == len(counts) and node.edges == len(node.parents)
                assert f"The {node.name} equals" not in p.problem  # implied, never stated
                mentioned = re.findall(rf"adult ([a-z ]+) in {entity}", p.problem)
                assert {f"adult {m} in {entity}" for m in mentioned} == set(counts)
    assert seen >= 20
    reverse = generate(TaskSpec(op=9, mode="reverse", config=DagConfig.study(products=1.0)))
    assert all(n.op != "product" for n in reverse.nodes)


def test_stats_counts_compound_relations() -> None:
    p = generate(TaskSpec(op=12, index=3, config=EVERY_RELATION))
    counted = shape(p).compound
    written = len(re.findall(r"equals \d+ (?:times|plus) the (?:sum|difference)", p.problem))
    assert counted == written > 0
    assert shape(generate(TaskSpec(op=12))).compound == 0


def test_parse_config_reads_study_and_overrides() -> None:
    assert parse_config("study") == DagConfig.study()
    assert parse_config(' study {"depth": 3}') == DagConfig.study(depth=3)
    assert parse_config('{"modulus": 10}') == DagConfig(modulus=10)
    for bad in ("studyx", "study [1]", "study {", "[1]"):
        with pytest.raises(CommandError, match="--config: a DagConfig must be a JSON object"):
            parse_config(bad)
    with pytest.raises(CommandError, match=r"--config: unknown DagConfig field.*colour"):
        parse_config('study {"colour": 1}')


def test_dag_config_parse_reads_every_written_form() -> None:
    assert DagConfig.parse("study") == DagConfig.study()
    assert DagConfig.parse('study {"depth": 3}') == DagConfig.study(depth=3)
    modulus = DagConfig(modulus=10)
    assert DagConfig.parse({"modulus": 10}) == DagConfig.parse('{"modulus": 10}') == modulus
    for bad in ("studyx", "study [1]", "[1]", 3):
        with pytest.raises(ValueError, match="a DagConfig must be a JSON object"):
            DagConfig.parse(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="statements must be in"):
        DagConfig.parse('study {"statements": 0}')


def test_every_config_reader_takes_study_and_from_dict_refuses_text() -> None:
    """Corpus, suite and env configs read a DagConfig through DagConfig.parse; from_dict
    itself takes a mapping only (a string once iterated into garbage field names)."""
    from edgegym.agents.corpus import CorpusConfig
    from edgegym.envs.config import EnvConfig
    from edgegym.eval.suites import SuiteConfig

    corpus = CorpusConfig.from_dict(
        {"kind": "pretrain", "ops": [[2, 1.0]], "records": 10, "dag": "study"}
    )
    assert corpus.dag == DagConfig.study()
    suite = SuiteConfig.from_dict({"name": "s", "ops": [2], "config": 'study {"depth": 3}'})
    assert suite.config == DagConfig.study(depth=3)
    assert EnvConfig(dag="study").dag == DagConfig.study()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be a mapping of fields, got 'study'"):
        DagConfig.from_dict("study")  # type: ignore[arg-type]


def test_presets_and_curriculum_configs_take_study(tmp_path: Any) -> None:
    from edgegym.agents.train.config import Preset, load_preset
    from edgegym.curricula.config import CurriculumConfig

    for name in ("small-gpu", "study-100m"):  # the presets that reproduce the study's zoo runs
        preset = load_preset(name)
        assert (preset.task.context, preset.task.config) == ("zoo", DagConfig.study())
        assert Preset.from_dict(preset.to_dict()) == preset
    data = load_preset("small-gpu").to_dict()
    data["task"]["config"] = 'study {"depth": 3}'
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    assert load_preset(path).task.config == DagConfig.study(depth=3)
    data["task"]["config"] = "studied"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"p\.json: a DagConfig must be a JSON object"):
        load_preset(path)
    assert CurriculumConfig.from_dict({"task": "study"}).task == DagConfig.study()


def test_cli_generate_and_stats_take_config_study(tmp_path: Any, capsys: Any) -> None:
    out = tmp_path / "p.jsonl"
    args = ["generate", "--ops", "4", "--per-op", "2", "--modes", "forward"]
    assert main([*args, "--contexts", "zoo", "--config", "study", "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records and all(r["config"]["statements_depth3"] == 19 for r in records)
    capsys.readouterr()
    stats = ["stats", "--ops", "3", "--per-op", "4", "--json", "--config", 'study {"depth": 3}']
    assert main(stats) == 0
    rows = json.loads(capsys.readouterr().out)["cells"]
    assert rows[0]["depth"] == 3 and rows[0]["statements"] == 19
    assert main(["show", "--config", "study", "--op", "5"]) == 0


def test_cli_export_takes_config_study(tmp_path: Any) -> None:
    argv = ["export", "jsonl", "--out", str(tmp_path / "j"), "--ops", "6", "--per-op", "2"]
    assert main([*argv, "--eval-per-op", "1", "--config", "study"]) == 0
    rows = [json.loads(x) for x in (tmp_path / "j" / "train.jsonl").read_text().splitlines()]
    assert rows and all(json.loads(r["record"])["config"]["compound"] == 0.4 for r in rows)


STUDY_CONFIGS = (
    DagConfig.study(),
    DagConfig.study(depth=3, compound=1.0, products=1.0, modulus=23),
)
PINNED_STUDY = (663, "8711d677b753168d4d331d8839ac550a5822ec91575fc66f999946ca072bfe70")


def test_study_bytes_are_pinned() -> None:
    """study() problems (every context, mode, op 2-40; compound relations and product
    totals in them): the same digest in the pure-Python and compiled builds."""
    path = Path(__file__).with_name("test_bytes.py")  # its digest, over these configurations
    spec = importlib.util.spec_from_file_location("pinned_bytes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.digest(STUDY_CONFIGS) == PINNED_STUDY
