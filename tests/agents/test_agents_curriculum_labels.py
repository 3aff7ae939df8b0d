"""What a curriculum label may ask for: a state file inside the operator's folder, a readable
state, a bounded number of curricula. Refusals stop the rollout (they are not bad labels)
and leave the file system outside the folder as it was."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from edgegym.agents.openrlhf.curriculum import (
    MAX_CURRICULA,
    STATE_DIR_ENV,
    CurriculumError,
    connect,
    forget,
    local_service,
    resolve_state_path,
)

CONFIG = {"contexts": ["symbolic"], "op_min": 2, "op_max": 4}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>")
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture()
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """``(operator's folder, a folder outside it)``; checks the outside is left unchanged."""
    root, outside = tmp_path / "states", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched")
    monkeypatch.setenv(STATE_DIR_ENV, str(root))
    forget()
    before = _tree(outside)
    yield root, outside
    forget()
    assert _tree(outside) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "states"]


def _label(state_path: str | None, name: str = "label-test", **extra: Any) -> dict[str, Any]:
    return {"name": name, "config": CONFIG, "state_path": state_path, "save_every": 1, **extra}


@pytest.mark.parametrize(
    "path",
    ["../outside/evil.json", "../../evil.json", "sub/../../outside/x.json", ".", ""],
    ids=["sibling", "up-two", "dot-dot-inside", "the-folder", "empty"],
)
def test_state_paths_that_leave_the_folder_are_refused(
    folders: tuple[Path, Path], path: str
) -> None:
    with pytest.raises(CurriculumError, match="leaves"):
        connect(_label(path or "."))


def test_absolute_paths_outside_the_folder_are_refused(folders: tuple[Path, Path]) -> None:
    _, outside = folders
    with pytest.raises(CurriculumError, match="leaves"):
        connect(_label(str(outside / "evil.json")))
    with pytest.raises(CurriculumError, match="leaves"):
        connect(_label("/etc/edgegym-evil.json"))
    assert not Path("/etc/edgegym-evil.json").exists()


def test_a_symlink_out_of_the_folder_is_refused(folders: tuple[Path, Path]) -> None:
    root, outside = folders
    (root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(CurriculumError, match="leaves"):
        connect(_label("link/state.json"))
    (root / "link").unlink()


def test_without_the_operators_folder_a_state_path_is_refused(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(STATE_DIR_ENV)
    with pytest.raises(CurriculumError, match=f"{STATE_DIR_ENV} is not set"):
        connect(_label("state.json"))
    monkeypatch.setenv(STATE_DIR_ENV, "relative/dir")
    with pytest.raises(CurriculumError, match="absolute"):
        connect(_label("state.json"))


def test_paths_inside_the_folder_are_used_absolute(folders: tuple[Path, Path]) -> None:
    root, _ = folders
    assert resolve_state_path("a/b.json") == str(root.resolve() / "a" / "b.json")
    assert resolve_state_path(str(root / "c.json")) == str(root.resolve() / "c.json")
    handle = connect(_label("runs/state.json"))
    sample = {"verified": True, "outcome": True, "score": 1.0, "process": 1.0, "flags": []}

    async def one() -> dict[str, float]:
        group, index, _ = await handle.lease(0, 1)
        return await handle.report(group, index, sample)

    assert asyncio.run(one())["curriculum/observed"] == 1.0
    saved = json.loads((root / "runs" / "state.json").read_text())
    assert saved["observed_groups"] == 1


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", "{}", '{"version": 1, "strategy": "frontier"}'],
    ids=["not-json", "array", "empty-object", "incomplete"],
)
def test_a_corrupt_state_file_fails_loudly(folders: tuple[Path, Path], content: str) -> None:
    root, _ = folders
    (root / "state.json").write_text(content)
    with pytest.raises(CurriculumError, match=r"state\.json: curriculum state cannot be read"):
        connect(_label("state.json"))
    assert (root / "state.json").read_text() == content  # kept for the operator to inspect


def test_a_state_of_another_strategy_is_refused(folders: tuple[Path, Path]) -> None:
    connect(_label("state.json", strategy="uniform"))
    forget()  # saves the uniform state
    with pytest.raises(CurriculumError, match="strategy 'uniform'"):
        connect(_label("state.json", strategy="frontier"))


def test_the_number_of_curricula_is_capped(folders: tuple[Path, Path]) -> None:
    for i in range(MAX_CURRICULA):
        connect(_label(None, name=f"c{i}"))
    connect(_label(None, name="c0"))  # a known one is fine
    with pytest.raises(CurriculumError, match=f"more than {MAX_CURRICULA} curricula"):
        connect(_label(None, name="one-too-many"))
    assert local_service("one-too-many") is None and local_service("c7") is not None


def test_one_name_means_one_configuration(folders: tuple[Path, Path]) -> None:
    connect(_label(None, name="same"))
    with pytest.raises(CurriculumError, match="two configurations"):
        connect(_label(None, name="same", strategy="uniform"))


def test_the_agent_stops_the_rollout_instead_of_scoring_zero(folders: tuple[Path, Path]) -> None:
    """A refused curriculum raises out of OpenRLHF's loop: the training step fails."""
    pytest.importorskip("openrlhf.utils.agent")
    import importlib.util

    from edgegym.agents.openrlhf import path

    spec = importlib.util.spec_from_file_location("agent_module", path("curriculum"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    label = {
        "env_id": "edgegym:Reason-v0",
        "curriculum": _label("../outside/evil.json"),
        "slot": 0,
        "group_size": 1,
    }
    params = SimpleNamespace(max_tokens=None, logprobs=None)
    tokenizer = SimpleNamespace()
    with pytest.raises(CurriculumError):
        asyncio.run(
            module.AgentExecutor().execute("p", json.dumps(label), params, 64, tokenizer, None)
        )


def test_a_label_whose_env_cannot_be_built_takes_no_lease(folders: tuple[Path, Path]) -> None:
    pytest.importorskip("openrlhf.utils.agent")
    import importlib.util

    from edgegym.agents.openrlhf import path

    spec = importlib.util.spec_from_file_location("agent_module", path("curriculum"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    label = {
        "env_id": "edgegym:Reason-v0",
        "kwargs": {"bogus": 1},
        "curriculum": _label(None, name="no-lease"),
        "slot": 0,
        "group_size": 2,
    }
    instance = module.AgentInstance()
    asyncio.run(instance.reset({"observation": "p", "label": json.dumps(label)}))
    assert instance.episode is None  # the sample scores 0 (label_error)
    assert local_service("no-lease") is None  # and leased nothing
