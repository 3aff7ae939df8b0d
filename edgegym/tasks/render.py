"""DAG -> problem text: one sentence per stated quantity, in a context's forms.

Generation is hot, so each context is compiled once into a :class:`Surface`: every
quantity of the context gets an integer id, with its name, noun phrase (plain and
capitalized), question and trace / hash prefixes precomputed; every sentence form is
split into its literal pieces, and each form's *head* (the literal text, the subject's
capitalized phrase, and the literal text up to the next placeholder) is precomputed per
quantity, so a sentence is one f-string over a few precomputed pieces. The compiled
build compiles this module with the generator, so these are typed native fields.

Quantity ids: ``entity * n_items + item`` for counts, ``n_entities * n_items`` more for
attributes (depth 3), ``2 * n_entities * n_items + entity`` for totals, ``n_entities``
more for product totals.

Sentence forms must use their placeholders once each, in the order of ``FORM_ARGS``
(``{Phrase}`` first; every shipped context does).
"""

from __future__ import annotations

import functools
import string

from edgegym.tasks.context import Context, Kind, load_context
from edgegym.tasks.graph import COMPOUND, CONST, COPY, DIFF, PLUS, TIMES
from edgegym.tasks.trace import STEP_HEAD

__all__ = ["FORM_ARGS", "Form", "Surface", "form_pieces", "surface"]

# The graph hash's field separators (and generation's placeholder), never in a name.
_SEPARATORS = ("\x00", "\x1d", "\x1e", "\x1f")

# Placeholders of each form, in the order they must appear.
FORM_ARGS: dict[str, tuple[str, ...]] = {
    "const": ("Phrase", "k"),
    "copy": ("Phrase", "p1"),
    "times": ("Phrase", "k", "p1"),
    "plus": ("Phrase", "k", "p1"),
    "diff": ("Phrase", "p1", "p2"),
    "sum2": ("Phrase", "p1", "p2"),
    "sumn": ("Phrase", "plist", "plast"),
    "given": ("Phrase", "v"),
    "unknown": ("Phrase",),
    "times_diff": ("Phrase", "k", "p1", "p2"),
    "times_sum2": ("Phrase", "k", "p1", "p2"),
    "times_sumn": ("Phrase", "k", "plist", "plast"),
    "plus_diff": ("Phrase", "k", "p1", "p2"),
    "plus_sum2": ("Phrase", "k", "p1", "p2"),
    "plus_sumn": ("Phrase", "k", "plist", "plast"),
}


def form_pieces(template: str, args: tuple[str, ...], where: str) -> tuple[str, ...]:
    """The literal pieces around the placeholders: ``len(args) + 1`` strings.

    Raises:
        ValueError: the template does not use exactly ``args``, once each, in order.
    """
    pieces = [""]
    fields = []
    for literal, field_name, spec, conversion in string.Formatter().parse(template):
        pieces[-1] += literal
        if field_name is None:
            continue
        if spec or conversion:
            raise ValueError(f"{where}: no format spec or conversion allowed in {{{field_name}}}")
        fields.append(field_name)
        pieces.append("")
    if tuple(fields) != args:
        raise ValueError(
            f"{where}: placeholders must be {['{' + a + '}' for a in args]} once each, in this "
            f"order; got {['{' + f + '}' for f in fields]}"
        )
    return tuple(pieces)


class Form:
    """One sentence form of one context, split around its placeholders.

    ``head[id]`` is the sentence up to its second placeholder, with quantity ``id`` as the
    subject; ``mid`` is the literal text between the second and the third placeholder
    (forms with three or four), ``mid2`` between the third and the fourth (compound
    forms), ``end`` the literal text after the last one. ``unknown`` has only the
    subject: its head is the whole sentence.
    """

    __slots__ = ("end", "head", "mid", "mid2")

    def __init__(self, head: list[str], tail: tuple[str, ...]) -> None:
        self.head = head
        self.mid = tail[0] if len(tail) >= 2 else ""
        self.mid2 = tail[1] if len(tail) == 3 else ""
        self.end = tail[-1] if tail else ""


class Surface:
    """A context compiled for generation (see the module docstring).

    Per quantity id: ``name``, ``phrase``, ``cap`` (the phrase as a sentence subject),
    ``question``, ``entity`` (index), ``define`` (``"Define <name> as "``) and ``hname``
    (the graph-hash entry head). One :class:`Form` per sentence form (``const`` ...
    ``unknown``, as in ``FORM_ARGS``).
    """

    __slots__ = (
        "attr0",
        "cap",
        "compound",
        "const",
        "context",
        "copy",
        "define",
        "diff",
        "entity",
        "given",
        "has_attribute",
        "has_product",
        "has_total",
        "hname",
        "list_separator",
        "modulus_sentence",
        "n_entities",
        "n_items",
        "name",
        "phrase",
        "plus",
        "product0",
        "question",
        "sum2",
        "sumn",
        "times",
        "total0",
        "unknown",
    )

    def __init__(self, ctx: Context) -> None:
        self.context = ctx
        self.has_attribute: bool = ctx.attribute is not None
        self.has_total: bool = ctx.total is not None
        n_e, n_i = len(ctx.entities), len(ctx.items)
        self.n_entities, self.n_items = n_e, n_i
        self.attr0 = n_e * n_i
        self.total0 = 2 * n_e * n_i
        self.product0 = self.total0 + n_e
        self.has_product: bool = ctx.product is not None
        size = self.product0 + n_e
        self.name: list[str] = [""] * size
        self.phrase: list[str] = [""] * size
        self.cap: list[str] = [""] * size
        self.question: list[str] = [""] * size
        self.entity: list[int] = [0] * size
        slots: list[tuple[int, Kind | None, int, str]] = []
        for e in range(n_e):
            for i, item in enumerate(ctx.items):
                slots.append((e * n_i + i, ctx.count, e, item))
                slots.append((self.attr0 + e * n_i + i, ctx.attribute, e, item))
            slots.append((self.total0 + e, ctx.total, e, ""))
            slots.append((self.product0 + e, ctx.product, e, ""))
        for qid, kind, e, item in slots:
            self.entity[qid] = e
            if kind is None:
                continue
            ent = ctx.entities[e]
            self.name[qid] = kind.name.format(entity=ent, item=item)
            phrase = kind.phrase.format(entity=ent, item=item)
            self.phrase[qid] = phrase
            self.cap[qid] = phrase[:1].upper() + phrase[1:] if ctx.capitalize else phrase
            self.question[qid] = kind.question.format(entity=ent, item=item)
        bad = [name for name in self.name if any(ch in name for ch in _SEPARATORS)]
        if bad:
            raise ValueError(
                f"context {ctx.name}: names may not hold control characters: {bad[:3]}"
            )
        self.define = [f"{STEP_HEAD}{name} as " for name in self.name]
        self.hname = [f"\x1e{name}\x1f" for name in self.name]
        forms: dict[str, Form] = {}
        for form, args in FORM_ARGS.items():
            pieces = form_pieces(ctx.forms[form], args, f"context {ctx.name} form {form}")
            before, after = pieces[0], pieces[1]
            forms[form] = Form([f"{before}{cap}{after}" for cap in self.cap], pieces[2:])
        self.const = forms["const"]
        self.copy = forms["copy"]
        self.times = forms["times"]
        self.plus = forms["plus"]
        self.diff = forms["diff"]
        self.sum2 = forms["sum2"]
        self.sumn = forms["sumn"]
        self.given = forms["given"]
        self.unknown = forms["unknown"]
        # Compound forms by code - COMPOUND (times_diff, times_sum, plus_diff, plus_sum),
        # the sum's two forms (two parents, more) side by side.
        self.compound: list[tuple[Form, Form]] = [
            (forms["times_diff"], forms["times_diff"]),
            (forms["times_sum2"], forms["times_sumn"]),
            (forms["plus_diff"], forms["plus_diff"]),
            (forms["plus_sum2"], forms["plus_sumn"]),
        ]
        self.list_separator: str = ctx.list_separator
        self.modulus_sentence: str = ctx.modulus_sentence

    def sentence(self, code: int, c: int, k: str, parents: tuple[int, ...], ids: list[int]) -> str:
        """The sentence stating quantity ``c`` as operation ``code`` (a
        :mod:`~edgegym.tasks.graph` code: const ... sum) of the ``parents`` (indices into
        ``ids``, the quantity ids), with constant ``k`` as written ("" for none)."""
        phrase = self.phrase
        if code == CONST:
            return f"{self.const.head[c]}{k}{self.const.end}"
        if code >= COMPOUND:
            return self.compound_sentence(code, c, k, parents, ids)
        p = phrase[ids[parents[0]]]
        if code == COPY:
            return f"{self.copy.head[c]}{p}{self.copy.end}"
        if code in (TIMES, PLUS):
            form = self.times if code == TIMES else self.plus
            return f"{form.head[c]}{k}{form.mid}{p}{form.end}"
        if code == DIFF or len(parents) == 2:
            form = self.diff if code == DIFF else self.sum2
            return f"{form.head[c]}{p}{form.mid}{phrase[ids[parents[1]]]}{form.end}"
        plist = self.list_separator.join([phrase[ids[q]] for q in parents[:-1]])
        last = phrase[ids[parents[-1]]]
        return f"{self.sumn.head[c]}{plist}{self.sumn.mid}{last}{self.sumn.end}"

    def compound_sentence(
        self, code: int, c: int, k: str, parents: tuple[int, ...], ids: list[int]
    ) -> str:
        """A compound relation's sentence (see :meth:`sentence`): ``k`` times (or plus)
        the difference or the sum of the parents."""
        phrase = self.phrase
        pair = self.compound[code - COMPOUND]
        if len(parents) == 2:
            form = pair[0]
            first = phrase[ids[parents[0]]]
        else:
            form = pair[1]
            first = self.list_separator.join([phrase[ids[q]] for q in parents[:-1]])
        last = phrase[ids[parents[-1]]]
        return f"{form.head[c]}{k}{form.mid}{first}{form.mid2}{last}{form.end}"

    def pool_size(self, depth: int) -> int:
        """Nameable (non-total) quantities at a depth: ids ``0 .. pool_size - 1``."""
        return 2 * self.attr0 if depth == 3 and self.has_attribute else self.attr0


@functools.cache
def surface(context: str) -> Surface:
    """The compiled surface of a context (cached)."""
    return Surface(load_context(context))
