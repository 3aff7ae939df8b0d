"""Same seed, same rollout: across env instances and across processes and hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
CASES = [
    ("Reason-v0", {}),
    ("ReasonStep-v0", {"feedback": "verdict"}),
    ("ReasonStep-v0", {"reward": "linear", "op": [11, 14]}),
]
SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("envs_conftest", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(module.rollout(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])))
"""


@pytest.mark.parametrize(
    ("case_id", "kwargs"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_same_seed_same_rollout_across_instances(
    case_id: str, kwargs: dict[str, Any], rollout: Any
) -> None:
    assert rollout(case_id, kwargs, 11) == rollout(case_id, kwargs, 11)


@pytest.mark.parametrize(
    ("case_id", "kwargs"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_different_seeds_differ(case_id: str, kwargs: dict[str, Any], rollout: Any) -> None:
    assert rollout(case_id, kwargs, 11) != rollout(case_id, kwargs, 12)


def test_same_rollout_in_subprocesses_with_other_hash_seeds(rollout: Any) -> None:
    import json

    for env_id, kwargs in CASES:
        here = rollout(env_id, kwargs, 5)
        for hash_seed in ("0", "1", "12345"):
            env = {**os.environ, "PYTHONHASHSEED": hash_seed}
            out = subprocess.run(
                [sys.executable, "-c", SCRIPT, str(CONFTEST), env_id, json.dumps(kwargs), "5"],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout.strip()
            assert out == here, (env_id, kwargs, hash_seed)
