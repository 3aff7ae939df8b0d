"""One curriculum shared by every OpenRLHF rollout worker, hosted in a named Ray actor.

OpenRLHF runs the agent in several Ray rollout workers and draws ``n_samples_per_prompt``
samples of each dataset row. With a curriculum, a row is only a *slot*: the first sample
of a slot leases a problem from the curriculum (``propose(1)``), the next
``group_size - 1`` samples of that slot get the same problem, so they form one GRPO
group, and each finished sample is reported back; when all ``group_size`` samples of a
group are in, the curriculum observes the group. The next lease of the slot (the next
epoch) starts a new group.

:class:`CurriculumService` is that logic, thread-safe and Ray-free. :func:`connect`
returns an async handle to it: inside a Ray cluster a named actor, else one instance per
process. The actor lives in the namespace of the Ray job (:func:`job_namespace`), so two
training jobs on one cluster never share a curriculum; it is created by the first worker
that asks (``get_if_exists``), restarted by Ray if its process dies, and Ray retries the
calls that were in flight.

State and restarts. The service saves the curriculum's ``state_dict()`` atomically to
``state_path`` every ``save_every`` observed groups, and a background thread saves any
observation not yet on disk every ``save_seconds``: that is the final save under Ray,
which ends a job's actors with a kill that runs no exit handler (measured with Ray 2.55;
:meth:`CurriculumService.close`, also run at a normal process exit, saves at once). A
new service (or the restarted actor) resumes from the file. Group ids carry the id of the
service instance that leased them, so reports for groups leased before a restart are
recognised as stale and ignored (counted, never observed): no group is observed twice.
The groups open at the last save are *abandoned* by a restart, so at every moment
``proposed = observed + outstanding + abandoned`` (:data:`METRIC_KEYS`).

Labels are data, not configuration, so what they may ask for is bounded:

- ``state_path`` is resolved under the folder named by the environment variable
  :data:`STATE_DIR_ENV` of the rollout workers (absolute, chosen by the operator); a
  path outside it, or a state path with no such folder set, is refused;
- a state file that exists but cannot be read fails loudly (:class:`CurriculumError`);
- one process connects to at most :data:`MAX_CURRICULA` distinct curricula, and one
  name always means one configuration.

These refusals raise :class:`CurriculumError`, which the agent does not catch: the
rollout fails rather than score every sample 0.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgegym.curricula import (
    CurriculumConfig,
    GroupResult,
    SampleOutcome,
    load_curriculum,
    make_curriculum,
)
from edgegym.tasks import TaskSpec
from edgegym.tasks.checks import check_int, check_number

__all__ = [
    "MAX_CURRICULA",
    "METRIC_KEYS",
    "STATE_DIR_ENV",
    "CurriculumError",
    "CurriculumService",
    "connect",
    "forget",
    "job_namespace",
    "local_service",
    "resolve_state_path",
    "service_config",
]

STATE_DIR_ENV = "EDGEGYM_CURRICULUM_DIR"
"""Environment variable of the rollout workers: the folder curriculum states may be
written in (labels name a file under it)."""
MAX_CURRICULA = 8
"""Distinct curricula (names) one process connects to; a dataset naming more is refused."""
METRIC_KEYS = (
    "curriculum/proposed",
    "curriculum/observed",
    "curriculum/outstanding",
    "curriculum/abandoned",
    "curriculum/stale_reports",
    "curriculum/completed",
    "curriculum/zero_variance",
)
"""The curriculum counters every report returns (and the curriculum agent logs):
groups proposed, observed, open, abandoned by a restart; reports ignored as stale;
whether this report completed its group; the fraction of observed groups whose
samples all scored the same."""
_KEYS = ("name", "strategy", "config", "params", "state_path", "save_every", "save_seconds")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class CurriculumError(RuntimeError):
    """A curriculum that must not be used: the run stops (it is not a bad label)."""


def service_config(curriculum: dict[str, Any]) -> dict[str, Any]:
    """Validate a label's ``curriculum`` object and fill in the defaults.

    Keys: ``name`` (actor name, default ``edgegym-curriculum``), ``strategy`` (default
    ``frontier``), ``config`` (``CurriculumConfig`` fields), ``params`` (strategy
    hyperparameters), ``state_path`` (a file under :data:`STATE_DIR_ENV`, or ``null``),
    ``save_every`` (groups, default 16), ``save_seconds`` (default 60).

    Raises:
        ValueError: unknown keys or values the curriculum rejects.
    """
    unknown = sorted(set(curriculum) - set(_KEYS))
    if unknown:
        raise ValueError(f"unknown curriculum key(s) {unknown}; allowed: {list(_KEYS)}")
    cfg = {
        "name": "edgegym-curriculum",
        "strategy": "frontier",
        "config": {},
        "params": {},
        "state_path": None,
        "save_every": 16,
        "save_seconds": 60.0,
        **curriculum,
    }
    if not isinstance(cfg["name"], str) or not _NAME.match(cfg["name"]):
        raise ValueError(f"curriculum name must match {_NAME.pattern}, got {cfg['name']!r}")
    if cfg["state_path"] is not None and not isinstance(cfg["state_path"], str):
        raise ValueError(f"curriculum state_path must be a string, got {cfg['state_path']!r}")
    every, seconds = cfg["save_every"], cfg["save_seconds"]
    check_int("curriculum save_every", every, 1)
    check_number("curriculum save_seconds", seconds, 0.0, open_lo=True)
    make_curriculum(cfg["strategy"], CurriculumConfig.from_dict(cfg["config"]), **cfg["params"])
    return cfg


def resolve_state_path(state_path: str, root: str | None = None) -> str:
    """The absolute path of a label's ``state_path``, which must lie under the operator's folder.

    Args:
        state_path: relative (to the folder) or absolute (inside it).
        root: the folder; default: the environment variable :data:`STATE_DIR_ENV`.

    Raises:
        CurriculumError: no folder set, a relative folder, or a path that leaves it
            (``..``, an absolute path elsewhere, a symbolic link pointing out).
    """
    root = os.environ.get(STATE_DIR_ENV) if root is None else root
    if not root:
        raise CurriculumError(
            f"a curriculum label asks to save its state to {state_path!r}, but {STATE_DIR_ENV} "
            "is not set: set it (in the rollout workers' environment) to the folder curriculum "
            "states may be written in"
        )
    if not os.path.isabs(root):
        raise CurriculumError(f"{STATE_DIR_ENV} must be an absolute path, got {root!r}")
    base = Path(root).resolve()
    target = (base / state_path).resolve()
    if target == base or not target.is_relative_to(base):
        raise CurriculumError(
            f"curriculum state_path {state_path!r} leaves {STATE_DIR_ENV}={root!r}; "
            "name a file inside that folder"
        )
    return str(target)


@dataclass
class _Group:
    spec: dict[str, Any]
    size: int
    leased: int = 0
    samples: dict[int, SampleOutcome] = field(default_factory=dict)


class CurriculumService:
    """A curriculum behind a lease / report interface (see the module docstring).

    ``config["state_path"]`` is used as given: :func:`connect` resolves a label's path
    with :func:`resolve_state_path` first.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = service_config(config)
        self.curriculum = self._load()
        state = self.curriculum.state_dict()
        self._lock = threading.Lock()
        self._tag = uuid.uuid4().hex[:12]  # this instance: ids of earlier ones are stale
        self._open: dict[int, str] = {}  # slot -> id of the group it is filling
        self._groups: dict[str, _Group] = {}
        self._next = 0
        self._issued = int(state["issued"])
        self._observed = int(state["observed_groups"])
        self._restored = self._observed
        self._abandoned = self._issued - self._observed
        self._stale = 0
        self._zero_variance = int(state["observed_zero_variance"])
        self._saved = self._observed  # groups observed as of the last save
        self._stop = threading.Event()
        if self.config["state_path"]:
            atexit.register(self.close)  # a normal exit (Ray's kill at the end of a job is not)
            threading.Thread(target=self._flush, name="curriculum-save", daemon=True).start()

    def _load(self) -> Any:
        path, cfg = self.config["state_path"], self.config
        if path and os.path.exists(path):
            try:
                curriculum = load_curriculum(path)
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise CurriculumError(
                    f"{path}: curriculum state cannot be read ({type(err).__name__}: {err}); "
                    "restore it from a backup or delete it to start afresh"
                ) from err
            if curriculum.name != cfg["strategy"]:
                raise CurriculumError(
                    f"{path}: the state is for strategy {curriculum.name!r}, "
                    f"the label asks for {cfg['strategy']!r}"
                )
            return curriculum
        config = CurriculumConfig.from_dict(cfg["config"])
        return make_curriculum(cfg["strategy"], config, **cfg["params"])

    def lease(self, slot: int, group_size: int) -> tuple[str, int, dict[str, Any]]:
        """``(group id, sample index, problem spec)`` for one sample of ``slot``."""
        with self._lock:
            group_id = self._open.get(slot)
            group = self._groups.get(group_id) if group_id is not None else None
            if group is None or group.leased >= group.size:
                (spec,) = self.curriculum.propose(1)
                group = _Group(spec.to_dict(), max(1, group_size))
                group_id = f"{self._tag}:{self._next}"
                self._next += 1
                self._issued += 1
                self._open[slot] = group_id
                self._groups[group_id] = group
            assert group_id is not None
            group.leased += 1
            return group_id, group.leased - 1, group.spec

    def report(self, group_id: str, index: int, sample: dict[str, Any]) -> dict[str, float]:
        """Add sample ``index`` of a group (``SampleOutcome.to_dict()``); observe a full group.

        Idempotent: a sample reported twice (a call Ray retried) counts once; a group
        leased before a restart is stale and ignored.

        Returns:
            The counters of :data:`METRIC_KEYS` after this report.
        """
        with self._lock:
            group = self._groups.get(group_id)
            if group is None or not 0 <= index < group.size:
                self._stale += 1
                return self._metrics(completed=False)
            group.samples.setdefault(index, SampleOutcome.from_dict(sample))
            if len(group.samples) < group.size:
                return self._metrics(completed=False)
            del self._groups[group_id]
            outcomes = [group.samples[i] for i in sorted(group.samples)]
            result = GroupResult.of(TaskSpec.from_dict(group.spec), outcomes)
            self.curriculum.observe([result])
            self._observed += 1
            self._zero_variance += int(result.zero_variance)
            self._save_if_due()
            return self._metrics(completed=True)

    def _metrics(self, *, completed: bool) -> dict[str, float]:
        values = (
            self._issued,
            self._observed,
            len(self._groups),
            self._abandoned,
            self._stale,
            float(completed),
            self._zero_variance / max(self._observed, 1),
        )
        return {k: float(v) for k, v in zip(METRIC_KEYS, values, strict=True)}

    def _save_if_due(self) -> None:
        if self.config["state_path"] and self._observed - self._saved >= self.config["save_every"]:
            self._save_locked()

    def _save_locked(self) -> None:
        self.curriculum.save(self.config["state_path"])
        self._saved = self._observed

    def _flush(self) -> None:
        """Save observations not yet on disk every ``save_seconds``: the last groups of a
        run are saved that long after they are observed, whatever ends the process later."""
        while not self._stop.wait(self.config["save_seconds"]):
            with self._lock:
                if self._observed != self._saved:
                    self._save_locked()

    def info(self) -> dict[str, Any]:
        """This instance: its id ``tag`` and the state it started from (groups issued and
        observed as of the last save; 0 for a fresh curriculum)."""
        return {
            "tag": self._tag,
            "restored_issued": self._abandoned + self._restored,
            "restored_observed": self._restored,
        }

    def metrics(self) -> dict[str, float]:
        """The counters of :data:`METRIC_KEYS` now (``completed`` is 0)."""
        with self._lock:
            return self._metrics(completed=False)

    def state_dict(self) -> dict[str, Any]:
        with self._lock:
            state: dict[str, Any] = self.curriculum.state_dict()
            return state

    def save(self) -> None:
        """Write the curriculum state to ``state_path`` now (atomically)."""
        with self._lock:
            if self.config["state_path"]:
                self._save_locked()

    def close(self) -> None:
        """The final save; stops the periodic one."""
        self._stop.set()
        self.save()


class _Local:
    """Async face of a process-local service (no Ray, e.g. tests or a single worker)."""

    def __init__(self, service: CurriculumService) -> None:
        self.service = service

    async def lease(self, slot: int, group_size: int) -> tuple[str, int, dict[str, Any]]:
        return self.service.lease(slot, group_size)

    async def report(self, group_id: str, index: int, sample: dict[str, Any]) -> dict[str, float]:
        return self.service.report(group_id, index, sample)


class _RayActor:
    """Async face of the named Ray actor (Ray object refs are awaitable)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    async def lease(self, slot: int, group_size: int) -> tuple[str, int, dict[str, Any]]:
        result: tuple[str, int, dict[str, Any]] = await self.actor.lease.remote(slot, group_size)
        return result

    async def report(self, group_id: str, index: int, sample: dict[str, Any]) -> dict[str, float]:
        result: dict[str, float] = await self.actor.report.remote(group_id, index, sample)
        return result


_LOCAL_SERVICES: dict[str, CurriculumService] = {}
_HANDLES: dict[str, tuple[dict[str, Any], _Local | _RayActor]] = {}
_LOCK = threading.Lock()


def job_namespace() -> str:
    """The Ray namespace of this job's curriculum actors: ``edgegym-<job id>``."""
    import ray

    return f"edgegym-{ray.get_runtime_context().get_job_id()}"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        return None
    return ray if ray.is_initialized() else None


def _open_handle(cfg: dict[str, Any]) -> _Local | _RayActor:
    ray = _ray()
    if ray is not None:
        actor_class = ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)(
            CurriculumService
        )
        options = {"name": cfg["name"], "namespace": job_namespace(), "get_if_exists": True}
        return _RayActor(actor_class.options(**options).remote(cfg))
    if cfg["name"] not in _LOCAL_SERVICES:
        _LOCAL_SERVICES[cfg["name"]] = CurriculumService(cfg)
    return _Local(_LOCAL_SERVICES[cfg["name"]])


def connect(curriculum: dict[str, Any]) -> _Local | _RayActor:
    """An async handle (``lease``, ``report``) to the curriculum a label names.

    In a running Ray cluster (inside OpenRLHF's rollout workers): the actor ``name`` in
    the job's namespace, created by the first worker that asks and shared by all.
    Otherwise a service private to this process. Handles are cached per process by name.

    Raises:
        ValueError: the label's curriculum object is invalid (the sample scores 0).
        CurriculumError: a state path outside :data:`STATE_DIR_ENV`, an unreadable state
            file, one name with two configurations, more than :data:`MAX_CURRICULA`.
    """
    cfg = service_config(curriculum)
    if cfg["state_path"]:
        cfg["state_path"] = resolve_state_path(cfg["state_path"])
    with _LOCK:
        known = _HANDLES.get(cfg["name"])
        if known is not None:
            if known[0] != cfg:
                raise CurriculumError(
                    f"curriculum {cfg['name']!r} is named with two configurations: "
                    f"{json.dumps(known[0], sort_keys=True)} and {json.dumps(cfg, sort_keys=True)}"
                )
            return known[1]
        if len(_HANDLES) >= MAX_CURRICULA:
            raise CurriculumError(
                f"the labels name more than {MAX_CURRICULA} curricula ({sorted(_HANDLES)} and "
                f"{cfg['name']!r}); one prompt set should use one curriculum"
            )
        handle = _open_handle(cfg)
        _HANDLES[cfg["name"]] = (cfg, handle)
        return handle


def local_service(name: str) -> CurriculumService | None:
    """The process-local service of that name, if one was created (for tests and tools)."""
    return _LOCAL_SERVICES.get(name)


def forget() -> None:
    """Close and drop this process's local services and cached handles (tests and tools)."""
    with _LOCK:
        for service in _LOCAL_SERVICES.values():
            service.close()
        _HANDLES.clear()
        _LOCAL_SERVICES.clear()
