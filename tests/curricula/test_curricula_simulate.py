"""The simulation loop and what the benchmark claims, on one seed."""

from __future__ import annotations

import pytest

from edgegym.curricula import (
    CurriculumConfig,
    SimulatedStudent,
    SimulationConfig,
    StudentConfig,
    make_curriculum,
    simulate,
)


def run(strategy: str, **params: object):  # type: ignore[no-untyped-def]
    curriculum = make_curriculum(strategy, CurriculumConfig(seed=0), **params)
    student = SimulatedStudent(StudentConfig(theta0=8.0, lr=0.002, seed=0))
    return simulate(curriculum, student, SimulationConfig(steps=1500, target=16.0))


def test_default_beats_uniform_by_2x_with_few_zero_variance_groups() -> None:
    frontier, uniform = run("frontier"), run("uniform")
    assert frontier.steps_to_target is not None and uniform.steps_to_target is not None
    assert uniform.steps_to_target >= 2 * frontier.steps_to_target
    assert frontier.zero_variance_fraction <= 0.15 < uniform.zero_variance_fraction


def test_records_account_for_every_group() -> None:
    curriculum = make_curriculum("frontier", CurriculumConfig(contexts=("zoo", "movie")))
    student = SimulatedStudent(StudentConfig(seed=1))
    seen = []
    result = simulate(curriculum, student, SimulationConfig(steps=12, groups=10), seen.append)
    assert [r.step for r in result.records] == list(range(1, 13)) and seen == result.records
    assert result.groups == 120 and result.steps_to_target is None
    assert all(sum(sum(v.values()) for v in r.proposed.values()) == 10 for r in result.records)
    assert set(result.records[-1].frontier) == {"dag/movie/forward", "dag/zoo/forward"}
    assert 0.0 <= result.zero_variance_fraction <= 1.0


def test_plot_writes_a_png(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    from edgegym.curricula.plot import mass_matrix, plot_sampling_mass

    curriculum = make_curriculum("frontier", CurriculumConfig(contexts=("zoo", "movie")))
    result = simulate(curriculum, SimulatedStudent(), SimulationConfig(steps=30, groups=8))
    matrix = mass_matrix(result.records, "dag/zoo/forward", curriculum.config.ops, bins=10)
    assert matrix.shape == (19, 10)
    assert matrix.sum(axis=0) == pytest.approx([1.0] * 10)
    path = tmp_path / "mass.png"
    plot_sampling_mass(result.records, curriculum.config.ops, path, title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mass.png"]


@pytest.mark.parametrize(
    "fields", [{"steps": 0}, {"groups": -1}, {"group_size": 0}, {"target": "high"}]
)
def test_config_rejects_bad_values(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SimulationConfig(**fields)  # type: ignore[arg-type]
