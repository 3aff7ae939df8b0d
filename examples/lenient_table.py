"""Scores of chat-style replies, strict and lenient reading, as a Markdown table.

python examples/lenient_table.py [--op 6] [--mode forward] [--index 0]
"""

from __future__ import annotations

import argparse

from edgegym.rewards import score
from edgegym.tasks import TaskSpec, generate
from edgegym.tasks.chat import chat_completion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--op", type=int, default=6)
    parser.add_argument("--mode", default="forward", choices=("forward", "reverse"))
    parser.add_argument("--index", type=int, default=0)
    args = parser.parse_args()
    problem = generate(TaskSpec(op=args.op, mode=args.mode, index=args.index))
    n = problem.answer
    replies = {
        "gold trace after a leading `<solution>`": chat_completion(problem),
        "`<think>...</think>` then the gold trace": "<think>Let me think.</think>"
        + problem.completion,
        f"`<answer>{n}</answer>` alone": f"<answer>{n}</answer>",
        f"`\\boxed{{{n}}}`": f"\\boxed{{{n}}}",
        "raw gold completion (control)": problem.completion,
    }
    print(f"problem {problem.id} (op {problem.op}, {args.mode}), answer {n}\n")
    print("| reply | reading | strict | gated | outcome | process | flags |")
    print("|---|---|---|---|---|---|---|")
    for name, text in replies.items():
        for lenient in (False, True):
            s = score(problem, text, mode="strict", lenient=lenient)
            g = score(problem, text, mode="gated", lenient=lenient)
            flags = ", ".join(sorted(g.flags)) or "-"
            reading = "lenient" if lenient else "default"
            print(
                f"| {name} | {reading} | {s.score:.2f} | {g.score:.2f} | {g.outcome:.0f} | "
                f"{g.process:.2f} | {flags} |"
            )


if __name__ == "__main__":
    main()
