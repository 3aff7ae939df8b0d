"""Registration: one file, versioned ids, string entry points, import-free make, no overrides."""

from __future__ import annotations

import inspect
import subprocess
import sys

import gymnasium as gym
import pytest

from edgegym.envs import ENV_IDS, ReasonEnv, ReasonStepEnv, registration

SECTIONS = (
    "## Description",
    "## Observation",
    "## Action",
    "## Reward",
    "## Starting State",
    "## Episode End",
    "## Arguments",
    "## Version History",
)


def test_ids_are_versioned_with_string_entry_points() -> None:
    assert ENV_IDS == ("edgegym/Reason-v0", "edgegym/ReasonStep-v0")
    for env_id in ENV_IDS:
        spec = gym.spec(env_id)
        assert spec.namespace == "edgegym" and spec.version == 0
        assert isinstance(spec.entry_point, str) and spec.entry_point.startswith("edgegym.envs.")


def test_short_ids_are_aliases_of_the_namespaced_ones() -> None:
    assert registration.ALIASES == {
        "Reason-v0": "edgegym/Reason-v0",
        "ReasonStep-v0": "edgegym/ReasonStep-v0",
    }
    for alias, target in registration.ALIASES.items():
        short, full = gym.spec(alias), gym.spec(target)
        assert short.namespace is None
        assert (short.entry_point, short.max_episode_steps) == (
            full.entry_point,
            full.max_episode_steps,
        )
        a, b = gym.make(alias), gym.make(target)
        assert a.reset(seed=3) == b.reset(seed=3)
        assert type(a.unwrapped) is type(b.unwrapped)


def test_a_short_id_taken_by_another_package_is_kept_with_a_warning() -> None:
    """Another package registered ``Reason-v0`` first: importing edgegym keeps theirs."""
    code = (
        "import warnings, gymnasium as gym\n"
        "gym.register(id='Reason-v0', entry_point='gymnasium.envs.classic_control:CartPoleEnv')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import edgegym\n"
        "print(gym.spec('Reason-v0').entry_point)\n"
        "print(type(gym.make('edgegym/Reason-v0').unwrapped).__name__)\n"
        "print(type(gym.make('ReasonStep-v0').unwrapped).__name__)\n"
        "print([(w.category.__name__, str(w.message)) for w in caught])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[:3] == [
        "gymnasium.envs.classic_control:CartPoleEnv",
        "ReasonEnv",
        "ReasonStepEnv",
    ]
    assert "AliasTakenWarning" in lines[3] and "'edgegym/Reason-v0'" in lines[3]
    assert lines[3].count("AliasTakenWarning") == 1  # ReasonStep-v0 was free: no warning


def test_reimporting_registration_is_idempotent() -> None:
    code = (
        "import importlib, warnings, gymnasium as gym\n"
        "warnings.simplefilter('error')\n"
        "import edgegym.envs.registration as r\n"
        "importlib.reload(r)\n"
        "print(sorted(i for i in gym.registry if 'Reason' in i))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "['Reason-v0', 'ReasonStep-v0', 'edgegym/Reason-v0', 'edgegym/ReasonStep-v0']"
    )


def test_make_with_module_prefix_needs_no_prior_import() -> None:
    code = (
        "import sys, gymnasium as gym\n"
        "assert 'edgegym' not in sys.modules\n"
        "env = gym.make('edgegym:Reason-v0')\n"
        "step = gym.make('edgegym:ReasonStep-v0')\n"
        "full = gym.make('edgegym:edgegym/Reason-v0')\n"
        "print(type(env.unwrapped).__name__, type(step.unwrapped).__name__)\n"
        "print(type(full.unwrapped).__name__, full.spec.id)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["ReasonEnv", "ReasonStepEnv", "ReasonEnv", "edgegym/Reason-v0"]


def test_importing_edgegym_stays_light() -> None:
    """``import edgegym`` registers the ids without loading the generator or the rewards."""
    code = (
        "import sys, edgegym, gymnasium as gym\n"
        "assert 'Reason-v0' in gym.registry and 'ReasonStep-v0' in gym.registry\n"
        "assert 'edgegym/Reason-v0' in gym.registry\n"
        "heavy = ('edgegym.tasks', 'edgegym.rewards')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_duplicate_registration_is_an_error() -> None:
    before = dict(gym.registry)
    with pytest.raises(gym.error.RegistrationError, match="already registered"):
        registration.register(registration.ENTRIES[0])
    assert dict(gym.registry) == before


def test_step_env_is_truncated_by_time_limit_not_by_itself() -> None:
    assert gym.spec("edgegym/ReasonStep-v0").max_episode_steps == registration.STEP_LIMIT
    assert gym.spec("edgegym/Reason-v0").max_episode_steps is None
    env = gym.make("ReasonStep-v0", max_episode_steps=3)
    env.reset(seed=0)
    flags = [env.step("Hmm.")[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    unwrapped = ReasonStepEnv()
    unwrapped.reset(seed=0)
    assert not any(unwrapped.step("Hmm.")[3] for _ in range(100))  # no limit of its own


@pytest.mark.parametrize("cls", [ReasonEnv, ReasonStepEnv])
def test_class_docstring_is_the_user_manual(cls: type) -> None:
    doc = inspect.getdoc(cls) or ""
    positions = [doc.find(section) for section in SECTIONS]
    assert -1 not in positions and positions == sorted(positions), positions
