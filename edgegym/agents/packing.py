"""Packing tokenized problems into rows of the model's context length.

Pre-training and mid-training see one problem per row when rows are padded: a model
whose rows end at 100 tokens never trains positions 100 and beyond, so a harder op is
also an unseen length. Packing fills every row to ``length`` tokens so every position
is trained on, as the study's pre-training does (first-fit blocks of 2,048 tokens,
no cross-document attention mask).

The rule is greedy and in order: sequences are appended to the current row whole
while they fit; the first one that does not fit is cut at the row's end (its tail is
dropped, never carried to the start of the next row), and the row is emitted. So
every sequence in a row is whole except possibly the last, which is a prefix, and a
row never starts in the middle of a problem. A trailing row that the input does not
fill is dropped. ``pieces`` record where each sequence lies in its row, so a caller
can mask prompts (loss on completions only) or check the layout.

    rows = list(pack_rows(token_lists, 256))   # each row: exactly 256 ids

The function is pure Python over token id lists: the local trainer
(:mod:`edgegym.agents.train.lm`) and corpus exporters share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

__all__ = ["PackedRow", "Piece", "pack_rows"]


@dataclass(frozen=True)
class Piece:
    """Where one input sequence lies in a packed row."""

    source: int
    """Index of the sequence in the input stream (0-based)."""
    start: int
    """Offset of its first token in the row."""
    length: int
    """Tokens of it in the row (all of them unless ``cut``)."""
    cut: bool
    """True when the sequence was cut at the row's end (only a row's last piece)."""


@dataclass(frozen=True)
class PackedRow:
    """One row of exactly ``length`` token ids and the pieces that fill it."""

    ids: tuple[int, ...]
    pieces: tuple[Piece, ...]


def pack_rows(sequences: Iterable[Sequence[int]], length: int) -> Iterator[PackedRow]:
    """Pack ``sequences`` in order into rows of exactly ``length`` ids (see module docstring).

    Args:
        sequences: token id lists (a problem's prompt + completion + EOS each); read
            lazily, so an endless stream works with ``itertools.islice``.
        length: row length, the model's context length; at least 1.

    Yields:
        Full rows; empty sequences are skipped.

    Raises:
        ValueError: ``length`` is not a positive int.
    """
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a positive int, got {length!r}")
    ids: list[int] = []
    pieces: list[Piece] = []
    for source, seq in enumerate(sequences):
        if not seq:
            continue
        space = length - len(ids)
        take = min(space, len(seq))
        pieces.append(Piece(source=source, start=len(ids), length=take, cut=take < len(seq)))
        ids.extend(seq[:take])
        if len(ids) == length:
            yield PackedRow(ids=tuple(ids), pieces=tuple(pieces))
            ids, pieces = [], []
