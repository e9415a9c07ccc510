"""The registry of diagnostic codes: every diagnostic envc emits is one of these.

Ids are stable (E = error, W = warning); names written `like-this` in SPEC.md are
binding.  Ranges: 1xx loading, 2xx project and schema, 3xx inheritance, 4xx tasks,
reuse and Python entrypoints, 5xx values (resources, secrets, images, names,
depends_on), 6xx pod templates, 7xx apps, 8xx output (850-899 diff and fmt), 9xx checks
on the output.  Each code has a severity (its letter), a one-line summary, a fix and a
failing example (`EXAMPLES`); `docs/diagnostics.md` is generated from them
(`pytest --update-golden`), and tests/test_codes.py runs every example.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Code(NamedTuple):  # a NamedTuple for a fast import: see diagnostics.py
    id: str
    name: str
    summary: str
    fix: str

    @property
    def severity(self) -> Severity:
        return Severity.ERROR if self.id.startswith("E") else Severity.WARNING

    @property
    def example(self) -> str:
        """A failing example (`EXAMPLES` below): what docs/diagnostics.md shows and runs."""
        return EXAMPLES.get(self.id, "")

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


def _c(id_: str, name: str, summary: str, fix: str) -> Code:
    return Code(id_, name, summary, fix)


# 1xx: loading (SPEC §3, §11.3)
IO_ERROR = _c("E100", "io-error", "a source file cannot be read", "check the path and its permissions")
YAML_SYNTAX = _c("E101", "yaml-syntax", "the file is not valid YAML", "fix the YAML at the marked position")
NOT_UTF8 = _c("E102", "not-utf8", "the file is not UTF-8 text", "save the file as UTF-8")
FILE_TOO_LARGE = _c("E103", "file-too-large", "a source file is over 10 MiB", "split the file")
TOO_DEEP = _c("E104", "nesting-too-deep", "YAML nesting deeper than 100 levels", "flatten the document")
TOO_MANY_ALIASES = _c("E105", "too-many-aliases", "more than 10,000 aliases in one file", "write the values out or use extends")
ALIAS_BOMB = _c("E106", "alias-expansion-too-large", "a document expands to more than 1,000,000 nodes through aliases", "remove the nested aliases")
DUPLICATE_KEY = _c("E107", "duplicate-key", "a mapping has the same key twice", "remove one of the keys")
YAML_MERGE_KEY = _c("E108", "yaml-merge-key", "`<<` merge keys are not supported", "use `extends` or the `!merge` tag")
UNKNOWN_TAG = _c("E109", "unknown-tag", "a YAML tag other than !merge, !append, !replace", "remove the tag")
KEY_NOT_STRING = _c("E110", "key-not-string", "a mapping key is not a string", "quote the key")
NOT_A_MAPPING = _c("E111", "document-not-mapping", "a document is not a mapping", "write the document as `key: value` pairs")
TAG_MISPLACED = _c("E112", "tag-misplaced", "!merge on a non-mapping or !append on a non-sequence", "use !merge on mappings and !append on sequences")

# 2xx: project file and schema (SPEC §2, §3)
NO_PROJECT = _c("E200", "no-project", "no envc.yaml in the directory or any parent", "run `envc init` or pass --project")
UNKNOWN_KEY = _c("E201", "unknown-key", "a key the schema does not define", "fix the spelling (see the hint) or remove the key")
WRONG_TYPE = _c("E202", "invalid-value", "a value of the wrong type or form", "write a value of the expected form")
MISSING_KEY = _c("E203", "missing-key", "a required key is missing", "add the key")
YAML11_BOOLEAN = _c("E204", "yaml11-boolean", "yes/no/on/off where a boolean is expected", "write true or false")
UNKNOWN_KIND = _c("E205", "unknown-kind", "a document without a known `kind`", "set kind to TaskEnvironment, AppEnvironment, PodTemplate or Workflow")
DUPLICATE_NAME = _c("E206", "duplicate-name", "two documents have the same name", "rename one of them")
NO_SOURCES = _c("W201", "no-sources", "the `sources` globs match no file", "check `sources` in envc.yaml")
BAD_PROJECT_NAME = _c("E207", "invalid-project-name", "`project` is not a DNS-1123 label", "set `project:` in envc.yaml")
DEFAULTS_FORBIDDEN = _c("E208", "defaults-forbidden-field", "`defaults` sets name, extends, tasks or depends_on", "remove the field from defaults")
WRONG_TIER = _c("E209", "wrong-tier", "a field written at a tier that may not set it", "move the field to a tier that may set it")
BAD_NAME = _c("E210", "invalid-name", "a name does not follow the naming rules", "rename it")
UNSUPPORTED_VERSION = _c("E211", "unsupported-kubernetes-version", "`kubernetes_version` is outside the supported range", "pick a supported version")

# 3xx: inheritance (SPEC §4)
EXTENDS_CYCLE = _c("E301", "extends-cycle", "environments extend each other in a cycle", "break the cycle")
UNKNOWN_PARENT = _c("E302", "unknown-parent", "`extends` names no document", "fix the name (see the hint)")
PARENT_WRONG_KIND = _c("E303", "parent-wrong-kind", "`extends` names a document of another kind", "extend a document of the same kind")
EXTENDS_SELF = _c("E304", "extends-self", "a document extends itself", "remove `extends` or name another parent")
APPEND_DUPLICATE = _c("E305", "append-duplicate", "!append adds an item whose identity is already inherited", "remove the duplicate or use !replace")
REPLACE_DROPS = _c("W301", "replace-drops", "a replacing value drops keys or items it inherited", "add the dropped entries, use !merge/!append, or write !replace to confirm")

# 4xx: tasks, reuse, entrypoints (SPEC §5)
NO_MODULE = _c("E401", "no-entrypoint", "a task has neither `entrypoint` nor an environment `module`", "add `entrypoint: file.py:function` or `module:`")
MODULE_NOT_FOUND = _c("E402", "module-not-found", "the Python module of a task does not exist", "fix the path or module name")
FUNCTION_NOT_FOUND = _c("E403", "function-not-found", "the task's function is not defined at module level", "fix the name (see the hint)")
PYTHON_SYNTAX = _c("E404", "python-syntax", "the task's Python module does not parse", "fix the Python file")
PATH_ESCAPES = _c("E405", "path-escapes-project", "an entrypoint or module leaves the project root", "keep Python sources inside the project")
ASYNC_MISMATCH = _c("E406", "async-mismatch", "`async:` disagrees with the function's source", "remove `async:` or fix it")
ASYNC_WITH_ENTRYPOINT = _c("E407", "async-with-entrypoint", "`async:` beside an `entrypoint`", "remove `async:`: the source decides")
TASK_KEY_MISMATCH = _c("E408", "task-key-mismatch", "the task key differs from the entrypoint's function name", "rename the task key to the function name")
BAD_ENTRYPOINT = _c("E409", "invalid-entrypoint", "an entrypoint or module is not of the form path.py:function or a.b:function", "fix the entrypoint")
UNKNOWN_TASK = _c("E417", "unknown-task", "a Workflow step names no task", "fix the task FQN (see the hint)")
REUSE_OVERRIDE = _c("E418", "reusable-override", "an invocation overrides resources, env_vars, secrets or service_account while its policy stays reusable", "add `reusable: off` to the same override")
DUPLICATE_STEP = _c("E419", "duplicate-step", "two steps of a Workflow have the same name", "give each step its own `name`")
REUSE_OVERRIDE_INEFFECTIVE = _c("W403", "reuse-override-ineffective", "an invocation that stays reusable sets interruptible or pod_template: the pool's pods do not change", "add `reusable: off`, or drop the setting")
REUSE_SYNC_CONCURRENCY = _c("E410", "reusable-concurrency-sync", "concurrency > 1 with a task that is not async", "make the task `async def` or set concurrency 1")
REUSE_TASK_TEMPLATE = _c("E411", "reusable-task-pod-template", "a task-level pod_template in a reusable environment", "set pod_template on the environment")
REUSE_TASK_MISMATCH = _c("E412", "reusable-task-mismatch", "a task-level service_account or interruptible differs from its reusable environment's", "set it on the environment: one pool serves every task")
REUSE_TTL = _c("E413", "reusable-ttl-range", "idle_ttl or scaledown_ttl outside 30s..1h", "use a value from 30s to 1h")
REUSE_REPLICAS = _c("E414", "reusable-replicas", "replicas negative, max < 1 or max < min, or concurrency < 1", "fix the replica range")
REUSE_TRUE = _c("E415", "reusable-true", "`reusable: true`", "write `reusable: {}` for the default policy")
HPA_NEEDS_CPU = _c("E416", "hpa-needs-cpu-request", "an autoscaled pod has no CPU request", "set resources.cpu")
NO_SCALE_TO_ZERO = _c("W401", "no-scale-to-zero", "a minimum of 0 replicas is raised to 1", "write 1 as the minimum")
DESCRIPTION_TRUNCATED = _c("W402", "description-truncated", "a description over 255 characters is truncated", "shorten the description")

# 5xx: values (SPEC §6)
BAD_QUANTITY = _c("E501", "invalid-quantity", "not a Kubernetes quantity", "write e.g. 500m, 2, 4Gi")
REQUEST_OVER_LIMIT = _c("E502", "request-exceeds-limit", "[request, limit] with request > limit", "raise the limit or lower the request")
BAD_GPU = _c("E503", "invalid-gpu", "a GPU count or device outside Flyte's list", "use a device and count from the list")
SECRET_MOUNT_AND_ENV = _c("E504", "secret-mount-and-env", "a secret with both `mount` and `as_env_var`", "choose a file mount or an env var")
DUPLICATE_ENV = _c("E505", "duplicate-env-var", "two env vars or secret files with the same name or path", "rename one of them")
BAD_SECRET = _c("E506", "invalid-secret", "a secret name, key or mount path is invalid", "fix the secret reference")
BAD_ENV_NAME = _c("E507", "invalid-env-var-name", "an env var name is invalid", "use letters, digits and _")
BAD_IMAGE = _c("E508", "invalid-image", "not a valid image reference", "write e.g. registry/name:tag")
UNPINNED_IMAGE = _c("W501", "unpinned-image", "an untagged or :latest image", "pin a tag or digest")
NAME_COLLISION = _c("E509", "name-collision", "two sources produce the same Kubernetes object or output path", "rename one of them")
UNKNOWN_DEPENDENCY = _c("E510", "unknown-dependency", "depends_on names no environment", "fix the name (see the hint)")
DEPENDS_CYCLE = _c("E511", "depends-on-cycle", "depends_on forms a cycle", "break the cycle")
DEPENDS_SELF = _c("E512", "depends-on-self", "an environment depends on itself", "remove it from depends_on")
RESERVED_LABEL = _c("E513", "reserved-label", "a label or annotation under app.kubernetes.io/ or envc.dev/", "use another prefix")
BAD_LABEL = _c("E514", "invalid-label", "a label key or value Kubernetes rejects", "fix the label")
BAD_DURATION = _c("E515", "invalid-duration", "a duration out of range", "use a value in the allowed range")
ENV_VALUE_TYPE = _c("E516", "invalid-env-value", "an env var value that is null, a mapping or a list", "write a string")

# 6xx: pod templates (SPEC §6.6)
UNKNOWN_TEMPLATE = _c("E601", "unknown-pod-template", "pod_template names no PodTemplate", "fix the name or list it in external_pod_templates")
EXTERNAL_UNSUPPORTED = _c("E602", "external-template-unsupported", "an external pod template outside a task of a non-reusable environment", "define the template in the project")
NODE_SELECTOR_CONFLICT = _c("E603", "node-selector-conflict", "the same node selector key with two values", "remove one of them")
SHM_CONFLICT = _c("E604", "shm-mount-conflict", "`shm` set while the template mounts /dev/shm", "drop `shm` or the template's mount")
NO_PRIMARY = _c("E605", "primary-container-not-found", "the template's primary container cannot be found", "name it `primary` or set primary_container_name")
RESTART_POLICY = _c("E606", "restart-policy-conflict", "a reusable environment's template sets restartPolicy other than Always", "remove restartPolicy")
RUN_AS_ROOT = _c("E607", "run-as-root", "runAsUser: 0", "run as a non-root UID")
UID_UNVERIFIABLE = _c("W601", "uid-unverifiable", "run_as_user: null leaves runAsNonRoot to the image", "set security.run_as_user")
BAD_TEMPLATE = _c("E608", "invalid-pod-template", "a pod template's spec has the wrong shape", "fix the PodSpec")

# 7xx: apps (SPEC §7, §8.3); apps also report E202, E416, E505, E515, E606, W401
RESERVED_PORT = _c("E701", "reserved-port", "an app port the runtime reserves", "pick another port, e.g. 8080")
BAD_PORT_NAME = _c("E702", "invalid-port-name", "a port name the target does not accept", "on knative use http1 or h2c; on kubernetes an IANA service name")
APP_REPLICAS = _c("E703", "app-replicas", "app replicas 0, [0, 0], max < 1 or max < min", "allow at least one replica, e.g. [0, 1]")
PARAMETERS_NEED_FSERVE = _c("E704", "parameters-need-fserve", "`parameters` with a custom command that does not start with fserve", "use `args` instead of `command`, or drop the parameters")
PARAMETER_NO_VALUE = _c("E705", "parameter-no-value", "a parameter without a value", "give the parameter a `value`")
DUPLICATE_PARAMETER = _c("E706", "duplicate-parameter", "two parameters with the same name", "rename one of them")
BAD_COMMAND_LINE = _c("E707", "invalid-command-line", "a command or args string that cannot be split like a shell line", "close the quotes, or write a list")
RESERVED_ENV_VAR = _c("E708", "reserved-env-var", "an env var Knative sets itself (PORT, K_SERVICE, K_CONFIGURATION, K_REVISION)", "rename the env var")
RESERVED_CONTAINER = _c("E709", "reserved-container-name", "a container named queue-proxy on the knative target", "rename the container")
RESERVED_MOUNT_PATH = _c("E710", "reserved-mount-path", "a volume mounted at /, /dev or /dev/log on the knative target", "mount it elsewhere")
KNATIVE_FEATURE_DISABLED = _c("E711", "knative-feature-disabled", "a pod field Knative accepts only behind a config-features flag the project does not list", "enable the flag on the cluster and list it in apps.knative.features, or drop the field")
KNATIVE_UNSUPPORTED = _c("E712", "knative-unsupported-field", "a pod or container field Knative never accepts", "remove the field, or use the kubernetes target")
KNATIVE_PORTS = _c("E713", "knative-multiple-ports", "more than one container port in a Knative Service's pod", "expose one port, on the app container")
APP_CONTAINER_MISSING = _c("E714", "app-container-missing", "an app's pod template has no container named `app`", "name the template's primary container `app`")
SUBDOMAIN_NEEDS_DOMAIN = _c("E715", "subdomain-needs-base-domain", "`domain.subdomain` without the project's `apps.domain`", "set apps.domain in envc.yaml, or use custom_domain")
BAD_HOST = _c("E716", "invalid-host", "an app host name that is not a DNS-1123 subdomain", "fix the subdomain or custom_domain")
UNFILLED_PLACEHOLDER = _c("W701", "unfilled-placeholder", "an app's raw data path is a `{{...}}` placeholder nothing fills", "set runtime.app_raw_data_path to a concrete URI")
METRIC_IGNORED = _c("W702", "metric-ignored", "`scaling.metric` on the kubernetes target (the HPA scales on CPU)", "remove the metric, or use the knative target")
AUTH_NOT_ENFORCED = _c("W703", "auth-not-enforced", "requires_auth with a domain but no apps.auth_annotations", "set apps.auth_annotations for your ingress's auth, or write requires_auth: false")
NO_APP_PROCESS = _c("W704", "no-app-process", "an app with the fserve runtime and no `args`: fserve has nothing to run", "set `args` to the program to serve, or a `command`")
PARAMETERS_IGNORED = _c("W705", "parameters-ignored", "`parameters` beside a custom fserve command, which is kept as written", "use command: null, or pass --parameters yourself")

# 8xx: output (SPEC §9)
FOREIGN_FILE = _c("E801", "foreign-file-collision", "a file without the envc header is in the way of a generated file", "move the file away")
WRITE_FAILED = _c("E802", "write-failed", "the output could not be written", "check the output directory")

# 9xx: checks on the output (SPEC §10; docs/output-checks.md); also E211, E501, E502, E507, E514, E607, W601
POD_SECURITY = _c("E901", "pod-security-violation", "a pod breaks a control of the active Pod Security Standard", "remove the offending value, or lower security.pod_security in envc.yaml (docs/output-checks.md)")
PLAINTEXT_SECRET = _c("E902", "plaintext-secret", "a value that looks like a credential is written in plain text", "use `secrets`; or, for a false positive, add `# envc: allow plaintext-secret` on its line")
SCHEMA_INVALID_OUTPUT = _c("E903", "schema-invalid-output", "an emitted object does not validate against the Kubernetes (or Knative) schema of kubernetes_version", "fix the field in the pod template (or report an envc bug)")
DUPLICATE_IN_POD = _c("E904", "duplicate-in-pod", "two containers, volumes or ports with the same name, or two mounts at the same path, in one pod", "rename or remove one of them")
EXTENDED_RESOURCE = _c("E905", "extended-resource-limit", "an extended resource (or hugepages) without a limit equal to its request, or not a whole number", "set the same quantity under requests and limits")
BAD_K8S_NAME = _c("E906", "invalid-kubernetes-name", "an emitted object, container, volume or port name that Kubernetes rejects", "rename it")
SELECTOR_MISMATCH = _c("E907", "selector-mismatch", "a selector that does not match the labels of the pods it selects", "report an envc bug, or remove the template label that overrides it")
UNKNOWN_VOLUME = _c("E908", "unknown-volume-mount", "a volumeMount names no volume of the pod", "add the volume to the template's spec.volumes, or fix the name")
SCHEMA_UNAVAILABLE = _c("W901", "schema-not-validated", "--validate has no schema for an emitted object's apiVersion/kind: it was not schema-checked", "ship the schema (schemas/knative/), or accept the gap")


# A failing example per code: the text of `envs/a.yaml`, or `-- <path> --` sections when it
# takes several files (the tests/cases format; envc.yaml defaults to `envc: 1`, `project: t`).
# docs/diagnostics.md shows each with what envc reports for it, and tests/test_codes.py runs
# them: every example must produce its code.  An example that is only a `#` comment describes
# a situation a snippet cannot hold (an unreadable file, 11 MiB); the test lists those.
EXAMPLES: dict[str, str] = {
    "E100": """\
# envs/a.yaml matches `sources` but cannot be read (no permission, an I/O error)
""",
    "E101": """\
kind: TaskEnvironment
name: [a
""",
    "E102": """\
# envs/a.yaml, saved as Latin-1: the byte 0xE9 of `café` is not UTF-8
kind: TaskEnvironment
name: a
description: café
""",
    "E103": """\
# envs/a.yaml: 11 MiB of YAML (generated, or a data dump in the sources)
""",
    "E104": """\
kind: TaskEnvironment
name: a
x: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]   # 101 levels
""",
    "E105": """\
# envs/a.yaml: an anchor and 10,001 aliases to it
x: &x 1
y: [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x, *x]   # ... and on
""",
    "E106": """\
kind: TaskEnvironment
name: a
l0: &l0 [x]
l1: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]
l2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]
l3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]
l4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]
l5: &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]
l6: &l6 [*l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5]
""",
    "E107": """\
kind: TaskEnvironment
name: a
image: python:3.12
image: python:3.11
""",
    "E108": """\
kind: TaskEnvironment
name: a
resources:
  <<: {cpu: "1"}
""",
    "E109": """\
kind: TaskEnvironment
name: a
env_vars: !!python/object:os.system {LOG_LEVEL: info}
""",
    "E110": """\
kind: TaskEnvironment
name: a
env_vars:
  1: one
""",
    "E111": """\
- kind: TaskEnvironment
- name: a
""",
    "E112": """\
kind: TaskEnvironment
name: a
image: !merge python:3.12
""",
    "E200": """\
# envc validate, run in a directory with no envc.yaml in it or above it
""",
    "E201": """\
kind: TaskEnvironment
name: a
resouces: {cpu: "1"}
""",
    "E202": """\
kind: TaskEnvironment
name: a
interruptible: 3
""",
    "E203": """\
kind: Workflow
name: nightly
steps:
  - name: big
""",
    "E204": """\
kind: TaskEnvironment
name: a
interruptible: yes
""",
    "E205": """\
kind: TaskEnviroment
name: a
""",
    "E206": """\
kind: TaskEnvironment
name: a
---
kind: AppEnvironment
name: a
""",
    "E207": """\
-- envc.yaml --
envc: 1
project: Acme_Corp
-- envs/a.yaml --
kind: TaskEnvironment
name: a
""",
    "E208": """\
-- envc.yaml --
envc: 1
project: t
defaults:
  depends_on: [db]
-- envs/a.yaml --
kind: TaskEnvironment
name: a
""",
    "E209": """\
kind: TaskEnvironment
name: a
tasks:
  f:
    resources: {cpu: "2"}
""",
    "E210": """\
kind: TaskEnvironment
name: Analytics
""",
    "E211": """\
-- envc.yaml --
envc: 1
project: t
kubernetes_version: "1.99"
-- envs/a.yaml --
kind: TaskEnvironment
name: a
""",
    "W201": """\
-- envc.yaml --
envc: 1
project: t
sources: ["environments/*.yaml"]
""",
    "E301": """\
kind: TaskEnvironment
name: a
extends: b
---
kind: TaskEnvironment
name: b
extends: a
""",
    "E302": """\
kind: TaskEnvironment
name: base
---
kind: TaskEnvironment
name: a
extends: bsae
""",
    "E303": """\
kind: PodTemplate
name: base
---
kind: TaskEnvironment
name: a
extends: base
""",
    "E304": """\
kind: TaskEnvironment
name: a
extends: a
""",
    "E305": """\
kind: TaskEnvironment
name: base
secrets: [openai-key]
---
kind: TaskEnvironment
name: a
extends: base
secrets: !append [openai-key]
""",
    "W301": """\
kind: TaskEnvironment
name: base
resources: {cpu: "2", memory: 4Gi}
---
kind: TaskEnvironment
name: a
extends: base
resources: {memory: 16Gi}   # drops cpu
""",
    "E401": """\
kind: TaskEnvironment
name: a
tasks:
  f: {}
""",
    "E402": """\
kind: TaskEnvironment
name: a
module: pipelines.missing
tasks:
  f: {}
""",
    "E403": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
tasks:
  proces_data:
    entrypoint: pipelines/jobs.py:proces_data
-- pipelines/jobs.py --
def process_data(): ...
""",
    "E404": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
module: pipelines.jobs
tasks:
  f: {}
-- pipelines/jobs.py --
def f(:
""",
    "E405": """\
kind: TaskEnvironment
name: a
tasks:
  f:
    entrypoint: ../other/jobs.py:f
""",
    "E406": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
module: pipelines.jobs
tasks:
  f: {async: true}
-- pipelines/jobs.py --
def f(): ...
""",
    "E407": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
    async: true
-- pipelines/jobs.py --
async def f(): ...
""",
    "E408": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
tasks:
  train:
    entrypoint: pipelines/jobs.py:fit
-- pipelines/jobs.py --
def fit(): ...
""",
    "E409": """\
kind: TaskEnvironment
name: a
tasks:
  f:
    entrypoint: pipelines/jobs.py
""",
    "E410": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
resources: {cpu: "1"}
reusable: {concurrency: 4}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...   # not async
""",
    "E411": """\
-- envs/a.yaml --
kind: PodTemplate
name: gpu
---
kind: TaskEnvironment
name: a
reusable: {}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
    pod_template: gpu
-- pipelines/jobs.py --
def f(): ...
""",
    "E412": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
reusable: {}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
    service_account: other
-- pipelines/jobs.py --
def f(): ...
""",
    "E413": """\
kind: TaskEnvironment
name: a
reusable: {idle_ttl: 10s}
""",
    "E414": """\
kind: TaskEnvironment
name: a
reusable: {replicas: [3, 1]}
""",
    "E415": """\
kind: TaskEnvironment
name: a
reusable: true
""",
    "E416": """\
kind: TaskEnvironment
name: a
reusable: {replicas: [1, 4]}   # no resources.cpu
""",
    "E417": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
tasks:
  process_data:
    entrypoint: pipelines/jobs.py:process_data
---
kind: Workflow
name: nightly
steps:
  - task: a.proces_data
-- pipelines/jobs.py --
def process_data(): ...
""",
    "E418": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: pool
resources: {cpu: "1"}
reusable: {replicas: 2}
tasks:
  f: {entrypoint: jobs.py:f}
---
kind: Workflow
name: nightly
steps:
  - task: pool.f
    override: {resources: {cpu: "4"}}
-- jobs.py --
def f(): ...
""",
    "E419": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
tasks:
  f: {entrypoint: jobs.py:f}
---
kind: Workflow
name: nightly
steps:
  - {task: a.f}
  - {task: a.f}
-- jobs.py --
def f(): ...
""",
    "W403": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: pool
resources: {cpu: "1"}
reusable: {replicas: 2}
tasks:
  f: {entrypoint: jobs.py:f}
---
kind: Workflow
name: nightly
steps:
  - task: pool.f
    override: {interruptible: true}
-- jobs.py --
def f(): ...
""",
    "W401": """\
kind: TaskEnvironment
name: a
resources: {cpu: "1"}
reusable: {replicas: [0, 4]}
""",
    "W402": """\
kind: TaskEnvironment
name: a
description: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
""",
    "E501": """\
kind: TaskEnvironment
name: a
resources: {cpu: two}
""",
    "E502": """\
kind: TaskEnvironment
name: a
resources: {memory: [8Gi, 4Gi]}
""",
    "E503": """\
kind: TaskEnvironment
name: a
resources: {gpu: "A100:9"}
""",
    "E504": """\
kind: TaskEnvironment
name: a
secrets:
  - {key: token, mount: /etc/secrets, as_env_var: TOKEN}
""",
    "E505": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
env_vars: {GH_TOKEN: x}
secrets:
  - {key: token, group: github, as_env_var: GH_TOKEN}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E506": """\
kind: TaskEnvironment
name: a
secrets:
  - {key: token, group: Bad_Group}
""",
    "E507": """\
kind: TaskEnvironment
name: a
secrets:
  - 1password-token     # the env var would be 1PASSWORD_TOKEN
""",
    "E508": """\
kind: TaskEnvironment
name: a
image: Acme/Train
""",
    "E509": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
module: pipelines.jobs
tasks:
  b_c: {}
---
kind: TaskEnvironment
name: a-b
module: pipelines.jobs
tasks:
  c: {}
-- pipelines/jobs.py --
def b_c(): ...
def c(): ...
""",
    "E510": """\
kind: TaskEnvironment
name: feature_store
---
kind: TaskEnvironment
name: a
depends_on: [feature_stor]
""",
    "E511": """\
kind: TaskEnvironment
name: a
depends_on: [b]
---
kind: TaskEnvironment
name: b
depends_on: [a]
""",
    "E512": """\
kind: TaskEnvironment
name: a
depends_on: [a]
""",
    "E513": """\
kind: PodTemplate
name: t
labels: {envc.dev/owner: me}
""",
    "E514": """\
kind: PodTemplate
name: t
labels: {team: "not valid!"}
""",
    "E515": """\
kind: TaskEnvironment
name: a
reusable: {idle_ttl: 1.5}
""",
    "E516": """\
kind: TaskEnvironment
name: a
env_vars:
  A: null
""",
    "W501": """\
kind: TaskEnvironment
name: a
image: python:latest
""",
    "E601": """\
kind: PodTemplate
name: gpu-base
---
kind: TaskEnvironment
name: a
pod_template: gpu-bsae
""",
    "E602": """\
-- envc.yaml --
envc: 1
project: t
external_pod_templates: [cluster-gpu]
-- envs/a.yaml --
kind: TaskEnvironment
name: a
reusable: {}
pod_template: cluster-gpu
""",
    "E603": """\
-- envc.yaml --
envc: 1
project: t
interruptible:
  node_selector: {pool: spot}
-- envs/a.yaml --
kind: TaskEnvironment
name: a
interruptible: true
pod_template:
  spec:
    nodeSelector: {pool: on-demand}
    containers: [{name: primary}]
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E604": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
resources: {shm: 1Gi}
pod_template:
  spec:
    containers:
      - name: primary
        volumeMounts: [{name: shm, mountPath: /dev/shm}]
    volumes: [{name: shm, emptyDir: {}}]
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E605": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  primary_container_name: main
  spec:
    containers: [{name: worker}]
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E606": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
reusable: {}
pod_template:
  spec:
    restartPolicy: Never
    containers: [{name: primary}]
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E607": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  spec:
    containers:
      - name: primary
        securityContext: {runAsUser: 0}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E608": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  spec:
    containers: primary
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "W601": """\
-- envc.yaml --
envc: 1
project: t
security:
  run_as_user: null
-- envs/a.yaml --
kind: TaskEnvironment
name: a
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E701": """\
kind: AppEnvironment
name: web
command: python -m http.server 9090
port: 9090
""",
    "E702": """\
kind: AppEnvironment
name: web
command: python -m grpc_server
port: {port: 8080, name: grpc}
""",
    "E703": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
scaling: {replicas: [0, 0]}
""",
    "E704": """\
kind: AppEnvironment
name: web
command: python serve.py
parameters:
  - {name: mode, value: fast}
""",
    "E705": """\
-- envc.yaml --
envc: 1
project: t
runtime: {app_raw_data_path: "s3://t/apps"}
-- envs/a.yaml --
kind: AppEnvironment
name: web
args: python serve.py
parameters:
  - {name: model, type: file}
""",
    "E706": """\
-- envc.yaml --
envc: 1
project: t
runtime: {app_raw_data_path: "s3://t/apps"}
-- envs/a.yaml --
kind: AppEnvironment
name: web
args: python serve.py
parameters:
  - {name: mode, value: fast}
  - {name: mode, value: slow}
""",
    "E707": """\
kind: AppEnvironment
name: web
args: "streamlit run 'app.py"
""",
    "E708": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
env_vars: {PORT: "8080"}
""",
    "E709": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
pod_template:
  spec:
    containers:
      - name: app
      - {name: queue-proxy, image: "envoyproxy/envoy:v1.30"}
""",
    "E710": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
secrets:
  - {key: tls, group: web, mount: /dev}
""",
    "E711": """\
kind: AppEnvironment
name: model
command: python serve.py
resources: {gpu: "A100:1"}   # adds a nodeSelector
""",
    "E712": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
pod_template:
  spec:
    terminationGracePeriodSeconds: 5
    containers: [{name: app}]
""",
    "E713": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
pod_template:
  spec:
    containers:
      - name: app
      - name: proxy
        image: "envoyproxy/envoy:v1.30"
        ports: [{containerPort: 9901}]
""",
    "E714": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
pod_template:
  primary_container_name: main
  spec:
    containers: [{name: main}]
""",
    "E715": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
domain: {subdomain: web}   # envc.yaml sets no apps.domain
""",
    "E716": """\
kind: AppEnvironment
name: web
command: python -m http.server 8080
requires_auth: false
domain: {custom_domain: Web_Host.example.com}
""",
    "W701": """\
kind: AppEnvironment
name: web
args: python -m http.server 8080   # fserve, with the default raw data path
""",
    "W702": """\
-- envc.yaml --
envc: 1
project: t
apps: {target: kubernetes}
-- envs/a.yaml --
kind: AppEnvironment
name: web
command: python -m http.server 8080
scaling: {metric: {concurrency: 10}}
""",
    "W703": """\
-- envc.yaml --
envc: 1
project: t
apps: {domain: apps.t.dev}
-- envs/a.yaml --
kind: AppEnvironment
name: web
command: python -m http.server 8080
domain: {subdomain: web}
""",
    "W704": """\
-- envc.yaml --
envc: 1
project: t
runtime: {app_raw_data_path: "s3://t/apps"}
-- envs/a.yaml --
kind: AppEnvironment
name: web
""",
    "W705": """\
kind: AppEnvironment
name: web
command: fserve --version v1 -- python serve.py
parameters:
  - {name: mode, value: fast}
""",
    "E901": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  spec:
    hostNetwork: true
    containers: [{name: primary}]
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E902": """\
kind: TaskEnvironment
name: a
env_vars:
  AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE
""",
    "E903": """\
-- envs/a.yaml --
# envc validate --validate (or compile --validate): a field the Kubernetes schema does not know
kind: TaskEnvironment
name: a
pod_template:
  spec:
    containers:
      - name: primary
        imagePullPolicyy: Always
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E904": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  spec:
    containers:
      - name: primary
      - {name: side, image: "busybox:1.36"}
      - {name: side, image: "busybox:1.36"}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E905": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  spec:
    containers:
      - name: primary
        resources:
          requests: {smarter-devices/fuse: "1"}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E906": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  spec:
    containers:
      - name: primary
      - {name: Side_Car, image: "busybox:1.36"}
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "E907": """\
# a Deployment whose spec.selector does not match its pod template's labels: envc's own
# labels always win over a template's, so only a bug in envc can produce this
""",
    "E908": """\
-- envs/a.yaml --
kind: TaskEnvironment
name: a
pod_template:
  spec:
    containers:
      - name: primary
        volumeMounts: [{name: cache, mountPath: /cache}]
tasks:
  f:
    entrypoint: pipelines/jobs.py:f
-- pipelines/jobs.py --
def f(): ...
""",
    "W901": """\
# envc validate --validate on an object whose apiVersion/kind has no schema (a Knative kind
# envc ships no schema for): it is reported, not silently passed
""",
    "E801": """\
# manifests/k8s(a)/podtemplate-a-f.yaml exists but was not written by envc
# (no `# Generated by envc` header), and envc compile would write that path
""",
    "E802": """\
# envc compile --out /read-only/dir
""",
}

ALL: tuple[Code, ...] = tuple(v for v in globals().values() if isinstance(v, Code))
BY_ID: dict[str, Code] = {c.id: c for c in ALL}
BY_NAME: dict[str, Code] = {c.name: c for c in ALL}
