"""Reading sampled responses: the generations file.

A generations file is JSONL. Each line names a suite problem and carries one or
more sampled responses (the text the model wrote after the prompt, which ends at
``<solution>``; stop at ``</answer>`` and keep special tokens when decoding). Two
shapes are accepted, and may be mixed; responses of one problem are concatenated in
file order:

- one line per problem: ``{"id": "<problem id>", "responses": ["...", "...", ...]}``
  (e.g. vLLM ``LLM.generate(prompts, SamplingParams(n=128))``, one line per prompt);
- one line per sample: ``{"id": "<problem id>", "response": "..."}`` (``"output"`` is
  accepted for ``"response"``), the shape of per-sample dumps (a loop over vLLM's
  ``RequestOutput.outputs``, or rollout logs that write one line per sample).

A line without an ``id`` may instead carry the prompt (``"prompt"`` or ``"input"``),
matched exactly (outer whitespace aside) against the suite's prompts. Other keys are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from edgegym.tasks import format_prompt
from edgegym.tasks.io import read_jsonl
from edgegym.tasks.trace import SOLUTION_OPEN

__all__ = ["collect_generations", "read_generations"]


def _responses_of(row: Mapping[str, Any], where: str) -> list[str]:
    if "responses" in row:
        value = row["responses"]
        if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
            raise ValueError(f"{where}: 'responses' must be a list of strings")
        return value
    for key in ("response", "output"):
        if key in row:
            if not isinstance(row[key], str):
                raise ValueError(f"{where}: {key!r} must be a string")
            return [row[key]]
    raise ValueError(f"{where}: no 'responses' (list) or 'response' (string) field")


def collect_generations(
    rows: Iterable[Mapping[str, Any]],
    records: Iterable[Mapping[str, Any]],
    *,
    source: str = "generations",
    allow_missing: bool = False,
) -> dict[str, list[str]]:
    """Group rows' responses by suite problem id, in suite order.

    Args:
        rows: generations rows (see module docstring).
        records: the suite's problem records.
        source: a name for error messages.
        allow_missing: keep going when some suite problems have no responses (they are
            left out of the result) instead of raising.

    Raises:
        ValueError: an unknown id or prompt, a malformed row, or (unless allowed)
            suite problems without responses.
    """
    records = list(records)
    by_id: dict[str, list[str]] = {str(r["id"]): [] for r in records}
    by_prompt: dict[str, str] | None = None
    for number, row in enumerate(rows, 1):
        where = f"{source}:{number}"
        key = row.get("id")
        if key is None:
            prompt = row.get("prompt", row.get("input"))
            if not isinstance(prompt, str):
                raise ValueError(f"{where}: no 'id' (nor 'prompt'/'input') to match a problem")
            if by_prompt is None:
                by_prompt = {
                    format_prompt(r["problem"], r["question"]): str(r["id"]) for r in records
                }
            key = by_prompt.get(
                prompt.rstrip() if prompt.rstrip().endswith(SOLUTION_OPEN) else prompt
            )
            if key is None:
                raise ValueError(f"{where}: prompt matches no problem of the suite")
        key = str(key)
        if key not in by_id:
            raise ValueError(f"{where}: id {key!r} is not a problem of the suite")
        by_id[key].extend(_responses_of(row, where))
    missing = [k for k, v in by_id.items() if not v]
    if missing and not allow_missing:
        raise ValueError(
            f"{len(missing)} of {len(by_id)} suite problems have no responses in {source} "
            f"(e.g. {missing[:3]}); pass allow_missing to score the rest"
        )
    return {k: v for k, v in by_id.items() if v}


def read_generations(
    path: str | Path, records: Iterable[Mapping[str, Any]], *, allow_missing: bool = False
) -> dict[str, list[str]]:
    """:func:`collect_generations` over a JSONL file."""
    path = Path(path)
    return collect_generations(
        read_jsonl(path), records, source=str(path), allow_missing=allow_missing
    )
