"""The shared curriculum under real Ray: a local two-CPU cluster on loopback, many clients.

The node's address is 127.0.0.1 (what Ray advertises and connects to), without the
dashboard; Ray 2.55's own servers still listen on every interface (measured with ``ss``,
and Ray has no option against it), so nothing here is reachable that Ray would not be.

Client actors play OpenRLHF's rollout workers: each connects to the curriculum the way
``curriculum_agent.py`` does (:func:`connect`, which creates or finds the named actor in
the job's namespace) and drives its own slots, the samples of a group concurrently, one
group after another. Everything the clients saw (group ids leased, reports that
completed a group) is compared with the actor's own counters and its saved state.

Figures: ``pytest tests/agents/test_agents_ray_curriculum.py -s`` prints them.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgegym.agents.openrlhf.curriculum import STATE_DIR_ENV, job_namespace

ray = pytest.importorskip("ray")

NAME = "ray-test-curriculum"
CURRICULUM = {
    "name": NAME,
    "strategy": "frontier",
    "config": {"contexts": ["symbolic"], "op_min": 2, "op_max": 8},
    "state_path": "curricula/state.json",
    "save_every": 200,
    "save_seconds": 0.5,
}
GROUP = 2
CLIENTS = 2
SLOTS = 48  # per client, played concurrently


@ray.remote(num_cpus=0)
class Client:
    """One rollout worker: its own slots, ``GROUP`` concurrent samples per group."""

    async def run(self, slots: list[int], groups: int) -> dict[str, Any]:
        from edgegym.agents.openrlhf.curriculum import connect

        handle = connect(dict(CURRICULUM))
        leased: list[str] = []
        completed: list[str] = []
        metrics: dict[str, float] = {}

        async def sample(slot: int, k: int) -> None:
            nonlocal metrics
            group, index, _ = await handle.lease(slot, GROUP)
            leased.append(group)
            good = (slot + k + index) % 3 == 0
            outcome = {"verified": good, "outcome": good, "score": float(good), "process": 0.5}
            metrics = await handle.report(group, index, outcome | {"flags": []})
            if metrics["curriculum/completed"]:
                completed.append(group)

        async def play(slot: int) -> None:
            for k in range(groups):
                await asyncio.gather(*(sample(slot, k) for _ in range(GROUP)))

        await asyncio.gather(*(play(slot) for slot in slots))
        return {"leased": leased, "completed": completed, "metrics": metrics}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("ray-curricula")
    # On a shared machine another process's memory can push the node past Ray's 95%
    # threshold, and Ray then kills this test's newest workers (seen once); no usage stats.
    settings = {
        "RAY_memory_monitor_refresh_ms": "0",
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO": "0",  # no GPUs: leave their variables alone
    }
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        runtime_env={"env_vars": {STATE_DIR_ENV: str(root)}},
    )
    try:
        yield root
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _play(clients: list[Any], groups_per_slot: int, offset: int) -> list[Any]:
    return [
        client.run.remote(
            list(range(offset + c * SLOTS, offset + (c + 1) * SLOTS)), groups_per_slot
        )
        for c, client in enumerate(clients)
    ]


def _actor() -> Any:
    return ray.get_actor(NAME, namespace=job_namespace())


def _merge(results: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    leased = [g for r in results for g in r["leased"]]
    completed = [g for r in results for g in r["completed"]]
    return leased, completed


def test_groups_through_the_named_actor_none_lost_then_a_kill_counts_none_twice(
    cluster: Path,
) -> None:
    # -- 1. ~10,000 groups from 4 clients x 24 slots, concurrently: nothing lost ----------
    per_slot = 105  # 2 x 48 x 105 = 10,080 groups
    # The clients live through the test: the actor belongs to the one that created it
    # (Ray's ownership), as it belongs to a rollout worker that lives for the job.
    clients = [Client.remote() for _ in range(CLIENTS)]
    start = time.perf_counter()
    results = ray.get(_play(clients, per_slot, offset=0))
    elapsed = time.perf_counter() - start
    leased, completed = _merge(results)
    groups = CLIENTS * SLOTS * per_slot
    actor = _actor()
    metrics = ray.get(actor.metrics.remote())
    assert len(leased) == groups * GROUP and len(set(leased)) == groups
    assert len(completed) == len(set(completed)) == groups  # each group completed once
    assert metrics["curriculum/proposed"] == groups
    assert metrics["curriculum/observed"] == groups and metrics["curriculum/outstanding"] == 0
    assert metrics["curriculum/abandoned"] == metrics["curriculum/stale_reports"] == 0
    assert ray.get(actor.state_dict.remote())["observed_groups"] == groups
    # every client's last report carried the counters for extra_logs
    assert all(r["metrics"]["curriculum/proposed"] > 0 for r in results)
    print(
        f"\n{groups} groups ({groups * GROUP * 2} calls) in {elapsed:.1f} s: "
        f"{groups / elapsed:.0f} groups/s through the actor; lost {groups - len(completed)}"
    )

    # -- 2. the actor is killed mid-run: it restarts from its saved state ----------------
    before = ray.get(actor.info.remote())
    refs = _play(clients, 16, offset=1000)
    while ray.get(actor.metrics.remote())["curriculum/observed"] < groups + 400:
        time.sleep(0.05)
    ray.kill(actor, no_restart=False)
    results = ray.get(refs)  # calls in flight are retried on the restarted actor
    after = ray.get(actor.info.remote())
    assert after["tag"] != before["tag"]  # a new instance
    leased2, completed2 = _merge(results)
    old = [g for g in completed2 if g.startswith(before["tag"])]
    new = [g for g in completed2 if g.startswith(after["tag"])]
    assert len(old) + len(new) == len(completed2) and len(new) > 0
    assert len(set(completed2)) == len(completed2)  # no group completed twice
    # the restored state holds no group that was not completed before the kill
    assert groups <= after["restored_observed"] <= groups + len(old)
    metrics = ray.get(actor.metrics.remote())
    state = ray.get(actor.state_dict.remote())
    double = state["observed_groups"] - (after["restored_observed"] + len(new))
    assert double == 0 and metrics["curriculum/observed"] == state["observed_groups"]
    assert metrics["curriculum/proposed"] == state["issued"]
    assert metrics["curriculum/proposed"] == (
        metrics["curriculum/observed"]
        + metrics["curriculum/outstanding"]
        + metrics["curriculum/abandoned"]
    )
    rolled_back = groups + len(old) - after["restored_observed"]
    print(
        f"after the kill: restored {after['restored_observed']} observed groups, "
        f"{len(new)} observed since, double-counted {double}; observed before the kill "
        f"but after the last save (rolled back): {rolled_back}; stale reports ignored: "
        f"{metrics['curriculum/stale_reports']:.0f}; leases {len(leased2)}"
    )

    # -- 3. the last groups reach the file without any call (the periodic flush) ---------
    time.sleep(1.5)
    saved = json.loads((cluster / "curricula" / "state.json").read_text())
    assert saved["observed_groups"] == state["observed_groups"]
