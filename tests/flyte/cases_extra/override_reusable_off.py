"""Reusable env: resources, env_vars, secrets and service_account can be overridden together
with reusable="off" in the same call; reusable="off" alone turns reuse off.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
import flyte

env = flyte.TaskEnvironment(
    name="pool_env",
    reusable=flyte.ReusePolicy(replicas=2),
    resources=flyte.Resources(cpu="1", memory="1Gi"),
    env_vars={"A": "1"},
    secrets=["s1"],
    service_account="pool-sa",
)


@env.task
async def t() -> None:
    pass


OVERRIDES = {
    "off_only": t.override(reusable="off"),
    "resources_off": t.override(reusable="off", resources=flyte.Resources(cpu="4")),
    "env_vars_off": t.override(reusable="off", env_vars={"A": "2"}),
    "secrets_off": t.override(reusable="off", secrets=["x"]),
    "service_account_off": t.override(reusable="off", service_account="other-sa"),
}
