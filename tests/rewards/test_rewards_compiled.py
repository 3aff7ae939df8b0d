"""The mypyc-compiled reward modules and the pure-Python source give the same results.

setup.py compiles the scorer's hot modules where it can; a source install runs them as
Python. Compiled code checks declared types at run time, so a value of another type than
its variable's (legal in Python) would raise there only. The same varied responses (gold,
renamed, corrupted, truncated, edited, junk, not text) are scored here and by the
package's own ``.py`` files in a subprocess with no extension modules on its path, every
way the package scores, and the results must be identical.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import edgegym
from edgegym.rewards.mutate import (
    drop_step,
    duplicate_step,
    letters_of,
    literal_expression,
    move_step,
    rename_letters,
    restate_value,
    with_answer,
)
from edgegym.tasks import CONTEXTS, DagConfig, TaskSpec, generate

# Scores every response every way; prints the compiled modules and the results as JSON.
SCRIPT = """
import json, sys
import edgegym
from edgegym.rewards import MODES, Reward, answer_value, gold_of, parse, parse_answer, score
from edgegym.tasks import TaskSpec, generate

def fields(r):
    return [r.score, r.outcome, r.process, r.verified, r.first_error, sorted(r.flags),
            r.right, r.total]

def rat(v):
    return None if v is None else str(v)

out = []
for spec, responses in json.load(open(sys.argv[1])):
    problem = generate(TaskSpec.from_dict(spec))
    record = problem.to_record()
    gold = gold_of(problem)
    rewards = [Reward(mode=m, alpha=0.3) for m in MODES]
    for response in responses:
        row = [fields(score(problem, response, mode=m, alpha=0.3)) for m in MODES]
        row += [fields(reward.result(problem, response)) for reward in rewards]
        row.append(fields(score(record, response)))
        parsed = parse(response, mode=gold.mode, modulus=gold.modulus)
        row.append([rat(parsed.answer), sorted(parsed.flags), parsed.junk, parsed.work,
                    repr(parsed.steps), repr(parsed.solve)])
        value, flags = parse_answer(response)
        row.append([rat(value), sorted(flags), rat(answer_value(response))])
        out.append(row)
print(json.dumps([edgegym.compiled(), out]))
"""
PROBLEMS = 90
_EDITS = [" ", ".", ";", " = ", "=", "so ", "Define ", "x", "t", "(", ")", "-", "7", "é", "<"]


def _renamed(text: str, rng: random.Random, reverse: bool, injective: bool) -> str:
    used = sorted(letters_of(text) - ({"x"} if reverse else set()))
    pool = [c for c in string.ascii_letters if not (reverse and c == "x")]
    if injective:
        return rename_letters(text, dict(zip(used, rng.sample(pool, len(used)), strict=True)))
    return rename_letters(text, {u: rng.choice(pool[:5]) for u in used})


def _edited(text: str, rng: random.Random) -> str:
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(max(1, text.find(" </solution>")))
        text = text[:at] + rng.choice(_EDITS + list(string.digits)) + text[at + 1 :]
    return text


def _responses(rng: random.Random, k: int) -> tuple[dict[str, Any], list[Any]]:
    mode = ("forward", "reverse")[k % 2]
    modulus = None if mode == "reverse" else (None, None, 7, 10)[k // 2 % 4]
    spec = TaskSpec(
        context=CONTEXTS[k % len(CONTEXTS)],
        mode=mode,
        op=2 + k % 19,
        seed=rng.randrange(2**20),
        index=k,
        config=DagConfig(modulus=modulus),
    )
    problem = generate(spec)
    gold = problem.completion
    reverse = mode == "reverse"
    n = len(problem.nodes)
    out: list[Any] = [gold, _renamed(gold, rng, reverse, True), _renamed(gold, rng, reverse, False)]
    for i in rng.sample(range(n), min(n, 4)):
        node = problem.nodes[i]
        out.append(drop_step(gold, i))
        out.append(duplicate_step(gold, i, value=str(rng.randrange(50))))
        out.append(move_step(gold, i, rng.randrange(n)))
        if node.op != "unknown":
            out.append(restate_value(gold, i, str(node.value + 1)))
        if node.parents:
            out.append(literal_expression(gold, i))
    out += [_renamed(text, rng, reverse, rng.random() < 0.7) for text in out[3:]]
    out.append(with_answer(gold, str(problem.answer + 1)))
    out.append(gold.replace(" </solution>", f" Answer: {problem.answer}. </solution>"))
    out.append(gold + f" <answer> {problem.answer} </answer>")
    out.append(gold.replace(". Define", ". junk Define", 1))
    out += [gold[: rng.randrange(len(gold))] for _ in range(3)]
    out += [_edited(gold, rng) for _ in range(6)]
    out += ["", " </solution> <answer> 5 </answer>", "Define ; as a;.", "x" * 40, None, 7]
    return spec.to_dict(), out


def _run(cases_path: Path, pythonpath: str, cwd: Path) -> list[Any]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(cases_path)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_compiled_matches_pure_python(tmp_path: Path) -> None:
    source = Path(edgegym.__file__).parent
    if "edgegym.rewards.parse" not in edgegym.compiled():
        pytest.skip("pure-Python install: nothing compiled to compare")
    rng = random.Random(7)
    cases = [_responses(rng, k) for k in range(PROBLEMS)]
    cases_path = tmp_path / "cases.json"
    cases_path.write_text(json.dumps(cases))
    pure_root = tmp_path / "pure"
    shutil.copytree(
        source, pure_root / "edgegym", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__")
    )
    pure_modules, pure = _run(cases_path, str(pure_root), pure_root)
    assert pure_modules == [], f"the subprocess imported compiled modules: {pure_modules}"
    built_modules, built = _run(cases_path, str(source.parent), tmp_path)
    assert "edgegym.rewards.parse" in built_modules
    assert len(built) == len(pure)
    for i, (got, want) in enumerate(zip(built, pure, strict=True)):
        assert got == want, i
