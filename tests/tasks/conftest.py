"""An independent solver: reads a problem's TEXT (never its graph) and computes the answer.

It knows the language (each context's vocabulary and sentence forms, from the data
files) but none of the generator's code: sentences are matched against regexes built
from the forms, totals are summed over the entity's item quantities that the text
mentions, and reverse problems are solved as a linear equation over Fractions.
"""

from __future__ import annotations

import functools
import json
import re
from fractions import Fraction
from importlib import resources
from typing import Any

import pytest

Linear = tuple[Fraction, Fraction]  # a*x + b


@functools.cache
def _language(context: str) -> dict[str, Any]:
    raw = json.loads(
        resources.files("edgegym.tasks.contexts").joinpath(f"{context}.json").read_text("utf-8")
    )
    capitalize = raw.get("capitalize", True)
    phrases: dict[str, tuple[str, str, str]] = {}  # phrase -> (kind, entity, item)
    questions: dict[str, str] = {}  # question -> phrase
    for kind, spec in raw["kinds"].items():
        if spec is None:
            continue
        items = [""] if kind in ("total", "product") else raw["items"]
        for e in raw["entities"]:
            for i in items:
                phrase = spec["phrase"].format(entity=e, item=i)
                phrases[phrase] = (kind, e, i)
                questions[spec["question"].format(entity=e, item=i)] = phrase
    variants: dict[str, str] = {}
    for phrase in phrases:
        variants[phrase] = phrase
        if capitalize:
            variants[phrase[:1].upper() + phrase[1:]] = phrase
    alternation = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    token = r"(Q\d+)"
    sep = re.escape(raw.get("list_separator", ", "))
    forms = []
    for form, template in raw["forms"].items():
        pattern = re.escape(template)
        for placeholder, group in (
            ("Phrase", token),
            ("p1", token),
            ("p2", token),
            ("plast", token),
            ("plist", rf"(Q\d+(?:{sep}Q\d+)*)"),
            ("k", r"(\d+)"),
            ("v", r"(\d+)"),
        ):
            pattern = pattern.replace(re.escape("{" + placeholder + "}"), group)
        names = re.findall(r"\{(\w+)\}", template)
        forms.append((form, re.compile(pattern + r"\Z"), names))
    return {
        "phrases": phrases,
        "questions": questions,
        "variants": variants,
        "finder": re.compile(alternation),
        "forms": forms,
        "sep": raw.get("list_separator", ", "),
        "modulus": raw.get("modulus_sentence", "All arithmetic is modulo {m}."),
    }


def _attribute_of(lang: dict[str, Any], by_token: dict[str, str], count: str) -> str:
    """The token of the attribute of the count ``count``'s item and entity (mentioned)."""
    _, entity, item = lang["phrases"][by_token[count]]
    found = [t for t, p in by_token.items() if lang["phrases"][p] == ("attribute", entity, item)]
    assert len(found) == 1, f"a product total's count without its attribute: {by_token[count]}"
    return found[0]


def _combine(form: str, k: int | None, vals: list[Linear]) -> Linear:
    """A difference or sum of ``vals``; a compound form (``times_diff``, ``plus_sumn``,
    ...) then takes its constant ``k``."""
    if form.endswith("diff"):
        a, b = vals[0][0] - vals[1][0], vals[0][1] - vals[1][1]
    else:
        a, b = sum(v[0] for v in vals), sum(v[1] for v in vals)
    if form.startswith("times_"):
        return (a * (k or 0), b * (k or 0))
    if form.startswith("plus_"):
        return (a, b + (k or 0))
    return (Fraction(a), Fraction(b))


def solve_text(context: str, problem: str, question: str) -> int:
    lang = _language(context)
    tokens: dict[str, str] = {}  # phrase -> token

    def tokenize(match: re.Match[str]) -> str:
        phrase = lang["variants"][match.group(0)]
        return tokens.setdefault(phrase, f"Q{len(tokens)}")

    text = lang["finder"].sub(tokenize, problem)
    modulus = None
    prefix = lang["modulus"].split("{m}")[0]
    defs: dict[str, tuple[str, list[str], int | None]] = {}
    statements: dict[str, list[tuple[str, list[str], int | None]]] = {}
    unknown = None
    given: tuple[str, int] | None = None
    for raw_sentence in text.split(". "):
        sent = raw_sentence if raw_sentence.endswith(".") else raw_sentence + "."
        if sent.startswith(prefix):
            modulus = int(sent[len(prefix) :].rstrip("."))
            continue
        for form, regex, names in lang["forms"]:
            m = regex.match(sent)
            if not m:
                continue
            if form.endswith("sumn"):  # the sum of a list (times_sumn, plus_sumn too)
                groups_n = dict(zip(names, m.groups(), strict=True))
                parents = [*groups_n["plist"].split(lang["sep"]), groups_n["plast"]]
                k = int(groups_n["k"]) if "k" in groups_n else None
                statements.setdefault(groups_n["Phrase"], []).append((form, parents, k))
                break
            groups = dict(zip(names, m.groups(), strict=True))
            subject = groups["Phrase"]
            if form == "unknown":
                unknown = subject
            elif form == "given":
                given = (subject, int(groups["v"]))
            else:
                parents = [groups[p] for p in ("p1", "p2") if p in groups]
                k = int(groups["k"]) if "k" in groups else None
                statements.setdefault(subject, []).append((form, parents, k))
            break
        else:
            raise AssertionError(f"sentence matches no form: {sent!r}")
    # A reverse problem states the target's value as "<target> equals V.", which reads like a
    # constant: it is the given when the quantity is also defined otherwise, or is a total.
    for subject, said in statements.items():
        phrase = next(p for p, t in tokens.items() if t == subject)
        is_total = lang["phrases"][phrase][0] in ("total", "product")
        if unknown is not None and (len(said) > 1 or is_total):
            consts = [x for x in said if x[0] == "const"]
            assert len(consts) == 1 and given is None, f"ambiguous statements about {phrase}"
            given = (subject, consts[0][2] or 0)
            said = [x for x in said if x[0] != "const"]
        assert len(said) <= 1, f"{phrase} defined twice"
        if said:
            defs[subject] = said[0]
    asked_phrase = lang["questions"].get(question)
    assert asked_phrase is not None, f"question not understood: {question!r}"
    asked = tokens.setdefault(asked_phrase, f"Q{len(tokens)}")  # a total may be named only here
    by_token = {t: p for p, t in tokens.items()}
    # Implied totals: an entity's total is the sum of its item counts mentioned anywhere;
    # its product total the sum, over those items, of count x attribute.
    for token, phrase in by_token.items():
        kind, entity, _ = lang["phrases"][phrase]
        if kind in ("total", "product") and token not in defs:
            members = sorted(
                t for t, p in by_token.items() if lang["phrases"][p][:2] == ("count", entity)
            )
            if kind == "product":
                members = [m for c in members for m in (c, _attribute_of(lang, by_token, c))]
            defs[token] = ("sumn" if kind == "total" else "product", members, None)

    memo: dict[str, Linear] = {}

    def value(token: str, depth: int = 0) -> Linear:
        if token in memo:
            return memo[token]
        assert depth < 200, "cycle"
        if token == unknown:
            result: Linear = (Fraction(1), Fraction(0))
        else:
            form, parents, k = defs[token]
            vals = [value(p, depth + 1) for p in parents]
            if form == "const":
                result = (Fraction(0), Fraction(k or 0))
            elif form == "copy":
                result = vals[0]
            elif form == "product":  # forward mode only: every value is a constant
                b = sum(vals[j][1] * vals[j + 1][1] for j in range(0, len(vals), 2))
                result = (Fraction(0), Fraction(b))
            elif form == "times":
                result = (k * vals[0][0], k * vals[0][1])  # type: ignore[operator]
            elif form == "plus":
                result = (vals[0][0], vals[0][1] + (k or 0))
            else:
                result = _combine(form, k, vals)
            if modulus is not None:
                result = (result[0], result[1] % modulus)
        memo[token] = result
        return result

    if unknown is not None:
        assert given is not None, "reverse problem without a given value"
        a, b = value(given[0])
        assert a != 0, "the given quantity does not depend on x"
        x = (given[1] - b) / a
        assert x.denominator == 1 and x > 0
        assert asked == unknown, "question does not ask for the unknown"
        return int(x)
    a, b = value(asked)
    assert a == 0
    return int(b)


@pytest.fixture(scope="session")
def solver() -> Any:
    return solve_text
