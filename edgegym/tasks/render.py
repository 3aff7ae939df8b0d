"""DAG -> problem text: one sentence per stated quantity, in a context's forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edgegym.tasks.context import Context, Kind

__all__ = ["Name", "sentence"]


@dataclass(frozen=True, slots=True)
class Name:
    """A quantity's surface: trace name, noun phrase, question, and its structure slot."""

    name: str
    phrase: str
    question: str
    kind: str
    entity: str
    item: str

    @classmethod
    def make(cls, kind_name: str, kind: Kind, entity: str, item: str) -> Name:
        return cls(
            name=kind.name.format(entity=entity, item=item),
            phrase=kind.phrase.format(entity=entity, item=item),
            question=kind.question.format(entity=entity, item=item),
            kind=kind_name,
            entity=entity,
            item=item,
        )


def _cap(text: str, ctx: Context) -> str:
    return text[:1].upper() + text[1:] if ctx.capitalize else text


def sentence(
    ctx: Context, form: str, subject: Name, parents: Sequence[Name] = (), k: int | None = None
) -> str:
    """The sentence stating ``subject`` by ``form`` (an operation, ``unknown`` or ``given``).

    ``k`` is the constant of const / times / plus, or the given value.
    """
    phrase = _cap(subject.phrase, ctx)
    forms = ctx.forms
    if form == "sum" or form == "total":
        if len(parents) == 2:
            return forms["sum2"].format(Phrase=phrase, p1=parents[0].phrase, p2=parents[1].phrase)
        plist = ctx.list_separator.join(p.phrase for p in parents[:-1])
        return forms["sumn"].format(Phrase=phrase, plist=plist, plast=parents[-1].phrase)
    if form == "diff":
        return forms["diff"].format(Phrase=phrase, p1=parents[0].phrase, p2=parents[1].phrase)
    if form == "given":
        return forms["given"].format(Phrase=phrase, v=k)
    if form == "unknown":
        return forms["unknown"].format(Phrase=phrase)
    p1 = parents[0].phrase if parents else ""
    return forms[form].format(Phrase=phrase, k=k, p1=p1)
