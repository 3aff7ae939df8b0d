"""Project hygiene: version, license, changelog, metadata, optional dependencies checked first."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import edgegym
from edgegym.cli import main
from edgegym.tasks import RECORD_VERSION

ROOT = Path(__file__).resolve().parents[1]


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out.strip()
    assert out == f"edgegym {edgegym.__version__} (record version {RECORD_VERSION})"


def test_license_changelog_and_metadata() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["version"] == edgegym.__version__
    assert meta["license"] == "Apache-2.0" and meta["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in meta["classifiers"])
    assert all(url.startswith("https://") for url in meta["urls"].values())
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{edgegym.__version__}]" in changelog


def test_missing_extra_fails_in_one_line_before_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    out = tmp_path / "run"
    assert main(["stage", "init", "--preset", "tiny-cpu", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: torch not installed: pip install 'edgegym[train]'"
    assert not out.exists()
