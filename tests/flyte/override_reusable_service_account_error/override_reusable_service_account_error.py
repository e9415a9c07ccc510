"""Reusable env: task.override(service_account=...) without reusable='off' raises.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
import flyte

env = flyte.TaskEnvironment(name="reuse_env4", reusable=flyte.ReusePolicy(replicas=2), service_account="pool-sa")


@env.task
async def t() -> None:
    pass


OVERRIDES = [t.override(service_account="other-sa")]
