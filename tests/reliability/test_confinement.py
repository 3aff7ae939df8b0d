"""Presets and folders: nothing outside the folder the operator chose is written or deleted.

Each test snapshots the whole temporary tree (every path, kind and content hash) before
and after, so "refused" also means "changed nothing".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from edgegym.agents.train.config import load_preset
from edgegym.agents.train.pipeline import Run, reset
from edgegym.cli import main
from edgegym.tasks.io import FOLDER_MARKER, atomic_dir, claim_folder

Snapshot = Callable[[Path], dict[str, str]]


@pytest.fixture(name="site")
def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder beside a victim folder full of someone's files."""
    victim = tmp_path / "victim"
    (victim / "sub").mkdir(parents=True)
    (victim / "notes.txt").write_text("mine\n")
    (victim / "sub" / "data.bin").write_bytes(b"\x00\x01")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def _preset_file(folder: Path, **changes: Any) -> Path:
    data = load_preset("micro").to_dict() | changes
    path = folder / "evil.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("name", ["../victim", "../../victim", "/abs/victim", "a/b", ".", ".."])
def test_a_preset_name_that_is_a_path_is_refused(
    site: Path, snapshot: Snapshot, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = _preset_file(site, name=name if not name.startswith("/") else str(site / "victim"))
    before = snapshot(site)
    assert main(["stage", "init", "--preset", str(evil), "--restart", "--no-progress"]) == 2
    assert "name must match" in capsys.readouterr().err
    assert snapshot(site) == before


def test_restart_deletes_only_a_folder_edgegym_made(
    site: Path, snapshot: Snapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(site)
    args = ["stage", "init", "--preset", "micro", "--out", str(site / "victim"), "--restart"]
    assert main(args) == 2
    assert "edgegym did not write" in capsys.readouterr().err
    assert snapshot(site) == before
    made = site / "work" / "mine"
    assert claim_folder(made) and (made / FOLDER_MARKER).is_file()
    (made / "pretrain").mkdir()
    reset(Run(preset=load_preset("micro"), root=made))
    assert not made.exists()
    assert snapshot(site) == before


def test_a_base_path_that_leaves_the_presets_folder_is_refused(
    site: Path, snapshot: Snapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    base = {"path": "../../../../victim", "sha256": "0" * 64, "command": "x"}
    evil = _preset_file(site, base=base)
    before = snapshot(site)
    to = str(site / "work" / "out")
    assert main(["stage", "base", "--preset", str(evil), "--to", to, "--no-progress"]) == 2
    assert "presets folder" in capsys.readouterr().err
    assert snapshot(site) == before


def test_stage_base_of_a_preset_file_needs_to(
    site: Path, snapshot: Snapshot, capsys: pytest.CaptureFixture[str]
) -> None:
    """An absolute base path may be read (it is hash-checked) but is never written."""
    base = {"path": str(site / "victim"), "sha256": "0" * 64, "command": "x"}
    evil = _preset_file(site, base=base)
    before = snapshot(site)
    assert main(["stage", "base", "--preset", str(evil), "--no-progress"]) == 2
    assert "--to" in capsys.readouterr().err
    assert snapshot(site) == before


def test_atomic_dir_never_replaces_a_folder_it_did_not_write(
    site: Path, snapshot: Snapshot
) -> None:
    before = snapshot(site)
    with pytest.raises(FileExistsError, match="did not write"), atomic_dir(site / "victim") as tmp:
        (tmp / "x").write_text("new")
    assert snapshot(site) == before  # and no temporary folder left beside it
    (site / "victim" / "notes.txt").unlink()
    with pytest.raises(FileExistsError), atomic_dir(site / "victim" / "sub" / "data.bin"):
        pass  # a file is not a folder either
    own = site / "own"
    for text in ("first", "second"):  # its own output (or an empty folder) is replaced
        with atomic_dir(own) as tmp:
            (tmp / "x").write_text(text)
    assert (own / "x").read_text() == "second" and (own / FOLDER_MARKER).is_file()
    (site / "empty").mkdir()
    with atomic_dir(site / "empty") as tmp:
        (tmp / "x").write_text("ok")
    assert (site / "empty" / "x").read_text() == "ok"


def test_shipped_base_folder_is_edgegym_made() -> None:
    """``edgegym stage base --preset tiny-cpu`` must be able to replace the shipped base."""
    from edgegym.agents.train.config import presets_path

    preset = load_preset("tiny-cpu")
    assert preset.base is not None
    assert (presets_path(preset.base.path) / FOLDER_MARKER).is_file()
