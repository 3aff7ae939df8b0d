"""Packing: rows fill the context, problems stay whole or are cut only at a row's end."""

from __future__ import annotations

import itertools

import pytest

from edgegym.agents.packing import pack_rows


def _sequences(count: int, seed: int = 0) -> list[list[int]]:
    """Distinct sequences of 1-40 tokens: sequence i holds (i, position) pairs encoded."""
    import random

    rng = random.Random(seed)
    return [[i * 1000 + j for j in range(rng.randint(1, 40))] for i in range(count)]


@pytest.mark.parametrize("length", [1, 7, 64, 100])
def test_rows_fill_the_context_and_cut_only_at_the_end(length: int) -> None:
    seqs = _sequences(300)
    rows = list(pack_rows(seqs, length))
    assert rows, "300 sequences fill at least one row"
    consumed = 0
    for row in rows:
        assert len(row.ids) == length  # every position holds a token: nothing is padding
        assert row.pieces[0].start == 0 and not any(p.cut for p in row.pieces[:-1])
        for piece in row.pieces:
            got = list(row.ids[piece.start : piece.start + piece.length])
            seq = seqs[piece.source]
            # Each piece is its sequence from the start: whole, or a prefix cut at the end.
            assert got == seq[: piece.length]
            assert piece.cut == (piece.length < len(seq))
            if piece.cut:
                assert piece.start + piece.length == length
        ends = [p.start + p.length for p in row.pieces]
        assert ends[-1] == length and [p.start for p in row.pieces[1:]] == ends[:-1]
        # Sequences are taken in order, none twice: a cut tail is dropped, not carried.
        sources = [p.source for p in row.pieces]
        assert sources == list(range(consumed, consumed + len(sources)))
        consumed += len(sources)
    assert consumed <= len(seqs)


def test_endless_stream_and_empty_sequences() -> None:
    stream = itertools.cycle([[1, 2, 3], [], [4, 5]])
    rows = list(itertools.islice(pack_rows(stream, 4), 3))
    assert [r.ids for r in rows] == [(1, 2, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)]
    assert [(p.length, p.cut) for p in rows[0].pieces] == [(3, False), (1, True)]
    assert list(pack_rows([[1, 2]], 3)) == []  # a row the input cannot fill is dropped
    with pytest.raises(ValueError, match="positive int"):
        list(pack_rows([[1]], 0))


def test_packed_pretraining_rows_are_real_problems_filling_the_context() -> None:
    pytest.importorskip("torch")
    from edgegym.agents.tokenizer import char_tokenizer
    from edgegym.agents.train.config import LMConfig, TaskSetup
    from edgegym.agents.train.data import IGNORE, encode, packed_batch, packed_rows
    from edgegym.agents.train.runtime import numpy_rng
    from edgegym.tasks import DagConfig

    tokenizer = char_tokenizer()
    task = TaskSetup(config=DagConfig(modulus=10, const_max=9, max_value=10, distractors=0))
    config = LMConfig(ops=(2, 3, 4), pack=True, batch_size=4)
    rows, prompts = packed_rows(
        tokenizer, task, config.ops, None, rows=4, length=512, rng=numpy_rng(0, "t", 0)
    )
    ids, mask, labels = packed_batch(rows, prompts, loss_on="completion")
    assert ids.shape == (4, 512) and bool(mask.all())
    eos = tokenizer.eos_token_id
    question = tokenizer.convert_tokens_to_ids("<question>")
    for r, row in enumerate(rows):
        assert len(row.pieces) > 2  # several problems share a row
        for piece in row.pieces:
            assert row.ids[piece.start] == question  # every piece starts a problem
            last = row.ids[piece.start + piece.length - 1]
            assert (last == eos) != piece.cut  # a whole problem ends in EOS; a cut one does not
            # Completion-only loss: the prompt's positions carry no label.
            prompt = min(prompts[piece.source], piece.length)
            assert bool((labels[r, piece.start : piece.start + prompt] == IGNORE).all())
            assert bool((labels[r, piece.start + prompt : piece.start + piece.length] >= 0).all())
    # The same (seed, step) gives the same rows; the stream is re-drawn, not cached.
    again, _ = packed_rows(
        tokenizer, task, config.ops, None, rows=4, length=512, rng=numpy_rng(0, "t", 0)
    )
    assert again == rows
    assert encode(tokenizer, []) == []
