"""Exact token counts under a tokenizer, without transformers."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class TokenCounter:
    """Exact token counts under a tokenizer, without transformers.

    Two exact shortcuts cover edgegym's own tokenizers; anything else is run through
    ``tokenizers`` (``encode_batch_fast``, in Rust):

    - character tokenizer: one token per character and per special token, so the count
      is ``len(text)`` less the extra characters of the special tokens it holds;
    - byte-level BPE of :func:`~edgegym.agents.tokenizer.train_bpe`: the text is cut
      before every space that follows a printable ASCII character, and the count is the
      sum of the pieces' (cached) counts. Those cuts are pre-token boundaries at every
      stage of the tokenizer (see :class:`_BpeWords`), and BPE never merges across one,
      so the sum is exact. The tokenizer's own ``encode`` counts each new piece, so the
      special tokens, digit chunks and non-ASCII text inside pieces need no replaying.

    Args:
        spec: ``"char"`` or a directory holding ``tokenizer.json`` (and
            ``tokenizer_config.json`` naming ``eos_token``), or a ``tokenizer.json`` path.
        backend: instead, a ``tokenizers.Tokenizer`` already loaded (a transformers
            tokenizer's ``backend_tokenizer``), with its ``eos`` string.
    """

    def __init__(self, spec: str, *, backend: Any = None, eos: str = "") -> None:
        from edgegym.agents.tokenizer import EOS, char_backend, require

        tokenizers = require("tokenizers")
        if backend is not None:  # a loaded tokenizer's (``backend_tokenizer``), spec a label
            self.backend, self.eos = backend, eos
        elif spec == "char":
            self.backend = char_backend()
            self.eos = EOS
        else:
            path = Path(spec)
            file = path / "tokenizer.json" if path.is_dir() else path
            if not file.is_file():
                raise FileNotFoundError(f"no tokenizer.json at {spec}")
            self.backend = tokenizers.Tokenizer.from_file(str(file))
            self.eos = _eos_of(file.parent)
        text = self.backend.to_str()
        self.fingerprint = hashlib.sha256(text.encode()).hexdigest()[:20]
        desc = json.loads(text)
        added = [t["content"] for t in desc.get("added_tokens", [])]
        self._char_specials: list[tuple[str, int]] | None = None
        self._words: _BpeWords | None = None
        if any(a != b and a in b for a in added for b in added):
            return  # overlapping added tokens: only the tokenizer knows how they split
        if _is_char(desc):
            self._char_specials = [(t, len(t) - 1) for t in added if len(t) > 1]
        elif _is_edgegym_bpe(desc):
            self._words = _BpeWords(self.backend)

    def count(self, texts: Sequence[str]) -> list[int]:
        """Token counts of ``texts`` (no special tokens added)."""
        if self._char_specials is not None:
            specials = self._char_specials
            return [len(t) - sum(t.count(s) * extra for s, extra in specials) for t in texts]
        if self._words is not None:
            return list(map(self._words.count, texts))
        encode = getattr(self.backend, "encode_batch_fast", self.backend.encode_batch)
        return [len(e.ids) for e in encode(list(texts), add_special_tokens=False)]


def _is_char(desc: dict[str, Any]) -> bool:
    from edgegym.agents.tokenizer import CHAR_PATTERN

    pre = desc.get("pre_tokenizer") or {}
    return bool(
        desc["model"]["type"] == "WordLevel"
        and desc.get("normalizer") is None
        and pre.get("type") == "Split"
        and pre.get("pattern") == {"Regex": CHAR_PATTERN}
    )


def _is_edgegym_bpe(desc: dict[str, Any]) -> bool:
    """The tokenizer :class:`_BpeWords` counts exactly: no step that sees across a space."""
    pre = desc.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", [])
    return bool(
        desc["model"]["type"] == "BPE"
        and desc["model"].get("dropout") is None
        and desc.get("normalizer") is None
        and desc.get("truncation") is None
        and desc.get("padding") is None
        and pre.get("type") == "Sequence"
        and len(steps) == 2
        and steps[0] == _DIGIT_SPLIT
        and steps[1].get("type") == "ByteLevel"
        and steps[1].get("add_prefix_space") is False
        and steps[1].get("use_regex") is True
        and all(
            not (t.get("lstrip") or t.get("rstrip") or t.get("single_word"))
            and not any(ch.isspace() for ch in t["content"])
            for t in desc.get("added_tokens", [])
        )
    )


_DIGIT_SPLIT = {
    "type": "Split",
    "pattern": {"Regex": "\\d{1,3}"},
    "behavior": "Isolated",
    "invert": False,
}
# A space after anything but printable ASCII (after whitespace, say): no cut there.
_UNSAFE_SPACE = re.compile(r"[^!-~] ")
_CACHE_LIMIT = 1 << 18  # entries per cache: a few tens of MB per worker at most


class _PieceCounts(dict[str, int]):
    """Token counts of pieces, filled on first sight (up to ``_CACHE_LIMIT`` pieces)."""

    def __init__(self, backend: Any, prefix: str) -> None:
        super().__init__()
        self.encode = backend.encode
        self.prefix = prefix

    def __missing__(self, piece: str) -> int:
        n = len(self.encode(self.prefix + piece, add_special_tokens=False).ids)
        if len(self) < _CACHE_LIMIT:
            self[piece] = n
        return n


class _BpeWords:
    """Token counts of edgegym's BPE as sums over space-led pieces (see TokenCounter).

    Why a cut before a space at ``p`` is a pre-token boundary at every stage of the
    tokenizer when ``text[p - 1]`` is printable ASCII other than space:

    - added tokens: none holds whitespace or strips it (``_is_edgegym_bpe``), so no
      match covers ``p``, and the leftmost matches on each side are those of the whole;
    - the digit split: a run of digits holds no space;
    - GPT-2's regex (ByteLevel's): its matches tile the text, and a match takes in a
      space only as its first character or within a run of whitespace; ``text[p - 1]``
      is no whitespace, so no match that starts before ``p`` reaches it, and no
      lookahead (``\\s+(?!\\S)``) looks past it. So a match starts at ``p``, and as
      the regex looks nowhere behind, it is the same without the text before ``p``.

    A text therefore splits on ``" "`` into its head and words, each word standing for
    ``" " + word``, wherever no space follows whitespace or a non-ASCII character: a
    cheap test for printable ASCII without a double space, else a regex, decides; a
    text that fails goes whole to the tokenizer.
    """

    def __init__(self, backend: Any) -> None:
        self.encode = backend.encode
        self.heads = _PieceCounts(backend, "")
        self.words = _PieceCounts(backend, " ")

    def count(self, text: str) -> int:
        plain = text.isascii() and text.isprintable() and "  " not in text
        if not plain and _UNSAFE_SPACE.search(text) is not None:
            return len(self.encode(text, add_special_tokens=False).ids)
        head, *words = text.split(" ")
        return self.heads[head] + sum(map(self.words.__getitem__, words))


def _eos_of(folder: Path) -> str:
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        path = folder / name
        if path.is_file():
            eos = json.loads(path.read_text(encoding="utf-8")).get("eos_token")
            if isinstance(eos, dict):
                eos = eos.get("content")
            if isinstance(eos, str) and eos:
                return eos
    raise ValueError(
        f"{folder} names no eos_token (tokenizer_config.json); save the tokenizer with one"
    )
