"""Reusable env: task.override(pod_template=...) and task.override(interruptible=...) are
accepted while the task stays reusable (Flyte gives the combination its own pool); with
reusable="off" in the same call the task leaves the pool.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
import flyte

env = flyte.TaskEnvironment(
    name="pool_env2",
    reusable=flyte.ReusePolicy(replicas=2),
    resources=flyte.Resources(cpu="1"),
)


@env.task
async def t() -> None:
    pass


OVERRIDES = {
    "pod_template": t.override(pod_template="pool-template"),
    "interruptible": t.override(interruptible=True),
    "pod_template_off": t.override(reusable="off", pod_template="pool-template"),
}
