"""The random stream of one problem, derived from its spec.

Generation draws a few hundred small random numbers per problem. numpy's scalar
calls cost about a microsecond each, so the stream is a Python Mersenne Twister
seeded from the spec's ``numpy.random.SeedSequence`` (128 bits of its state), and
only ``random()`` is ever called on it: the derived helpers below are written out
so that the output cannot change with the Python version's ``randrange`` or
``shuffle`` implementation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

__all__ = ["Stream"]

T = TypeVar("T")


class Stream:
    """Uniform draws from one problem's SeedSequence."""

    __slots__ = ("random",)

    def __init__(self, seed_sequence: np.random.SeedSequence) -> None:
        state = seed_sequence.generate_state(4, dtype=np.uint32)
        self.random = random.Random(int.from_bytes(state.tobytes(), "little")).random

    def below(self, n: int) -> int:
        """An int in [0, n)."""
        return int(self.random() * n)

    def between(self, lo: int, hi: int) -> int:
        """An int in [lo, hi], both ends included."""
        return lo + int(self.random() * (hi - lo + 1))

    def chance(self, p: float) -> bool:
        return self.random() < p

    def choice(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def shuffle(self, items: list[T]) -> None:
        """Fisher-Yates, in place."""
        rand = self.random
        for i in range(len(items) - 1, 0, -1):
            j = int(rand() * (i + 1))
            items[i], items[j] = items[j], items[i]

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        """``k`` distinct elements, in random order (partial Fisher-Yates)."""
        pool = list(items)
        rand = self.random
        n = len(pool)
        for i in range(k):
            j = i + int(rand() * (n - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]
