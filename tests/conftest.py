"""Session-wide guard: a compiled module older than its source would test stale code."""

from __future__ import annotations

import importlib.machinery
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_sessionstart(session: pytest.Session) -> None:
    stale = []
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        # mypyc puts the code in one shared library at the root; a rebuild need not
        # rewrite the small per-module stubs, so the newest of both dates the build.
        shared = [p.stat().st_mtime for p in ROOT.glob(f"*__mypyc{suffix}")]
        for built in (ROOT / "edgegym").rglob(f"*{suffix}"):
            source = built.with_name(built.name[: -len(suffix)] + ".py")
            when = max([built.stat().st_mtime, *shared])
            if source.exists() and source.stat().st_mtime > when:
                stale.append(str(source.relative_to(ROOT)))
    if stale:
        pytest.exit(
            f"compiled build older than its source: {', '.join(sorted(stale))}; rebuild "
            "with `make lint` (or `pip install -e .`), or remove the .so files to test "
            "pure Python",
            returncode=4,
        )
