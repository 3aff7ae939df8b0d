"""``edgegym curriculum``: simulate a curriculum against a student, inspect a saved state.

edgegym curriculum simulate --strategy frontier --steps 500 --plot mass.png
edgegym curriculum show state.json
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from edgegym.cli import make_console, quote

if TYPE_CHECKING:
    from rich.console import RenderableType

    from edgegym.curricula import Curriculum, SimulatedStudent, StepRecord

__all__ = ["register"]

_STRATEGIES = ("frontier", "learnability", "target-difficulty", "fixed-band", "uniform")


def register(sub: Any) -> None:
    """Add the ``curriculum`` command group to the ``edgegym`` parser."""
    parser = sub.add_parser("curriculum", help="simulate and inspect edge-of-competence curricula")
    group = parser.add_subparsers(dest="curriculum_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: _help(parser))

    sim = group.add_parser("simulate", help="run a curriculum against a simulated student")
    sim.add_argument("--strategy", choices=_STRATEGIES, default="frontier")
    sim.add_argument("--steps", type=int, default=500, help="training steps (default 500)")
    sim.add_argument("--groups", type=int, default=32, help="groups (prompts) per step")
    sim.add_argument("--group-size", type=int, default=8, help="samples per group, G")
    sim.add_argument("--op-min", type=int, default=2)
    sim.add_argument("--op-max", type=int, default=20)
    sim.add_argument("--contexts", default="zoo", help="comma-separated contexts")
    sim.add_argument("--modes", default="forward", help="comma-separated modes")
    sim.add_argument("--theta0", type=float, default=8.0, help="student's initial skill (op)")
    sim.add_argument("--slope", type=float, default=1.0, help="pass-rate slope per op")
    sim.add_argument("--lr", type=float, default=0.002, help="skill per half-solved group")
    sim.add_argument("--noise", type=float, default=0.0, help="reward flip probability")
    sim.add_argument("--target", type=float, default=None, help="stop at this skill")
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--plot", default=None, metavar="PNG", help="write the sampling-mass plot")
    sim.add_argument("--save", default=None, metavar="JSON", help="write the final state")
    sim.add_argument("--refresh", type=int, default=10, help="redraw the table every N steps")
    sim.set_defaults(func=_simulate)

    show = group.add_parser("show", help="print the per-op competence table of a saved state")
    show.add_argument("state", help="a JSON file written by simulate --save or Curriculum.save")
    show.set_defaults(func=_show)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _simulate(args: argparse.Namespace) -> int:
    from rich.live import Live

    from edgegym.cli import CommandError
    from edgegym.curricula import (
        CurriculumConfig,
        SimulatedStudent,
        SimulationConfig,
        StudentConfig,
        make_curriculum,
        simulate,
    )

    if args.refresh < 1:
        raise CommandError(f"--refresh must be >= 1, got {args.refresh}")
    config = CurriculumConfig(
        contexts=_names(args.contexts),
        modes=_names(args.modes),  # type: ignore[arg-type]  # validated by CurriculumConfig
        op_min=args.op_min,
        op_max=args.op_max,
        seed=args.seed,
    )
    params = {}
    if args.strategy == "fixed-band":  # the study's edge band, clipped to the configured range
        params = {"band_min": max(11, args.op_min), "band_max": min(14, args.op_max)}
        if params["band_min"] > params["band_max"]:
            raise CommandError("fixed-band needs --op-min <= 14 and --op-max >= 11")
    curriculum = make_curriculum(args.strategy, config, **params)
    student = SimulatedStudent(
        StudentConfig(
            theta0=args.theta0, slope=args.slope, lr=args.lr, noise=args.noise, seed=args.seed
        )
    )
    sim = SimulationConfig(
        steps=args.steps, groups=args.groups, group_size=args.group_size, target=args.target
    )
    console = make_console()
    records: list[StepRecord] = []

    def on_step(record: StepRecord) -> None:
        records.append(record)
        if record.step % args.refresh == 0 or record.step == sim.steps:
            live.update(_table(curriculum, student, records, sim.steps))

    with Live(_table(curriculum, student, records, sim.steps), console=console) as live:
        result = simulate(curriculum, student, sim, on_step)
        live.update(_table(curriculum, student, records, sim.steps))
    console.line()
    reached = (
        f"; reached skill {args.target} at step {result.steps_to_target}"
        if args.target is not None and result.steps_to_target is not None
        else ""
    )
    console.print(
        f"[bold]{args.strategy}[/]: {len(result.records)} steps, "
        f"{result.groups} groups, zero-variance groups {result.zero_variance_fraction:.1%}{reached}"
    )
    if args.save:
        curriculum.save(args.save)
        console.print(f"state written to {quote(args.save)}")
    if args.plot:
        from edgegym.curricula.plot import plot_sampling_mass

        plot_sampling_mass(
            result.records, config.ops, args.plot, title=f"{args.strategy}: where the groups went"
        )
        console.print(f"plot written to {quote(args.plot)}")
    return 0


def _table(
    curriculum: Curriculum[Any],
    student: SimulatedStudent | None,
    records: list[StepRecord],
    steps: int | None,
) -> RenderableType:
    """Per-track tables of per-op competence, recent share of groups and the student's truth."""
    from rich.console import Group
    from rich.table import Table

    from edgegym.curricula import Frontier

    recent = records[-20:]
    frontier = curriculum.frontier if isinstance(curriculum, Frontier) else {}
    tables = []
    for track in curriculum.tracks:
        counts: dict[int, int] = {}
        for record in recent:
            for op, n in record.proposed.get(track.key, {}).items():
                counts[op] = counts.get(op, 0) + n
        total = max(sum(counts.values()), 1)
        skill = f", skill {student.skill(track):.2f}" if student is not None else ""
        step = f"step {records[-1].step}/{steps}, " if records and steps else ""
        h = frontier.get(track.key)
        table = Table(
            title=f"{track.key}: {step}frontier {h if h is not None else '-'}{skill}",
            title_justify="left",
        )
        regions: dict[int, str] = {}
        if isinstance(curriculum, Frontier):
            for name, ops in zip(
                ("replay", "window", "probe"), curriculum.regions(track), strict=True
            ):
                regions.update({op: name for op in ops})
        # p = posterior mean of the verified pass rate, ans = of the answer-only one,
        # n = effective samples, share = of the last 20 steps' groups.
        for name in ("op", "where", "status", "p", "LCB", "ans", "n", "share"):
            table.add_column(name, justify="right")
        if student is not None:
            table.add_column("true p", justify="right")
        for arm in curriculum.arms:
            if arm.track != track:
                continue
            s = curriculum.tracker.summary(arm)
            row = [
                f"[bold]{arm.op}[/]" if arm.op == h else str(arm.op),
                regions.get(arm.op, ""),
                s.status,
                f"{s.mean:.2f}",
                f"{s.lcb:.2f}",
                f"{s.answer_mean:.2f}",
                f"{s.samples:.0f}",
                f"{counts.get(arm.op, 0) / total:.0%}",
            ]
            if student is not None:
                row.append(f"{student.pass_rate(arm):.2f}")
            table.add_row(*row)
        tables.append(table)
    return Group(*tables)


def _show(args: argparse.Namespace) -> int:

    from edgegym.curricula import load_curriculum

    curriculum = load_curriculum(args.state)
    console = make_console()
    console.print(_table(curriculum, None, [], None))
    console.print(
        f"strategy {curriculum.name}, {curriculum.tracker.updates} updates, "
        f"{sum(curriculum.proposed_counts().values())} specs issued"
    )
    return 0
