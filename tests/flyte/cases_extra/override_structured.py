"""task.override(...) with structured values: RetryStrategy with Backoff, Timeout, a Cache
object, resources with (request, limit) pairs and a named GPU, an env_vars dict spread over the
env's (envc: !merge), secrets added to the env's (envc: !append), an inline PodTemplate.
(envc extra case, tests/flyte/cases_extra/: not part of the shared oracle.)"""
from datetime import timedelta

from kubernetes.client import V1Container, V1PodSpec

import flyte

env = flyte.TaskEnvironment(
    name="struct_env",
    resources=flyte.Resources(cpu="1", memory="1Gi"),
    env_vars={"A": "1", "B": "2"},
    secrets=["s1"],
)


@env.task(retries=1, cache="auto")
async def work(x: int) -> int:
    return x


OVERRIDES = {
    "retries_backoff": work.override(
        retries=flyte.RetryStrategy(
            count=4, backoff=flyte.Backoff(base=timedelta(seconds=10), factor=2.0, cap=timedelta(minutes=5))
        )
    ),
    "timeout_object": work.override(
        timeout=flyte.Timeout(
            max_runtime=timedelta(hours=1), max_queued_time=timedelta(minutes=10), deadline=timedelta(hours=3)
        )
    ),
    "cache_object": work.override(
        cache=flyte.Cache(behavior="override", version_override="v7", serialize=True, ignored_inputs=("x",), salt="pepper")
    ),
    "cache_disable": work.override(cache="disable"),
    "resources_pairs": work.override(
        resources=flyte.Resources(cpu=("1", "2"), memory=("2Gi", "4Gi"), gpu="A100:2", disk="10Gi", shm="auto")
    ),
    "env_vars_spread": work.override(env_vars={**env.env_vars, "C": "3"}),
    "secrets_added": work.override(
        secrets=[
            "s1",
            flyte.Secret(key="token", group="github"),
            flyte.Secret(key="sa-json", group="gcp", mount="/etc/flyte/secrets"),
        ]
    ),
    "pod_template_inline": work.override(
        pod_template=flyte.PodTemplate(
            primary_container_name="primary",
            labels={"team": "ml"},
            annotations={"owner": "alice"},
            pod_spec=V1PodSpec(containers=[V1Container(name="primary")]),
        )
    ),
    "service_account": work.override(service_account="other-sa"),
    "max_inline_io_bytes": work.override(max_inline_io_bytes=2048),
}
