"""Shared fixtures of the local-trainer tests: the micro preset, its tokenizer and model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    # Tiny models: one thread is fastest and keeps results bit-for-bit reproducible.
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def micro() -> Any:
    from edgegym.agents.train.config import load_preset

    return load_preset("micro")


@pytest.fixture(scope="session")
def tokenizer() -> Any:
    from edgegym.agents.tokenizer import char_tokenizer

    return char_tokenizer()


def micro_model(preset: Any, tokenizer: Any, seed: int = 0) -> Any:
    """A fresh micro-preset Llama (32 hidden, 2 layers)."""
    from dataclasses import replace

    from edgegym.agents.train.pipeline import _init_overridden

    return _init_overridden(replace(preset, init_seed=seed), tokenizer)


@pytest.fixture
def model(micro: Any, tokenizer: Any) -> Any:
    return micro_model(micro, tokenizer)


@pytest.fixture
def make_model(micro: Any, tokenizer: Any) -> Callable[..., Any]:
    """Build fresh micro models: ``make_model(seed=0)``."""
    return lambda seed=0: micro_model(micro, tokenizer, seed)
