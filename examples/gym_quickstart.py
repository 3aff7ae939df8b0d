"""Quickstart: play Reason-v0 and ReasonStep-v0 with an oracle and a random policy.

Run: ``python examples/gym_quickstart.py``
"""

import gymnasium as gym
import numpy as np

from edgegym.envs import gold_steps

EPISODES = 20

# ---- Reason-v0: one problem, one response ------------------------------------------------
env = gym.make("edgegym:Reason-v0", op=[2, 10], reward="strict")
policies = {
    "oracle": lambda env: env.unwrapped.problem.completion,  # the gold response
    "random": lambda env: env.action_space.sample(),  # random unicode text
}
for name, policy in policies.items():
    rewards = []
    for episode in range(EPISODES):
        env.reset(seed=episode)  # the same problems for both policies
        _, reward, terminated, truncated, info = env.step(policy(env))
        rewards.append(reward)
    print(f"Reason-v0     {name:6s} mean strict reward {np.mean(rewards):.2f}")

# ---- ReasonStep-v0: one reasoning step per action, per-step rewards ------------------------
env = gym.make("edgegym:ReasonStep-v0", op=[2, 10], feedback="verdict")
obs, info = env.reset(seed=0)
for action in gold_steps(env.unwrapped.problem):
    obs, reward, terminated, truncated, info = env.step(action)
    print(f"step {info['step']:2d} reward {reward:+.3f} verdict {info['verdict']}")
print(f"ReasonStep-v0 oracle episode score {info['score']:.2f}")
