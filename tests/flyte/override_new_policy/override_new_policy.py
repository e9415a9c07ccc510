"""task.override(reusable=ReusePolicy(...)) sets a new policy: on a plain task it makes the
invocation reusable, on a reusable task it replaces the policy whole.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
import flyte

plain = flyte.TaskEnvironment(name="plain_env", resources=flyte.Resources(cpu="1"))
pool = flyte.TaskEnvironment(
    name="pool_env3",
    reusable=flyte.ReusePolicy(replicas=2, concurrency=2),
    resources=flyte.Resources(cpu="1"),
)


@plain.task
async def p() -> None:
    pass


@pool.task
async def q() -> None:
    pass


OVERRIDES = {
    "new_policy": p.override(
        reusable=flyte.ReusePolicy(replicas=(1, 3), concurrency=4, idle_ttl=60, scope="run")
    ),
    "new_policy_retries": p.override(reusable=flyte.ReusePolicy(replicas=2), retries=3),
    "replace_policy": q.override(reusable=flyte.ReusePolicy(replicas=3)),
}
