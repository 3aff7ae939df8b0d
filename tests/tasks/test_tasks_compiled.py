"""The mypyc-compiled build and the pure-Python source give the same bytes.

setup.py compiles the hot modules where it can; a source install runs them as Python.
Both must generate identical problems, so the compiled build is checked against the
package's own ``.py`` files run in a subprocess with no extension modules on its path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import edgegym
from edgegym.tasks import TaskSpec, generate

SCRIPT = """
import hashlib, sys
import edgegym
from edgegym.tasks import TaskSpec, generate
digest = hashlib.sha256()
for i in range({count}):
    spec = TaskSpec(
        context={contexts}[i % {n_contexts}],
        mode="reverse" if i % 2 else "forward",
        op=2 + i % 19,
        split=("train", "val", "test")[i % 3],
        index=i,
    )
    digest.update(generate(spec).to_json().encode())
print(edgegym.compiled(), digest.hexdigest())
"""
CONTEXTS = ("zoo", "teacher", "movie", "library", "harbor", "symbolic")
COUNT = 1200


def _digest() -> str:
    digest = hashlib.sha256()
    for i in range(COUNT):
        spec = TaskSpec(
            context=CONTEXTS[i % len(CONTEXTS)],
            mode="reverse" if i % 2 else "forward",
            op=2 + i % 19,
            split=("train", "val", "test")[i % 3],  # type: ignore[arg-type]
            index=i,
        )
        digest.update(generate(spec).to_json().encode())
    return digest.hexdigest()


def test_compiled_matches_pure_python(tmp_path: Path) -> None:
    compiled = [m for m in edgegym.compiled() if m.startswith("edgegym.tasks.")]
    if not compiled:
        pytest.skip("pure-Python install: nothing compiled to compare")
    source = Path(edgegym.__file__).parent
    shutil.copytree(
        source, tmp_path / "edgegym", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__")
    )
    script = SCRIPT.format(count=COUNT, contexts=CONTEXTS, n_contexts=len(CONTEXTS))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == "()", f"the subprocess imported compiled modules: {out}"
    assert out[-1] == _digest()
