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
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import edgegym
from edgegym.tasks import CONTEXTS, DagConfig, TaskSpec, generate
from edgegym.tasks.mutate import varied_responses

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
    return spec.to_dict(), varied_responses(generate(spec), rng)


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
