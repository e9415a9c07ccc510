"""Reusable env: task.override(env_vars={}) raises too (the reusable check is `is not None`,
while a plain task ignores the falsy value).
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
import flyte

env = flyte.TaskEnvironment(name="reuse_env5", reusable=flyte.ReusePolicy(replicas=2), env_vars={"A": "1"})


@env.task
async def t() -> None:
    pass


OVERRIDES = [t.override(env_vars={})]
