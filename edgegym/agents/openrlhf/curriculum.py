"""One curriculum shared by every OpenRLHF rollout worker, hosted in a named Ray actor.

OpenRLHF runs the agent in several Ray rollout workers and draws ``n_samples_per_prompt``
samples of each dataset row. With a curriculum, a row is only a *slot*: the first sample
of a slot leases a problem from the curriculum (``propose(1)``), the next
``group_size - 1`` samples of that slot get the same problem, so they form one GRPO
group, and each finished sample is reported back; when all ``group_size`` samples of a
group are in, the curriculum observes the group. The next lease of the slot (the next
epoch) starts a new group.

:class:`CurriculumService` is that logic, thread-safe and Ray-free (tested on a CPU).
:func:`connect` returns an async handle to it: inside a Ray cluster a named actor
(created by the first worker that asks, ``get_if_exists``; it lives for the training
job), else one instance per process. The service saves ``state_dict()`` atomically to
``state_path`` (if given) every ``save_every`` observed groups and on
:meth:`CurriculumService.save`; a new service with that path resumes from the file.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from edgegym.curricula import CurriculumConfig, GroupResult, SampleOutcome, make_curriculum
from edgegym.tasks import TaskSpec

__all__ = ["NAMESPACE", "CurriculumService", "connect", "local_service", "service_config"]

NAMESPACE = "edgegym"
"""Ray namespace of the named curriculum actors (Ray jobs get fresh namespaces otherwise)."""
_KEYS = ("name", "strategy", "config", "params", "state_path", "save_every")


def service_config(curriculum: dict[str, Any]) -> dict[str, Any]:
    """Validate a label's ``curriculum`` object and fill in the defaults.

    Keys: ``name`` (actor name, default ``edgegym-curriculum``), ``strategy`` (default
    ``frontier``), ``config`` (``CurriculumConfig`` fields), ``params`` (strategy
    hyperparameters), ``state_path`` (JSON file or ``null``), ``save_every`` (groups).

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
        **curriculum,
    }
    make_curriculum(cfg["strategy"], CurriculumConfig.from_dict(cfg["config"]), **cfg["params"])
    return cfg


@dataclass
class _Group:
    spec: dict[str, Any]
    size: int
    leased: int = 0
    samples: list[SampleOutcome] = field(default_factory=list)


class CurriculumService:
    """A curriculum behind a lease / report interface (see the module docstring)."""

    def __init__(self, config: dict[str, Any]) -> None:
        from edgegym.curricula import load_curriculum

        self.config = service_config(config)
        path = self.config["state_path"]
        try:
            self.curriculum = load_curriculum(path) if path else None
        except FileNotFoundError:
            self.curriculum = None
        if self.curriculum is None:
            self.curriculum = make_curriculum(
                self.config["strategy"],
                CurriculumConfig.from_dict(self.config["config"]),
                **self.config["params"],
            )
        self._lock = threading.Lock()
        self._open: dict[int, tuple[int, _Group]] = {}  # slot -> (group id, group)
        self._groups: dict[int, _Group] = {}
        self._next_id = 0
        self._observed = 0

    def lease(self, slot: int, group_size: int) -> tuple[int, dict[str, Any]]:
        """The group id and problem spec (as a dict) for one sample of ``slot``."""
        with self._lock:
            current = self._open.get(slot)
            if current is None or current[1].leased >= current[1].size:
                (spec,) = self.curriculum.propose(1)  # type: ignore[union-attr]
                current = (self._next_id, _Group(spec.to_dict(), max(1, group_size)))
                self._next_id += 1
                self._open[slot] = current
                self._groups[current[0]] = current[1]
            group_id, group = current
            group.leased += 1
            return group_id, group.spec

    def report(self, group_id: int, sample: dict[str, Any]) -> dict[str, float]:
        """Add a scored sample (``SampleOutcome.to_dict()``); a full group is observed.

        Returns:
            The curriculum's metrics when the group completed it, else ``{}``.
        """
        with self._lock:
            group = self._groups.get(group_id)
            if group is None:
                return {}
            group.samples.append(SampleOutcome.from_dict(sample))
            if len(group.samples) < group.size:
                return {}
            del self._groups[group_id]
            result = GroupResult.of(TaskSpec.from_dict(group.spec), group.samples)
            metrics = self.curriculum.observe([result])  # type: ignore[union-attr]
            self._observed += 1
            if self.config["state_path"] and self._observed % self.config["save_every"] == 0:
                self.curriculum.save(self.config["state_path"])  # type: ignore[union-attr]
            return {k: float(v) for k, v in metrics.items()}

    def state_dict(self) -> dict[str, Any]:
        with self._lock:
            state: dict[str, Any] = self.curriculum.state_dict()  # type: ignore[union-attr]
            return state

    def save(self) -> None:
        """Write the curriculum state to ``state_path`` now (atomically)."""
        with self._lock:
            if self.config["state_path"]:
                self.curriculum.save(self.config["state_path"])  # type: ignore[union-attr]


class _Local:
    """Async face of a process-local service (no Ray, e.g. tests or a single worker)."""

    def __init__(self, service: CurriculumService) -> None:
        self.service = service

    async def lease(self, slot: int, group_size: int) -> tuple[int, dict[str, Any]]:
        return self.service.lease(slot, group_size)

    async def report(self, group_id: int, sample: dict[str, Any]) -> dict[str, float]:
        return self.service.report(group_id, sample)


class _RayActor:
    """Async face of the named Ray actor (Ray object refs are awaitable)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    async def lease(self, slot: int, group_size: int) -> tuple[int, dict[str, Any]]:
        result: tuple[int, dict[str, Any]] = await self.actor.lease.remote(slot, group_size)
        return result

    async def report(self, group_id: int, sample: dict[str, Any]) -> dict[str, float]:
        result: dict[str, float] = await self.actor.report.remote(group_id, sample)
        return result


_LOCAL_SERVICES: dict[str, CurriculumService] = {}
_HANDLES: dict[str, _Local | _RayActor] = {}
_LOCK = threading.Lock()


def connect(curriculum: dict[str, Any]) -> _Local | _RayActor:
    """An async handle (``lease``, ``report``) to the curriculum a label names.

    In a running Ray cluster (inside OpenRLHF's rollout workers): the actor ``name`` in
    namespace ``edgegym``, created by the first worker that asks and shared by all. It
    lives as long as that worker, i.e. the training job. Otherwise a service private to
    this process. Handles are cached per process by the label's curriculum object.
    """
    key = json.dumps(curriculum, sort_keys=True)
    with _LOCK:
        if key in _HANDLES:
            return _HANDLES[key]
        cfg = service_config(curriculum)
        try:
            import ray
        except ImportError:
            ray = None  # type: ignore[assignment]
        handle: _Local | _RayActor
        if ray is not None and ray.is_initialized():
            actor_class = ray.remote(num_cpus=0)(CurriculumService)
            options = {"name": cfg["name"], "namespace": NAMESPACE, "get_if_exists": True}
            handle = _RayActor(actor_class.options(**options).remote(cfg))
        else:
            if cfg["name"] not in _LOCAL_SERVICES:
                _LOCAL_SERVICES[cfg["name"]] = CurriculumService(cfg)
            handle = _Local(_LOCAL_SERVICES[cfg["name"]])
        _HANDLES[key] = handle
        return handle


def local_service(name: str) -> CurriculumService | None:
    """The process-local service of that name, if one was created (for tests and tools)."""
    return _LOCAL_SERVICES.get(name)
