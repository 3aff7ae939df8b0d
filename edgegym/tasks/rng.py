"""The random stream of one problem, derived from its spec.

Generation draws a hundred or so small random numbers per problem. numpy's scalar
calls cost about a microsecond each, so the stream is a Python Mersenne Twister
seeded from the spec's ``numpy.random.SeedSequence`` (128 bits of its state), and
only ``random()`` is ever called on it: integer draws, choices and shuffles are
written out here and in the generator (``int(random() * n)``, Fisher-Yates) so that
the output cannot change with the Python version's ``randrange`` or ``shuffle``.
"""

from __future__ import annotations

import random as _random
from _random import Random as _BaseRandom
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

__all__ = ["Stream", "uniform", "uniform_from_entropy"]

T = TypeVar("T")


def uniform_from_entropy(entropy: int) -> Callable[[], float]:
    """A ``random()`` function seeded with a SeedSequence's entropy (an int).

    This is the generator's stream: seeded with :meth:`TaskSpec.entropy`, the 128-bit
    hash of the spec that :meth:`TaskSpec.seed_sequence` is built from. Building the
    SeedSequence and drawing its state would cost as much as generating half a small
    problem, and add no randomness: the entropy is already a cryptographic hash.

    ``random.Random`` is a Python subclass of ``_random.Random`` whose ``__init__`` and
    ``seed`` pass an int seed through to the C base class unchanged: calling the base
    class directly gives the same stream without two Python calls per problem.
    """
    return _BaseRandom(entropy).random


def uniform(seed_sequence: np.random.SeedSequence) -> Callable[[], float]:
    """A ``random()`` function (uniform floats in [0, 1)) seeded from ``seed_sequence``.

    The Mersenne Twister takes the SeedSequence's first 128 bits of state as its
    integer seed (integer seeding is stable across Python versions).
    """
    state = seed_sequence.generate_state(4, np.uint32)
    return _random.Random(int.from_bytes(state.tobytes(), "little")).random


class Stream:
    """Uniform draws from one problem's SeedSequence (the generator itself uses
    :func:`uniform` directly and writes these helpers inline)."""

    __slots__ = ("random",)

    def __init__(self, seed_sequence: np.random.SeedSequence) -> None:
        self.random = uniform(seed_sequence)

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
