"""Shared fixtures of the agents tests: sample problems and the two tokenizers."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

import edgegym  # noqa: F401  (registers the env ids)
from edgegym.tasks import CONTEXTS, MODES, DagConfig, Problem, TaskSpec, generate

REPO = Path(__file__).resolve().parents[2]


def spec_for(context: str, mode: str, op: int, index: int = 0) -> TaskSpec:
    """A valid spec for any context (symbolic forward gets the tiny-model config)."""
    tiny = context == "symbolic" and mode == "forward"
    config = DagConfig(modulus=10, distractors=0) if tiny else DagConfig()
    return TaskSpec(context=context, mode=mode, op=op, index=index, config=config)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def problems() -> list[Problem]:
    """Every context x mode at ops 2, 7, 14 and 20 (two indices each)."""
    out = []
    for context, mode, op, index in itertools.product(CONTEXTS, MODES, (2, 7, 14, 20), (0, 1)):
        out.append(generate(spec_for(context, mode, op, index)))
    return out


@pytest.fixture(scope="session")
def char_tok() -> Any:
    pytest.importorskip("transformers")
    from edgegym.agents.tokenizer import char_tokenizer

    return char_tokenizer()


@pytest.fixture(scope="session")
def bpe_tok() -> Any:
    pytest.importorskip("transformers")
    from edgegym.agents.corpus import sample_texts
    from edgegym.agents.tokenizer import train_bpe

    return train_bpe(sample_texts(400, seed=1), vocab_size=900)


@pytest.fixture()
def repo() -> Path:
    return REPO
