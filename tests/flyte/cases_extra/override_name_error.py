"""task.override(name=...) is rejected: 'Name cannot be overridden'.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
import flyte

env = flyte.TaskEnvironment(name="name_ov_env")


@env.task
async def t() -> None:
    pass


OVERRIDES = [t.override(name="renamed")]
