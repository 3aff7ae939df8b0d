"""Atomic writes leave no temporaries, keep normal permissions and replace whole files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from edgegym.eval.io import atomic_write_text, write_jsonl
from edgegym.tasks.io import read_jsonl


def test_atomic_write_replaces_and_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "out.json"
    atomic_write_text(path, "old")
    atomic_write_text(path, "new")
    assert path.read_text() == "new"
    assert [p.name for p in path.parent.iterdir()] == ["out.json"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_jsonl_round_trip(tmp_path: Path) -> None:
    rows = [{"b": 1, "a": "ü"}, {"id": "x", "responses": ["1", "2"]}]
    path = tmp_path / "rows.jsonl"
    write_jsonl(path, rows)
    assert list(read_jsonl(path)) == rows
    assert path.read_text(encoding="utf-8").splitlines()[0] == '{"a": "ü", "b": 1}'
