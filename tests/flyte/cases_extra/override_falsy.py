"""task.override(...) with falsy values on a plain env: the SDK falls back with `x or self.x`,
so retries=0, timeout=0, env_vars={}, queue="", secrets=[], service_account="" and
max_inline_io_bytes=0 are ignored; interruptible=False is None-checked and applies.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
from datetime import timedelta

import flyte

env = flyte.TaskEnvironment(
    name="falsy_env",
    resources=flyte.Resources(cpu="1"),
    env_vars={"A": "1"},
    secrets=["s1"],
    queue="q-env",
    service_account="env-sa",
    interruptible=True,
)


@env.task(retries=2, timeout=timedelta(minutes=5), max_inline_io_bytes=1024)
async def work() -> None:
    pass


OVERRIDES = {
    "retries_zero": work.override(retries=0),
    "timeout_zero": work.override(timeout=0),
    "env_vars_empty": work.override(env_vars={}),
    "queue_empty": work.override(queue=""),
    "secrets_empty": work.override(secrets=[]),
    "service_account_empty": work.override(service_account=""),
    "max_inline_io_bytes_zero": work.override(max_inline_io_bytes=0),
    "interruptible_false": work.override(interruptible=False),
}
