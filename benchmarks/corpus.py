"""Corpus writing throughput: tokens/s of ``edgegym corpus pretrain``, token counting included.

Writes the study's pre-training mix (op 2-10 at 20/30/50, zoo, forward and reverse) with
the character tokenizer and with a 2,200-token byte-level BPE, ``--workers`` processes,
``--tokens`` tokens each (default 100M, as the issue asks), and compares with the
baseline a user would write first, measured in the same run on a smaller budget: one
process that generates each problem, tokenizes it with the Hugging Face tokenizer
(``tokenizer(text)``) and appends the JSON line.

    python benchmarks/corpus.py [--tokens 100M] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from edgegym.agents.corpus import CorpusConfig, op_mixture, sample_texts, slot_spec, write_corpus
from edgegym.agents.tokenizer import EOS, train_bpe
from edgegym.cli.corpus import parse_count
from edgegym.tasks import generate


def config(tokens: int, tokenizer: str) -> CorpusConfig:
    return CorpusConfig(
        kind="pretrain",
        ops=op_mixture("pretrain-20-30-50"),
        contexts=(("zoo", 1.0),),
        modes=(("forward", 0.5), ("reverse", 0.5)),
        tokens=tokens,
        tokenizer=tokenizer,
    )


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the corpus writer's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


Result = tuple[float, float, dict[str, int]]  # wall seconds, CPU seconds, counts


def ours(tokens: int, tokenizer: str, workers: int, out: Path) -> Result:
    start, cpu = time.perf_counter(), cpu_seconds()
    manifest = write_corpus(config(tokens, tokenizer), out, workers=workers)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    shutil.rmtree(out)
    return seconds, cpu, {"tokens": manifest["tokens"], "records": manifest["records"]}


def baseline(tokens: int, tok_dir: Path, out: Path) -> Result:
    """Generate, ``tokenizer(text)`` and ``json.dumps`` one record at a time, one process."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tok_dir)
    cfg = config(tokens, str(tok_dir))
    total = records = 0
    start, cpu = time.perf_counter(), cpu_seconds()
    with out.open("w", encoding="utf-8") as handle:
        while total < tokens:
            problem = generate(slot_spec(cfg, records))
            text = problem.text + EOS
            n = len(tok(text, add_special_tokens=False)["input_ids"])
            handle.write(json.dumps({"text": text, "n_tokens": n}) + "\n")
            total += n
            records += 1
    return time.perf_counter() - start, cpu_seconds() - cpu, {"tokens": total, "records": records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=parse_count, default=parse_count("100M"))
    parser.add_argument("--baseline-tokens", type=parse_count, default=parse_count("2M"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="edgegym-bench-corpus-"))
    load_before = os.getloadavg()
    try:
        bpe = train_bpe(sample_texts(3000, seed=1), vocab_size=2200)
        bpe.save_pretrained(work / "bpe")
        rows = []
        for name, tokenizer in (("char", "char"), ("bpe-2200", str(work / "bpe"))):
            result = ours(args.tokens, tokenizer, args.workers, work / name)
            rows.append((f"edgegym corpus, {name}, {args.workers} workers", *result))
        result = baseline(args.baseline_tokens, work / "bpe", work / "baseline.jsonl")
        rows.append(("baseline: generate + tokenizer(text) + json, 1 process, bpe", *result))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # On a shared machine the wall-clock rate says how busy the others were; tokens per
    # CPU-second (all processes) times the cores used is what two free cores would give.
    header = f"{'writer':<62} {'tokens':>12} {'records':>8} {'wall s':>7} {'CPU s':>7}"
    print(f"{header} {'tokens/s':>10} {'tokens/CPU-s':>12}")
    per_cpu = []
    for name, seconds, cpu, stats in rows:
        per_cpu.append(stats["tokens"] / cpu)
        counts = f"{stats['tokens']:>12,} {stats['records']:>8,} {seconds:>7.1f} {cpu:>7.1f}"
        print(f"{name:<62} {counts} {stats['tokens'] / seconds:>10,.0f} {per_cpu[-1]:>12,.0f}")
    cores = min(args.workers, 2)
    print(
        f"tokens per CPU-second vs baseline: char {per_cpu[0] / per_cpu[2]:.2f}x, "
        f"bpe {per_cpu[1] / per_cpu[2]:.2f}x; on {cores} free cores: char "
        f"{cores * per_cpu[0] / 1e6:.2f}M, bpe {cores * per_cpu[1] / 1e6:.2f}M tokens/s "
        "(required >= 1M)"
    )
    # How many runnable processes shared the cores: what the wall-clock rates mean.
    print(
        f"load average (1, 5, 15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
