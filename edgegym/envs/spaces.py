"""An honest free-text space for observations and actions that are arbitrary unicode.

Gymnasium's :class:`~gymnasium.spaces.Text` accepts only the characters of its charset
(alphanumeric by default) and strings of length >= 1. Model text is arbitrary unicode and
may be empty, and a charset of all 1,114,112 code points is too large to build per env.
:class:`FreeText` therefore says exactly what the envs produce and accept: any ``str`` of
length ``[min_length, max_length]``.

The module also registers :class:`FreeText` with Gymnasium's vector shared-memory
functions, so that ``AsyncVectorEnv`` works with its default ``shared_memory=True``. Gymnasium
reads a shared buffer once, at construction, into the object it returns after every step;
for ``Text`` that object is a tuple of strings decoded at construction (stale thereafter).
Here it is a :class:`SharedTextBatch`, a live view whose ``deepcopy`` (what the vector env
returns with its default ``copy=True``) is a plain ``tuple[str, ...]`` of the current values.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Iterable, Iterator, Sequence
from types import ModuleType
from typing import Any, overload

import numpy as np
from gymnasium.spaces import Space
from gymnasium.vector.utils import (
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)

__all__ = ["SAMPLE_ALPHABET", "FreeText", "SharedTextBatch"]

SAMPLE_ALPHABET: str = (
    "".join(chr(c) for c in range(0x20, 0x7F))  # printable ASCII
    + "\n\té—ü中文😀\u00a0"  # a few non-ASCII characters, so samples exercise unicode paths
)
"""Characters :meth:`FreeText.sample` draws from; :meth:`FreeText.contains` accepts any."""

_SampleMask = tuple[int | None, None]


class FreeText(Space[str]):
    """Any Python string of ``min_length`` to ``max_length`` characters (code points).

    Args:
        max_length: largest length accepted, inclusive.
        min_length: smallest length accepted, inclusive (default 0: the empty string is valid).
        seed: seed of the sampling generator.

    ``sample()`` draws a uniform length in ``[min_length, max_length]`` (or the length given
    as ``mask=(length, None)``) and characters uniformly from :data:`SAMPLE_ALPHABET`.
    It is not flattenable to a fixed numpy array (``is_np_flattenable`` is False).
    """

    def __init__(
        self,
        max_length: int,
        *,
        min_length: int = 0,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        for name, value in (("max_length", max_length), ("min_length", min_length)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if not 0 <= min_length <= max_length:
            raise ValueError(
                f"need 0 <= min_length <= max_length, got min_length={min_length}, "
                f"max_length={max_length}"
            )
        self.min_length = int(min_length)
        self.max_length = int(max_length)
        self._alphabet = np.array(list(SAMPLE_ALPHABET))
        super().__init__(dtype=str, seed=seed)

    def sample(self, mask: _SampleMask | None = None, probability: None = None) -> str:
        """A random string; ``mask=(length, None)`` fixes its length."""
        if probability is not None:
            raise ValueError("FreeText.sample does not support `probability`")
        length = None if mask is None else mask[0]
        if length is None:
            length = int(self.np_random.integers(self.min_length, self.max_length + 1))
        elif not self.min_length <= length <= self.max_length:
            raise ValueError(
                f"sample length must be in [{self.min_length}, {self.max_length}], got {length}"
            )
        return "".join(self.np_random.choice(self._alphabet, size=length))

    def contains(self, x: Any) -> bool:
        """True iff ``x`` is a ``str`` whose length lies in ``[min_length, max_length]``."""
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"FreeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FreeText)
            and self.min_length == other.min_length
            and self.max_length == other.max_length
        )

    def __hash__(self) -> int:
        return hash((FreeText, self.min_length, self.max_length))

    def to_jsonable(self, sample_n: Iterable[str]) -> list[str]:
        return list(sample_n)

    def from_jsonable(self, sample_n: list[Any]) -> list[str]:
        return [str(s) for s in sample_n]


# ---- shared memory for AsyncVectorEnv -------------------------------------------------------
# One slot per sub-env: int32 [length, code point 0, code point 1, ...], max_length + 1 long.
# Code points are < 0x110000 and fit int32; lone surrogates round-trip via "surrogatepass".


def _slot_size(space: FreeText) -> int:
    return space.max_length + 1


def _encode(text: str) -> np.ndarray[Any, np.dtype[np.int32]]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<i4")


def _decode(codes: np.ndarray[Any, np.dtype[np.int32]]) -> str:
    return codes.astype("<i4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")


class SharedTextBatch(Sequence[str]):
    """A live, read-only view of the strings in a shared buffer (one per sub-env).

    Indexing decodes the current value. ``copy.deepcopy`` returns a plain tuple of the
    current values, which is what ``AsyncVectorEnv`` hands out when ``copy=True`` (its default).
    """

    def __init__(self, space: FreeText, buffer: Any, n: int) -> None:
        self._n = n
        self._data = np.frombuffer(buffer.get_obj(), dtype=np.int32).reshape(n, _slot_size(space))

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._n)))
        row = self._data[index]
        return _decode(row[1 : 1 + int(row[0])])

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(self._n))

    def __deepcopy__(self, memo: dict[int, Any]) -> tuple[str, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        return f"SharedTextBatch({tuple(self)!r})"


@create_shared_memory.register(FreeText)
def _create_free_text_shared_memory(space: FreeText, n: int = 1, ctx: ModuleType = mp) -> Any:
    return ctx.Array(np.dtype(np.int32).char, n * _slot_size(space))  # type: ignore[attr-defined]


@read_from_shared_memory.register(FreeText)
def _read_free_text_from_shared_memory(
    space: FreeText, shared_memory: Any, n: int = 1
) -> SharedTextBatch:
    return SharedTextBatch(space, shared_memory, n)


@write_to_shared_memory.register(FreeText)
def _write_free_text_to_shared_memory(
    space: FreeText, index: int, value: str, shared_memory: Any
) -> None:
    codes = _encode(value)
    if codes.size > space.max_length:
        raise ValueError(
            f"observation of {codes.size} characters exceeds the space's max_length "
            f"{space.max_length}"
        )
    size = _slot_size(space)
    data = np.frombuffer(shared_memory.get_obj(), dtype=np.int32)
    data[index * size] = codes.size
    data[index * size + 1 : index * size + 1 + codes.size] = codes
