"""The install that runs GRPO: the ``openrlhf`` extra brings vLLM, and ``train_ppo_ray``
imports for real wherever vLLM is installed (no stub of any kind)."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]


def _extra(requirements: list[str], extra: str) -> list[Requirement]:
    """The requirements that only ``extra`` brings (on this platform)."""
    reqs = [Requirement(line) for line in requirements]
    return [
        r
        for r in reqs
        if r.marker is not None
        and r.marker.evaluate({"extra": extra})
        and not r.marker.evaluate({"extra": "__none__"})
    ]


def test_the_installed_metadata_of_the_openrlhf_extra_names_vllm() -> None:
    """The editable install's ``Requires-Dist`` (what pip resolves), not just the source."""
    requires = importlib.metadata.requires("edgegym") or []
    (openrlhf,) = _extra(requires, "openrlhf")
    assert openrlhf.name == "openrlhf" and "vllm" in openrlhf.extras
    assert openrlhf.specifier.contains("0.11.2") and not openrlhf.specifier.contains("0.12.0")
    assert not openrlhf.specifier.contains("0.10.1")  # the dotted flags start at 0.10.2
    # the install is not stale: the source declares the same requirement
    source = tomllib.loads((REPO / "pyproject.toml").read_text())
    (declared,) = source["project"]["optional-dependencies"]["openrlhf"]
    assert Requirement(declared).extras == openrlhf.extras
    assert Requirement(declared).specifier == openrlhf.specifier


def test_train_ppo_ray_imports_without_stubs() -> None:
    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(ModuleNotFoundError) as err:  # the failure a stub used to hide
            importlib.import_module("openrlhf.cli.train_ppo_ray")
        assert err.value.name == "vllm"
        pytest.skip(
            "vLLM is not installed here (a CPU machine): openrlhf.cli.train_ppo_ray fails to "
            "import with `No module named 'vllm'`; this test runs on a GPU machine set up as "
            "the README's 'Scaling out with OpenRLHF' says"
        )
    module = importlib.import_module("openrlhf.cli.train_ppo_ray")
    assert callable(module.train)
