"""The random stream of one problem, derived from its spec.

Generation draws a hundred or so small random numbers per problem. numpy's scalar
calls cost about a microsecond each, so the stream is a Python Mersenne Twister
seeded with the spec's 128-bit entropy, and only ``random()`` is ever called on it:
integer draws, choices and shuffles are written out in the generator
(``int(random() * n)``, Fisher-Yates) so that the output cannot change with the
Python version's ``randrange`` or ``shuffle``.
"""

from __future__ import annotations

from _random import Random as _BaseRandom
from collections.abc import Callable

__all__ = ["uniform_from_entropy"]


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
