"""Problem sets for other trainers' loaders: verl parquet, a Hugging Face dataset, JSONL.

``edgegym export {verl,hf,jsonl}`` writes one folder atomically (it appears whole or not at
all), with a file per split:

- ``verl``: ``train.parquet`` and ``val.parquet`` in verl's RL schema: ``data_source``,
  ``prompt`` (chat messages), ``ability``, ``reward_model`` (``{"style": "rule",
  "ground_truth": <the problem record as JSON>}``) and ``extra_info`` (split, index, id, op,
  context, mode, lenient). Score with :func:`edgegym.agents.verl.compute_score`.
- ``hf``: ``data/{train,val,test}.parquet`` and a dataset card ``README.md`` whose front
  matter names the splits, so ``datasets.load_dataset(folder)`` returns a ``DatasetDict``.
  Columns: ``id``, ``prompt``, ``completion``, ``answer``, ``record`` (JSON), ``op``,
  ``context``, ``mode``. ``completion`` is the gold model-text reply: it scores 1.
- ``jsonl``: the hf rows as ``{train,val,test}.jsonl``.

The problems are those of ``edgegym generate`` (:func:`edgegym.tasks.spec.iter_specs`:
``per_op`` problems per op, cycling through the (context, mode) pairs) for each split; the
splits are disjoint by graph hash by construction. Same arguments, same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgegym.tasks import RECORD_VERSION, DagConfig, Problem, generate
from edgegym.tasks.chat import PROMPT_FORMATS, completion_of, prompt_of
from edgegym.tasks.io import atomic_dir
from edgegym.tasks.trace import SOLUTION_OPEN

__all__ = [
    "DATA_SOURCE",
    "EXPORT_FORMATS",
    "ExportConfig",
    "export",
    "hf_row",
    "problems",
    "verl_row",
]

EXPORT_FORMATS = ("verl", "hf", "jsonl")
DATA_SOURCE = "edgegym/dag"
"""verl's ``data_source`` of every row (verl groups its validation metrics by it)."""


@dataclass(frozen=True, kw_only=True)
class ExportConfig:
    """What an export holds: ``per_op`` train problems per op, ``eval_per_op`` per eval split."""

    ops: tuple[int, ...]
    per_op: int = 100
    eval_per_op: int = 10
    contexts: tuple[str, ...] = ("zoo", "teacher", "movie")
    modes: tuple[str, ...] = ("forward", "reverse")
    seed: int = 0
    config: DagConfig = field(default_factory=DagConfig)
    prompt_format: str = "chat"

    def __post_init__(self) -> None:
        if self.per_op < 1 or self.eval_per_op < 0:
            raise ValueError(
                f"per_op must be >= 1 and eval_per_op >= 0, got {self.per_op}, {self.eval_per_op}"
            )
        if self.prompt_format not in PROMPT_FORMATS:
            raise ValueError(
                f"prompt_format must be one of {list(PROMPT_FORMATS)}, got {self.prompt_format!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ops": list(self.ops),
            "per_op": self.per_op,
            "eval_per_op": self.eval_per_op,
            "contexts": list(self.contexts),
            "modes": list(self.modes),
            "seed": self.seed,
            "config": self.config.to_dict(),
            "prompt_format": self.prompt_format,
        }


def problems(config: ExportConfig, split: str) -> Iterator[Problem]:
    """The split's problems, in ``edgegym generate`` order."""
    from edgegym.tasks.spec import iter_specs

    count = config.per_op if split == "train" else config.eval_per_op
    specs = iter_specs(
        list(config.ops),
        count,
        list(config.contexts),
        list(config.modes),
        split,
        config.seed,
        config.config,
    )
    for spec in specs:
        yield generate(spec)


def verl_row(problem: Problem, index: int) -> dict[str, Any]:
    """One row of verl's RL parquet (chat prompt; the record is the ground truth)."""
    spec = problem.spec
    return {
        "data_source": DATA_SOURCE,
        "prompt": prompt_of(problem, "chat"),
        "ability": "reasoning",
        "reward_model": {"style": "rule", "ground_truth": problem.to_json()},
        "extra_info": {
            "split": spec.split,
            "index": index,
            "id": problem.id,
            "op": problem.op,
            "context": spec.context,
            "mode": spec.mode,
            "lenient": True,
        },
    }


def hf_row(problem: Problem, prompt_format: str = "raw") -> dict[str, Any]:
    """One dataset row: prompt and gold completion in the format, answer, record."""
    spec = problem.spec
    completion: Any = completion_of(problem, prompt_format)
    if prompt_format == "chat":  # TRL's conversational prompt-completion form
        completion = [{"role": "assistant", "content": completion}]
    return {
        "id": problem.id,
        "prompt": prompt_of(problem, prompt_format),
        "completion": completion,
        "answer": problem.answer,
        "record": problem.to_json(),
        "op": problem.op,
        "context": spec.context,
        "mode": spec.mode,
    }


def _write_parquet(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(list(rows)), path)


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")


def export(kind: str, config: ExportConfig, out: str | Path) -> dict[str, int]:
    """Write an export folder (see the module docstring); the row count of each split."""
    if kind not in EXPORT_FORMATS:
        raise ValueError(f"export format must be one of {list(EXPORT_FORMATS)}, got {kind!r}")
    if kind != "jsonl":
        require_pyarrow()
    splits = ("train", "val") if kind == "verl" else ("train", "val", "test")
    counts: dict[str, int] = {}
    with atomic_dir(out) as folder:
        for split in splits:
            if kind == "verl":
                rows = [verl_row(p, i) for i, p in enumerate(problems(config, split))]
                _write_parquet(folder / f"{split}.parquet", rows)
            else:
                rows = [hf_row(p, config.prompt_format) for p in problems(config, split)]
                if kind == "hf":
                    _write_parquet(folder / "data" / f"{split}.parquet", rows)
                else:
                    _write_jsonl(folder / f"{split}.jsonl", rows)
            counts[split] = len(rows)
        manifest = {"format": kind, "record_version": RECORD_VERSION, **config.to_dict()}
        manifest["rows"] = counts
        (folder / "export.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if kind == "hf":
            (folder / "README.md").write_text(dataset_card(config, counts))
    return counts


def require_pyarrow() -> None:
    """Raise a one-line ``ImportError`` naming the extra when pyarrow is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError("pyarrow is missing: pip install 'edgegym[export]'") from None


def dataset_card(config: ExportConfig, counts: dict[str, int]) -> str:
    """The dataset card: front matter (configs, splits) and how the data was made and scored."""
    from edgegym import __version__

    split_lines = "".join(f"      - split: {s}\n        path: data/{s}.parquet\n" for s in counts)
    sizes = ", ".join(f"{s} {n}" for s, n in counts.items())
    lenient = ", lenient=True" if config.prompt_format == "chat" else ""
    return _CARD.format(
        splits=split_lines,
        version=__version__,
        record_version=RECORD_VERSION,
        sizes=sizes,
        spec=json.dumps(config.to_dict(), sort_keys=True),
        ops=f"{min(config.ops)}-{max(config.ops)}",
        lenient=lenient,
        prompt_format=config.prompt_format,
        solution_open=SOLUTION_OPEN,
    )


_CARD = """---
license: apache-2.0
task_categories:
- text-generation
tags:
- reasoning
- synthetic
- edgegym
configs:
  - config_name: default
    data_files:
{splits}---

# edgegym synthetic reasoning problems (op {ops})

Dependency-graph word problems with exact difficulty (`op`, the edges of the necessary
graph), a gold step-by-step trace and a process-checked reward, generated by edgegym
(the setting of arXiv:2512.07783, made a library).

- Generator: edgegym {version}, record version {record_version} (bumped whenever the bytes
  generated for a fixed spec change).
- Rows: {sizes}. Prompt format: `{prompt_format}`.
- Arguments (seeds included): `{spec}`.
  The same arguments write the same bytes: `edgegym export hf` with them rebuilds this set.

## Splits and leakage

Each split is drawn from its own part of problem space: a problem's split is a function of
its graph hash, so no necessary computation of `test` or `val` occurs in `train`, whatever
the contexts, names or sentence order. The `graph_hash` inside `record` lets you check it.

## Columns

- `prompt`: the model's prompt (`raw`: text ending `{solution_open}`; `chat`: system and user
  messages).
- `completion`: the gold reply in the same format; it scores 1.
- `answer`: the gold answer (int). `record`: the full problem record (JSON), the scorer's
  ground truth. `op`, `context`, `mode`, `id`.

## Scoring

```python
import json
from datasets import load_dataset
from edgegym.rewards import score

ds = load_dataset("path/to/this/folder")  # a re-export to the same path: add
# download_mode="force_redownload" (datasets caches a local folder by its name)
row = ds["test"][0]
completion = row["completion"]
text = completion if isinstance(completion, str) else completion[-1]["content"]
result = score(json.loads(row["record"]), text, mode="strict"{lenient})
print(result.score, result.outcome, result.process, result.verified)  # 1.0 1.0 1.0 True
```
"""
