"""Helpers of the reliability suite: file-system snapshots and running the command."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with its kind and content hash: equal snapshots, same tree."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = "link:" + os.readlink(path)
        elif path.is_dir():
            out[key] = "dir"
        else:
            out[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m edgegym ARGS`` in a fresh process (what a user's shell runs)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200", TERM="dumb")
    return subprocess.run(
        [sys.executable, "-m", "edgegym", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(name="snapshot")
def _snapshot() -> object:
    return snapshot


@pytest.fixture(name="cli")
def _cli() -> object:
    return run_cli


@pytest.fixture(name="child_env")
def _child_env() -> dict[str, str]:
    """The environment of a child ``python`` that imports this checkout."""
    return dict(os.environ, PYTHONPATH=str(REPO))
