"""task.override(reusable=ReusePolicy(...), resources=...) on a plain task raises: the check
looks at the resulting policy.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
import flyte

env = flyte.TaskEnvironment(name="plain_env4", resources=flyte.Resources(cpu="1"))


@env.task
async def t() -> None:
    pass


OVERRIDES = [t.override(reusable=flyte.ReusePolicy(replicas=2), resources=flyte.Resources(cpu="2"))]
