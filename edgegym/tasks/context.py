"""Surface contexts: the vocabulary and sentence forms that turn a DAG into text.

Each context is a JSON data file in ``edgegym/tasks/contexts``. A context names
``entities`` (zoo locations, cities, ...) and ``items`` (animals, school types, ...);
its ``kinds`` say how a quantity is named (``count``: one item of one entity;
``total``: the implied sum over all items of an entity; ``attribute``: a third
structure layer; ``product``: the implied sum over an entity's items of count x
attribute), and its ``forms`` give one sentence form per operation (compound
relations: ``times_diff`` ... ``plus_sumn``, a constant times or plus a difference or sum).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["CONTEXTS", "Context", "Kind", "load_context"]

FORMS = (
    "const",
    "copy",
    "diff",
    "given",
    "plus",
    "sum2",
    "sumn",
    "times",
    "unknown",
    "times_diff",
    "times_sum2",
    "times_sumn",
    "plus_diff",
    "plus_sum2",
    "plus_sumn",
)
_FORBIDDEN = (".", ";", "=", "<", ">", "\n", " as ")


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of quantity is named: templates over ``{entity}`` and ``{item}``."""

    name: str
    phrase: str
    question: str


@dataclass(frozen=True)
class Context:
    """A surface context, loaded from its data file."""

    name: str
    entities: tuple[str, ...]
    items: tuple[str, ...]
    count: Kind
    total: Kind | None
    attribute: Kind | None
    forms: dict[str, str]
    list_separator: str = ", "
    capitalize: bool = True
    modulus_sentence: str = "All arithmetic is modulo {m}."
    study_template: str | None = None
    description: str = ""
    product: Kind | None = None
    """The count x attribute total of an entity (depth 3; needs ``attribute``)."""

    @property
    def max_depth(self) -> int:
        return 3 if self.attribute is not None else 2


def _kind(data: Any, where: str) -> Kind | None:
    if data is None:
        return None
    try:
        return Kind(name=data["name"], phrase=data["phrase"], question=data["question"])
    except (KeyError, TypeError) as err:
        raise ValueError(f"{where}: a kind needs name, phrase and question") from err


def _validate(ctx: Context) -> None:
    for field_name in ("entities", "items"):
        values = getattr(ctx, field_name)
        if len(values) < 2 or len(set(values)) != len(values):
            raise ValueError(f"context {ctx.name}: {field_name} must be >= 2 distinct names")
        for value in values:
            # Digits would read as numbers in realistic text; the symbolic context's
            # names (``a3``) are built from them on purpose.
            has_digit = ctx.capitalize and any(ch.isdigit() for ch in value)
            if has_digit or any(bad in value for bad in _FORBIDDEN):
                raise ValueError(f"context {ctx.name}: bad name {value!r} in {field_name}")
    missing = [f for f in FORMS if f not in ctx.forms]
    if missing:
        raise ValueError(f"context {ctx.name}: forms missing {missing}")
    names = [
        kind.name.format(entity=e, item=i)
        for kind in (ctx.count, ctx.attribute)
        if kind is not None
        for e in ctx.entities
        for i in ctx.items
    ]
    for kind in (ctx.total, ctx.product):
        if kind is not None:
            names += [kind.name.format(entity=e, item="") for e in ctx.entities]
    if ctx.product is not None and ctx.attribute is None:
        raise ValueError(f"context {ctx.name}: a product kind needs an attribute kind")
    if len(set(names)) != len(names):
        raise ValueError(f"context {ctx.name}: quantity names are not unique")


@functools.cache
def load_context(name: str) -> Context:
    """Load (and cache) a context by name; ``ValueError`` lists the known names."""
    if name not in CONTEXTS:
        raise ValueError(f"unknown context {name!r}; known: {list(CONTEXTS)}")
    raw = json.loads(
        resources.files("edgegym.tasks.contexts").joinpath(f"{name}.json").read_text("utf-8")
    )
    kinds = raw["kinds"]
    count = _kind(kinds["count"], name)
    if count is None:
        raise ValueError(f"context {name}: the count kind is required")
    ctx = Context(
        name=raw["name"],
        entities=tuple(raw["entities"]),
        items=tuple(raw["items"]),
        count=count,
        total=_kind(kinds.get("total"), name),
        attribute=_kind(kinds.get("attribute"), name),
        forms=dict(raw["forms"]),
        list_separator=raw.get("list_separator", ", "),
        capitalize=raw.get("capitalize", True),
        modulus_sentence=raw.get("modulus_sentence", "All arithmetic is modulo {m}."),
        study_template=raw.get("study_template"),
        description=raw.get("description", ""),
        product=_kind(kinds.get("product"), name),
    )
    if ctx.name != name:
        raise ValueError(f"context file {name}.json names itself {ctx.name!r}")
    _validate(ctx)
    return ctx


def _discover() -> tuple[str, ...]:
    files = resources.files("edgegym.tasks.contexts").iterdir()
    return tuple(sorted(f.name[:-5] for f in files if f.name.endswith(".json")))


CONTEXTS: tuple[str, ...] = _discover()
