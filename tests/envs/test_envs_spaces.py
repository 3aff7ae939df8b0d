"""FreeText: an honest text space, and its shared-memory round trip for AsyncVectorEnv."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from gymnasium.spaces import Text
from gymnasium.vector.utils import (
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from edgegym.envs.spaces import SAMPLE_ALPHABET, FreeText, SharedTextBatch

TRICKY = [
    "",  # empty: Gymnasium's Text rejects it by default
    "<question> a = 5. </question> <solution>",  # model text: spaces and punctuation
    "é—中文😀",  # non-ASCII and astral code points
    "\x00\n\t",  # control characters
    "\ud800",  # a lone surrogate (a valid Python str)
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_contains_any_string_within_length(text: str) -> None:
    assert FreeText(100).contains(text)
    assert not Text(100).contains(text)  # why the env does not use Text's defaults


@pytest.mark.parametrize("value", [None, 5, b"abc", ["a"], "x" * 11])
def test_rejects_non_strings_and_over_long(value: object) -> None:
    assert not FreeText(10).contains(value)


def test_min_length_and_validation() -> None:
    assert not FreeText(10, min_length=2).contains("a")
    with pytest.raises(ValueError, match="min_length"):
        FreeText(3, min_length=4)
    with pytest.raises(TypeError, match="max_length"):
        FreeText("10")  # type: ignore[arg-type]


def test_sample_is_seeded_contained_and_respects_length_mask() -> None:
    a, b = FreeText(50, seed=3), FreeText(50, seed=3)
    samples = [a.sample() for _ in range(20)]
    assert samples == [b.sample() for _ in range(20)]
    assert all(a.contains(s) and set(s) <= set(SAMPLE_ALPHABET) for s in samples)
    assert len(a.sample(mask=(7, None))) == 7
    with pytest.raises(ValueError):
        a.sample(mask=(51, None))


def test_equality_hash_and_pickle_roundtrip() -> None:
    import pickle

    space = FreeText(30, min_length=1)
    assert space == pickle.loads(pickle.dumps(space)) and space != FreeText(31, min_length=1)
    assert hash(space) == hash(FreeText(30, min_length=1))
    assert space.to_jsonable(["a", "b"]) == ["a", "b"] and space.from_jsonable(["a"]) == ["a"]


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.text(max_size=40) | st.sampled_from(TRICKY), min_size=3, max_size=3))
def test_shared_memory_roundtrip(values: list[str]) -> None:
    space = FreeText(40)
    buffer = create_shared_memory(space, n=3)
    view = read_from_shared_memory(space, buffer, n=3)
    assert isinstance(view, SharedTextBatch)
    for i, value in enumerate(values):
        write_to_shared_memory(space, i, value, buffer)
    snapshot = copy.deepcopy(view)
    assert snapshot == tuple(values) and type(snapshot) is tuple
    write_to_shared_memory(space, 0, "changed", buffer)
    assert view[0] == "changed" and snapshot[0] == values[0]  # view is live, snapshot is not
    assert view[1:] == tuple(values[1:]) and len(view) == 3


def test_shared_memory_refuses_over_long_values() -> None:
    space = FreeText(4)
    buffer = create_shared_memory(space, n=1)
    with pytest.raises(ValueError, match="max_length"):
        write_to_shared_memory(space, 0, "too long", buffer)
    assert np.frombuffer(buffer.get_obj(), dtype=np.int32)[0] == 0
