"""The random stream of one problem, derived from its spec.

Generation draws some 140 uniform numbers per problem and nothing else: integer
draws, choices and shuffles are written out in the generator (``int(rng.random() * n)``,
Fisher-Yates), so the output depends on this stream alone.

The stream is L'Ecuyer's MRG32k3a (two order-3 multiple recursive generators,
combined; period about 2**191; passes TestU01's BigCrush), seeded with the spec's
128-bit entropy (:meth:`~edgegym.tasks.TaskSpec.entropy`, a cryptographic hash of
every field). It is chosen for what generation needs: seeding is a few integer
operations (a Mersenne Twister fills 624 words first, which cost a sixth of a
problem), and every intermediate value fits in 64 bits, so the compiled build draws
in native arithmetic. The pure-Python build computes the same numbers, slower.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # mypyc's native 64-bit integer; a plain int to Python
    from mypy_extensions import i64

__all__ = ["Stream"]

_M1: Final = 4294967087  # 2**32 - 209
_M2: Final = 4294944443  # 2**32 - 22853
_A12: Final = 1403580
_A13: Final = 810728  # negated in the recurrence
_A21: Final = 527612
_A23: Final = 1370589  # negated in the recurrence
_NORM: Final = 1.0 / (_M1 + 1)
_WORD: Final = 0xFFFFFFFF


class Stream:
    """MRG32k3a seeded with a 128-bit integer; :meth:`random` draws a float in (0, 1).

    The entropy's four 32-bit words seed the first component (words 0-2) and the
    second (word 3 and two xors of the others), each reduced modulo its modulus; an
    all-zero component (which would stay zero) is replaced by ``(0, 0, 1)``.
    """

    __slots__ = ("_s10", "_s11", "_s12", "_s20", "_s21", "_s22")

    def __init__(self, entropy: int) -> None:
        a = entropy & _WORD
        b = (entropy >> 32) & _WORD
        c = (entropy >> 64) & _WORD
        d = (entropy >> 96) & _WORD
        self._s10: i64 = a % _M1
        self._s11: i64 = b % _M1
        self._s12: i64 = c % _M1
        if self._s10 == 0 and self._s11 == 0 and self._s12 == 0:
            self._s12 = 1
        self._s20: i64 = d % _M2
        self._s21: i64 = (a ^ c) % _M2
        self._s22: i64 = (b ^ d) % _M2
        if self._s20 == 0 and self._s21 == 0 and self._s22 == 0:
            self._s22 = 1

    def random(self) -> float:
        """The next number, uniform in (0, 1) at a resolution of 2**-32."""
        p1: i64 = (_A12 * self._s11 - _A13 * self._s10) % _M1
        self._s10 = self._s11
        self._s11 = self._s12
        self._s12 = p1
        p2: i64 = (_A21 * self._s22 - _A23 * self._s20) % _M2
        self._s20 = self._s21
        self._s21 = self._s22
        self._s22 = p2
        if p1 > p2:
            return float(p1 - p2) * _NORM
        return float(p1 - p2 + _M1) * _NORM
