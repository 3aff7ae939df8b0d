"""Tokenizers for models trained on edgegym text: exact character-level and byte-level BPE.

Both are Hugging Face fast tokenizers (``PreTrainedTokenizerFast``) with the same
special tokens, so OpenRLHF, vLLM and the local trainer load them from a model
directory with ``AutoTokenizer``. The six tags of the model text format and
``[BOS] [EOS] [PAD] [UNK]`` are special tokens (matched whole, never split). No
BOS or EOS is added implicitly: corpora write ``[EOS]`` into the text themselves,
so ``tokenizer(text)`` and OpenRLHF's ``add_special_tokens=False`` agree.

Every text the generator emits round-trips exactly::

    tok.decode(tok(text)["input_ids"], skip_special_tokens=False,
               clean_up_tokenization_spaces=False) == text

Save them next to a ``llama`` (not ``qwen2``) config: with transformers 5.x a
``qwen2`` model directory makes ``AutoTokenizer`` replace the pipeline and drop
whitespace.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

from edgegym.tasks import trace
from edgegym.tasks.checks import check_int

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

__all__ = [
    "BOS",
    "CHAR_PATTERN",
    "EOS",
    "PAD",
    "SPECIAL_TOKENS",
    "TAGS",
    "UNK",
    "char_backend",
    "char_tokenizer",
    "generator_chars",
    "require",
    "roundtrip",
    "train_bpe",
]

BOS, EOS, PAD, UNK = "[BOS]", "[EOS]", "[PAD]", "[UNK]"
TAGS: tuple[str, ...] = trace.TAGS
SPECIAL_TOKENS: tuple[str, ...] = (PAD, BOS, EOS, UNK, *TAGS)
"""Special tokens in id order: ``[PAD]`` is 0, ``[BOS]`` 1, ``[EOS]`` 2, ``[UNK]`` 3, tags 4-9."""

# Every printable ASCII character plus the whitespace the generator may emit, in a
# fixed order so that the character vocabulary's ids never depend on the data files.
_BASE_CHARS = string.printable
CHAR_PATTERN = r"[\s\S]"
"""The character tokenizer's pre-tokenizer pattern: every character on its own."""
_SPECIAL_RE = re.compile("|".join(re.escape(token) for token in SPECIAL_TOKENS))


def require(module: str, extra: str = "train") -> Any:
    """Import an optional dependency, or raise an ``ImportError`` naming the extra.

    Args:
        module: dotted module name, e.g. ``"transformers"``.
        extra: the edgegym extra that installs it.

    Returns:
        The imported module.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(
            f"{module} is needed here; install it with `pip install 'edgegym[{extra}]'`"
        ) from err


def _strings_in(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def generator_chars() -> str:
    """Every character the generator can emit: printable ASCII plus the context files' own.

    The contexts' word lists and templates live in ``edgegym/tasks/contexts``; any
    non-ASCII character in them (an accented place name, say) is added, sorted.
    """
    seen = set(_BASE_CHARS)
    extra: set[str] = set()
    try:
        folder = resources.files("edgegym.tasks").joinpath("contexts")
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        entries = []
    for entry in entries:
        if not entry.is_file() or entry.name.startswith("."):
            continue
        raw = entry.read_text(encoding="utf-8")
        texts = _strings_in(json.loads(raw)) if entry.name.endswith(".json") else iter([raw])
        for text in texts:
            extra.update(ch for ch in text if ch not in seen)
    return _BASE_CHARS + "".join(sorted(extra))


def _wrap(tokenizer_object: Any) -> PreTrainedTokenizerFast:
    transformers = require("transformers")
    tok: PreTrainedTokenizerFast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer_object,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        unk_token=UNK,
        additional_special_tokens=list(TAGS),
        clean_up_tokenization_spaces=False,
        model_max_length=1 << 20,
    )
    return tok


def _add_specials(tokenizer_object: Any) -> None:
    tokenizers = require("tokenizers")
    tokenizer_object.add_special_tokens(
        [tokenizers.AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS]
    )


def char_backend(extra_chars: str = "") -> Any:
    """The ``tokenizers.Tokenizer`` behind :func:`char_tokenizer` (no transformers needed)."""
    tokenizers = require("tokenizers")
    chars = list(dict.fromkeys(generator_chars() + extra_chars))
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *chars])}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token=UNK))
    # One pre-token per character (``[\s\S]`` also matches newlines); Fuse joins them back.
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Split(
        tokenizers.Regex(CHAR_PATTERN), behavior="isolated"
    )
    tok.decoder = tokenizers.decoders.Fuse()
    _add_specials(tok)
    return tok


def char_tokenizer(extra_chars: str = "") -> PreTrainedTokenizerFast:
    """An exact character-level tokenizer: one token per character, plus the special tokens.

    The vocabulary is the special tokens (ids 0-9), then :func:`generator_chars`, then
    any ``extra_chars`` not already present. A character outside it maps to ``[UNK]``.

    Args:
        extra_chars: further characters to give their own token.

    Returns:
        A fast tokenizer of about 110 tokens.
    """
    return _wrap(char_backend(extra_chars))


def train_bpe(texts: Iterable[str], vocab_size: int = 2200) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer, as the study did (~2,200 tokens).

    Digits are split into chunks of up to three (``1234`` -> ``123`` ``4``) before
    BPE, so numbers are never merged with words. Byte-level, so any text round-trips.

    Args:
        texts: training text (model texts; special tokens inside them are kept whole).
        vocab_size: target vocabulary size, special tokens and the 256 bytes included.

    Returns:
        The trained fast tokenizer.

    Raises:
        ValueError: if ``vocab_size`` cannot hold the bytes and special tokens.
    """
    minimum = 256 + len(SPECIAL_TOKENS)
    check_int("vocab_size", vocab_size, minimum)
    tokenizers = require("tokenizers")
    pre = tokenizers.pre_tokenizers
    tok = tokenizers.Tokenizer(tokenizers.models.BPE())
    tok.pre_tokenizer = pre.Sequence(
        [
            pre.Split(tokenizers.Regex(r"\d{1,3}"), behavior="isolated"),
            pre.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tok.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre.ByteLevel.alphabet(),
        show_progress=False,
    )
    # BPE training does not cut out added tokens: cut them here, or merges get spent on
    # their pieces ("question>", "EOS").
    pieces = (piece for text in texts for piece in _SPECIAL_RE.split(text) if piece)
    tok.train_from_iterator(pieces, trainer=trainer)
    _add_specials(tok)
    return _wrap(tok)


def roundtrip(tokenizer: PreTrainedTokenizerFast, text: str) -> str:
    """Encode then decode ``text`` the way trainers must (special tokens kept, no clean-up)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    decoded = tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    return str(decoded)
