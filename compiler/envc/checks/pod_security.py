"""Pod Security Standards (SPEC §10.2), control by control, as the PodSecurity admission
plugin evaluates them for the project's `kubernetes_version`.

The table `CONTROLS` below is the whole policy: one row per control of the Pod Security
Standards page (https://kubernetes.io/docs/concepts/security/pod-security-standards/), with
the admission plugin's check id and the Kubernetes version from which each variant applies
(k8s.io/pod-security-admission, `policy/check_*.go`; a namespace labelled
`pod-security.kubernetes.io/enforce: <level>` with the default `enforce-version: latest`
evaluates exactly these).  `restricted` runs every baseline and restricted control, minus the
baseline controls a restricted one overrides (`OverrideCheckIDs` upstream); `baseline` runs the
baseline controls; `privileged` runs none.  Containers, initContainers and ephemeralContainers
are all visited, in the plugin's order.

Under `restricted` envc also *sets* the profile's settings on every container where the
template leaves them unset (`secure`, called by lowering): `allowPrivilegeEscalation: false`,
`capabilities.drop: [ALL]`, `runAsNonRoot: true`, `runAsUser: <security.run_as_user>`,
`seccompProfile: {type: RuntimeDefault}` — container level only.  A value the template sets
at pod level (`runAsNonRoot`, `runAsUser`, `seccompProfile`) is left to apply; a Windows pod
(`spec.os.name: windows`) gets only `runAsNonRoot` (the API rejects the Linux-only fields there).

PASS::

    kind: PodTemplate            # restricted: envc fills in the rest of the securityContext
    name: sidecar
    spec:
      containers:
        - name: log-shipper
          securityContext: {readOnlyRootFilesystem: true}

FAIL::

    spec:
      hostNetwork: true                                  # E901 (baseline: Host Namespaces)
      containers:
        - name: fuse
          securityContext:
            privileged: true                             # E901 (baseline: Privileged Containers)
            capabilities: {add: [SYS_ADMIN]}             # E901 (Capabilities)
            runAsUser: 0                                 # E607 run-as-root (restricted)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any, NamedTuple

from envc import codes
from envc.codes import Code

Version = tuple[int, int]
PodPath = tuple[str | int, ...]

LEVELS = ("privileged", "baseline", "restricted")
CONTAINER_GROUPS = ("initContainers", "containers", "ephemeralContainers")  # the plugin's visit order
SHARED_KEYS = ("runAsNonRoot", "runAsUser", "seccompProfile")  # pod level applies when a container leaves them unset


class PodView:
    """The emitted pod: its spec and its metadata annotations (AppArmor reads annotations).

    The containers and their securityContexts are looked up once, when the view is made:
    make it from the finished pod (after `secure`)."""

    __slots__ = ("_containers", "_context", "_contexts", "annotations", "spec", "user_namespace", "windows")

    def __init__(self, spec: Mapping[str, Any], annotations: Mapping[str, Any]) -> None:
        self.spec = spec
        self.annotations = annotations
        ctx = spec.get("securityContext")
        self._context: Mapping[str, Any] = ctx if isinstance(ctx, dict) else {}
        self.windows = get(spec, "os", "name") == "windows"
        self.user_namespace = spec.get("hostUsers") is False  # a user namespace (KEP-127)
        found = []
        for group in CONTAINER_GROUPS:
            items = spec.get(group)
            for i, c in enumerate(items if isinstance(items, list) else ()):
                if isinstance(c, dict):
                    found.append((("spec", group, i), c))
        self._containers: tuple[tuple[PodPath, Mapping[str, Any]], ...] = tuple(found)
        self._contexts = tuple((path, c, _ctx(c)) for path, c in found)

    def containers(self) -> tuple[tuple[PodPath, Mapping[str, Any]], ...]:
        return self._containers

    def contexts(self) -> tuple[tuple[PodPath, Mapping[str, Any], Mapping[str, Any]], ...]:
        """(path, container, its securityContext or {}) for every container: most controls
        read only the securityContext, so it is looked up once per pod, not once per control."""
        return self._contexts

    def pod_context(self) -> Mapping[str, Any]:
        return self._context


class Finding(NamedTuple):  # NamedTuple, not a dataclass: cheaper to define (cold start)
    """One offending value (or a container that lacks a required one), by its path in the pod."""

    path: PodPath
    message: str
    code: Code = codes.POD_SECURITY


Check = Callable[[PodView, Version], Iterator[Finding]]


class Control(NamedTuple):
    id: str  # the admission plugin's check id
    name: str  # the control's name on the Pod Security Standards page
    level: str  # baseline | restricted
    versions: tuple[tuple[Version, Check], ...]  # (from this Kubernetes version on, this check)
    overrides: tuple[str, ...] = ()  # baseline checks this restricted one replaces

    def check_for(self, version: Version) -> Check | None:
        chosen = None
        for since, check in self.versions:
            if since <= version:
                chosen = check
        return chosen


def get(value: Any, *keys: str) -> Any:
    """value[k1][k2]..., or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _ctx(c: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx = c.get("securityContext")
    return ctx if isinstance(ctx, dict) else {}


def _at(value: Any, key: str) -> Any:
    """value[key], or None when value is not a mapping (`get` with one key, without *args)."""
    return value.get(key) if isinstance(value, dict) else None


def _name(c: Mapping[str, Any]) -> str:
    return f"container `{c.get('name')}`"


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- baseline ---------------------------------------------------------------------------

def _host_process(pod: PodView, v: Version) -> Iterator[Finding]:
    key = ("securityContext", "windowsOptions", "hostProcess")
    if _at(pod.pod_context().get("windowsOptions"), "hostProcess") is True:
        yield Finding(("spec", *key), "the pod sets securityContext.windowsOptions.hostProcess: true")
    for path, c, ctx in pod.contexts():
        if _at(ctx.get("windowsOptions"), "hostProcess") is True:
            yield Finding((*path, *key), f"{_name(c)} sets securityContext.windowsOptions.hostProcess: true")


def _host_namespaces(pod: PodView, v: Version) -> Iterator[Finding]:
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.spec.get(key) is True:
            yield Finding(("spec", key), f"the pod sets {key}: true")


def _privileged(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, c, ctx in pod.contexts():
        if ctx.get("privileged") is True:
            yield Finding((*path, "securityContext", "privileged"), f"{_name(c)} sets securityContext.privileged: true")


BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})


def _capabilities_baseline(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, c in pod.containers():
        for k, cap in enumerate(_items(get(c, "securityContext", "capabilities", "add"))):
            if cap not in BASELINE_CAPABILITIES:
                yield Finding((*path, "securityContext", "capabilities", "add", k),
                              f"{_name(c)} adds capability {cap}; allowed: " + ", ".join(sorted(BASELINE_CAPABILITIES)))


def _host_path_volumes(pod: PodView, v: Version) -> Iterator[Finding]:
    for i, vol in enumerate(_items(pod.spec.get("volumes"))):
        if isinstance(vol, dict) and vol.get("hostPath") is not None:
            yield Finding(("spec", "volumes", i, "hostPath"), f"volume `{vol.get('name')}` is a hostPath volume")


def _host_ports(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, c in pod.containers():
        for k, port in enumerate(_items(c.get("ports"))):
            host = _at(port, "hostPort")
            if host not in (None, 0):
                yield Finding((*path, "ports", k, "hostPort"), f"{_name(c)} uses hostPort {host}")


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HANDLERS = ("postStart", "preStop")


def _host_probes(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, c in pod.containers():
        where: list[tuple[tuple[str, ...], Any]] = [((p,), c.get(p)) for p in _PROBES]
        where += [(("lifecycle", h), get(c, "lifecycle", h)) for h in _HANDLERS]
        for sub, handler in where:
            for action in ("httpGet", "tcpSocket"):
                host = get(handler, action, "host")
                if host:
                    yield Finding((*path, *sub, action, "host"), f"{_name(c)} sets {'.'.join(sub)}.{action}.host: {host}")


_APPARMOR_TYPES = ("RuntimeDefault", "Localhost")
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _apparmor(pod: PodView, v: Version) -> Iterator[Finding]:
    profile = pod.pod_context().get("appArmorProfile")
    if isinstance(profile, dict):
        t = profile.get("type")
        if t not in _APPARMOR_TYPES:
            yield Finding(("spec", "securityContext", "appArmorProfile", "type"), f"the pod sets AppArmor profile type {t}")
    for path, c, ctx in pod.contexts():
        profile = ctx.get("appArmorProfile")
        if isinstance(profile, dict):
            t = profile.get("type")
            if t not in _APPARMOR_TYPES:
                yield Finding((*path, "securityContext", "appArmorProfile", "type"), f"{_name(c)} sets AppArmor profile type {t}")
    if not pod.annotations:
        return
    for key, value in sorted(pod.annotations.items()):
        if key.startswith(_APPARMOR_ANNOTATION):
            text = str(value)
            if text and text != "runtime/default" and not text.startswith("localhost/"):
                yield Finding(("metadata", "annotations", key), f"annotation {key} sets AppArmor profile {text}")


_SELINUX_TYPES = {(1, 0): ("", "container_t", "container_init_t", "container_kvm_t"),
                  (1, 31): ("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")}


def _selinux_since(since: Version) -> Check:
    allowed = _SELINUX_TYPES[since]

    def findings(path: PodPath, opts: dict[str, Any], who: str) -> Iterator[Finding]:
        base = (*path, "securityContext", "seLinuxOptions")
        if (opts.get("type") or "") not in allowed:
            yield Finding((*base, "type"), f"{who} sets seLinuxOptions.type {opts.get('type')}; allowed: "
                          + ", ".join(a for a in allowed if a))
        for key in ("user", "role"):
            if opts.get(key):
                yield Finding((*base, key), f"{who} sets seLinuxOptions.{key}")

    def check(pod: PodView, v: Version) -> Iterator[Finding]:
        opts = pod.pod_context().get("seLinuxOptions")
        if isinstance(opts, dict):
            yield from findings(("spec",), opts, "the pod")
        for path, c, ctx in pod.contexts():
            opts = ctx.get("seLinuxOptions")
            if isinstance(opts, dict):
                yield from findings(path, opts, _name(c))
    return check


def _proc_mount_unconditional(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, c, ctx in pod.contexts():
        mount = ctx.get("procMount")
        if mount is not None and mount != "Default":
            yield Finding((*path, "securityContext", "procMount"), f"{_name(c)} sets procMount {mount}")


def _proc_mount_baseline_1_35(pod: PodView, v: Version) -> Iterator[Finding]:
    if not pod.user_namespace:  # relaxed for pods in a user namespace (hostUsers: false)
        yield from _proc_mount_unconditional(pod, v)


_SECCOMP_TYPES = ("RuntimeDefault", "Localhost")


def _seccomp_setters(pod: PodView) -> Iterator[tuple[PodPath, str, Any]]:
    """(path of seccompProfile, who, its type) for the pod and every container that sets one."""
    profile = pod.pod_context().get("seccompProfile")
    if isinstance(profile, dict):
        yield ("spec", "securityContext", "seccompProfile"), "the pod", profile.get("type")
    for path, c, ctx in pod.contexts():
        profile = ctx.get("seccompProfile")
        if isinstance(profile, dict):
            yield (*path, "securityContext", "seccompProfile"), _name(c), profile.get("type")


def _seccomp_baseline(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, who, t in _seccomp_setters(pod):
        if t not in _SECCOMP_TYPES:
            yield Finding((*path, "type"), f"{who} sets seccompProfile.type {t}")


_SYSCTLS: dict[Version, frozenset[str]] = {
    (1, 0): frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                       "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"}),
}
_SYSCTLS[(1, 27)] = _SYSCTLS[(1, 0)] | {"net.ipv4.ip_local_reserved_ports"}
_SYSCTLS[(1, 29)] = _SYSCTLS[(1, 27)] | {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                                         "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}
_SYSCTLS[(1, 32)] = _SYSCTLS[(1, 29)] | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
_SYSCTLS[(1, 37)] = _SYSCTLS[(1, 32)] | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}


def _sysctls_since(since: Version) -> Check:
    allowed = _SYSCTLS[since]

    def check(pod: PodView, v: Version) -> Iterator[Finding]:
        for i, item in enumerate(_items(pod.pod_context().get("sysctls"))):
            name = _at(item, "name")
            if name not in allowed:
                yield Finding(("spec", "securityContext", "sysctls", i, "name"), f"the pod sets sysctl {name}")
    return check


# --- restricted -------------------------------------------------------------------------

_VOLUME_TYPES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret")


def _volumes_since(since: Version) -> Check:
    allowed = _VOLUME_TYPES + (("image",) if since >= (1, 33) else ())

    def check(pod: PodView, v: Version) -> Iterator[Finding]:
        for i, vol in enumerate(_items(pod.spec.get("volumes"))):
            if not isinstance(vol, dict) or any(vol.get(t) is not None for t in allowed):
                continue
            kind = next((k for k in vol if k != "name" and vol[k] is not None), None)
            if kind is None:
                continue  # no source: the API server defaults it to emptyDir (SetDefaults_Volume)
            yield Finding(("spec", "volumes", i, kind),
                          f"volume `{vol.get('name')}` is of type {kind}; allowed: " + ", ".join(allowed))
    return check


_NOTHING: tuple[Finding, ...] = ()


def _linux_only(check: Check) -> Check:
    """From 1.25 a Windows pod (spec.os.name: windows) is exempt: the API forbids the field there."""
    def wrapped(pod: PodView, v: Version) -> Iterator[Finding]:
        return iter(_NOTHING) if pod.windows else check(pod, v)  # no generator of its own: cheaper
    return wrapped


def _privilege_escalation(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, c, ctx in pod.contexts():
        value = ctx.get("allowPrivilegeEscalation")
        if value is not False:
            where = (*path, "securityContext", "allowPrivilegeEscalation") if value is not None else path
            yield Finding(where, f"{_name(c)} must set securityContext.allowPrivilegeEscalation: false")


def _run_as_non_root(pod: PodView, v: Version) -> Iterator[Finding]:
    """Explicit `false` settings; only when there is none, the containers that leave it unset
    without a pod-level `true` (the plugin reports one or the other)."""
    pod_value = pod.pod_context().get("runAsNonRoot")
    explicit, implicit = [], []
    if pod_value is not None and pod_value is not True:
        explicit.append(Finding(("spec", "securityContext", "runAsNonRoot"), "the pod sets securityContext.runAsNonRoot: false"))
    for path, c, ctx in pod.contexts():
        value = ctx.get("runAsNonRoot")
        if value is not None and value is not True:
            explicit.append(Finding((*path, "securityContext", "runAsNonRoot"), f"{_name(c)} sets securityContext.runAsNonRoot: false"))
        elif value is None and pod_value is not True:
            implicit.append(Finding(path, f"{_name(c)} must set securityContext.runAsNonRoot: true (or the pod must)"))
    yield from explicit or implicit


def _run_as_user(pod: PodView, v: Version) -> Iterator[Finding]:
    if pod.pod_context().get("runAsUser") == 0:
        yield Finding(("spec", "securityContext", "runAsUser"), "the pod runs as root (runAsUser: 0)",
                      codes.RUN_AS_ROOT)
    for path, c, ctx in pod.contexts():
        if ctx.get("runAsUser") == 0:
            yield Finding((*path, "securityContext", "runAsUser"), f"{_name(c)} runs as root (runAsUser: 0)", codes.RUN_AS_ROOT)


def _user_namespace_relaxed(check: Check) -> Check:
    """From 1.35 a pod in a user namespace (hostUsers: false) passes (KEP-127)."""
    def wrapped(pod: PodView, v: Version) -> Iterator[Finding]:
        return iter(_NOTHING) if pod.user_namespace else check(pod, v)
    return wrapped


def _seccomp_restricted(pod: PodView, v: Version) -> Iterator[Finding]:
    """As `_run_as_non_root`: explicit bad types, else the containers left without one."""
    explicit = list(_seccomp_baseline(pod, v))
    if explicit:
        yield from explicit
        return
    if _at(pod.pod_context().get("seccompProfile"), "type") in _SECCOMP_TYPES:
        return
    for path, c, ctx in pod.contexts():
        if not isinstance(ctx.get("seccompProfile"), dict):
            yield Finding(path, f"{_name(c)} must set securityContext.seccompProfile.type to RuntimeDefault or Localhost (or the pod must)")


def _capabilities_restricted(pod: PodView, v: Version) -> Iterator[Finding]:
    for path, c, ctx in pod.contexts():
        caps = ctx.get("capabilities")
        drop = _at(caps, "drop")
        if "ALL" not in _items(drop):
            where = (*path, "securityContext", "capabilities", "drop") if drop is not None else (
                (*path, "securityContext", "capabilities") if caps is not None else path)
            yield Finding(where, f"{_name(c)} must drop ALL capabilities (securityContext.capabilities.drop: [ALL])")
        for k, cap in enumerate(_items(_at(caps, "add"))):
            if cap != "NET_BIND_SERVICE":
                yield Finding((*path, "securityContext", "capabilities", "add", k),
                              f"{_name(c)} adds capability {cap}; only NET_BIND_SERVICE may be added")


def _since(*pairs: tuple[Version, Check]) -> tuple[tuple[Version, Check], ...]:
    return pairs


V1_0: Version = (1, 0)

CONTROLS: tuple[Control, ...] = (
    # baseline
    Control("windowsHostProcess", "HostProcess", "baseline", _since((V1_0, _host_process))),
    Control("hostNamespaces", "Host Namespaces", "baseline", _since((V1_0, _host_namespaces))),
    Control("privileged", "Privileged Containers", "baseline", _since((V1_0, _privileged))),
    Control("capabilities_baseline", "Capabilities", "baseline", _since((V1_0, _capabilities_baseline))),
    Control("hostPathVolumes", "HostPath Volumes", "baseline", _since((V1_0, _host_path_volumes))),
    Control("hostPorts", "Host Ports", "baseline", _since((V1_0, _host_ports))),
    Control("hostProbesAndHostLifecycle", "Host Probes / Lifecycle Hooks", "baseline", _since(((1, 34), _host_probes))),
    Control("appArmorProfile", "AppArmor", "baseline", _since((V1_0, _apparmor))),
    Control("seLinuxOptions", "SELinux", "baseline",
            _since((V1_0, _selinux_since(V1_0)), ((1, 31), _selinux_since((1, 31))))),
    Control("procMount", "/proc Mount Type", "baseline",
            _since((V1_0, _proc_mount_unconditional), ((1, 35), _proc_mount_baseline_1_35))),
    Control("seccompProfile_baseline", "Seccomp", "baseline", _since(((1, 19), _seccomp_baseline))),
    Control("sysctls", "Sysctls", "baseline", _since(*((since, _sysctls_since(since)) for since in _SYSCTLS))),
    # restricted
    Control("restrictedVolumes", "Volume Types", "restricted",
            _since((V1_0, _volumes_since(V1_0)), ((1, 33), _volumes_since((1, 33)))), ("hostPathVolumes",)),
    Control("allowPrivilegeEscalation", "Privilege Escalation", "restricted",
            _since(((1, 8), _privilege_escalation), ((1, 25), _linux_only(_privilege_escalation)))),
    Control("runAsNonRoot", "Running as Non-root", "restricted",
            _since((V1_0, _run_as_non_root), ((1, 35), _user_namespace_relaxed(_run_as_non_root)))),
    Control("runAsUser", "Running as Non-root user", "restricted",
            _since(((1, 23), _run_as_user), ((1, 35), _user_namespace_relaxed(_run_as_user)))),
    Control("seccompProfile_restricted", "Seccomp", "restricted",
            _since(((1, 19), _seccomp_restricted), ((1, 25), _linux_only(_seccomp_restricted))), ("seccompProfile_baseline",)),
    Control("capabilities_restricted", "Capabilities", "restricted",
            _since(((1, 22), _capabilities_restricted), ((1, 25), _linux_only(_capabilities_restricted))),
            ("capabilities_baseline",)),
    Control("procMount_restricted", "/proc Mount Type", "restricted",
            _since(((1, 35), _proc_mount_unconditional)), ("procMount",)),
)


@cache
def active_controls(level: str, version: Version) -> tuple[tuple[Control, Check], ...]:
    """The controls `level` evaluates at `version`, each with the variant that applies."""
    rank = LEVELS.index(level)
    chosen = [(c, check) for c in CONTROLS
              if LEVELS.index(c.level) <= rank and (check := c.check_for(version)) is not None]
    overridden = {o for c, _ in chosen for o in c.overrides}
    return tuple((c, check) for c, check in chosen if c.id not in overridden)


def evaluate(pod: PodView, level: str, version: Version) -> Iterator[tuple[Control, Finding]]:
    for control, check in active_controls(level, version):
        for finding in check(pod, version):
            yield control, finding


def secure(spec: dict[str, Any], level: str, run_as_user: int | None) -> None:
    """Set the restricted profile's settings on every container where the template leaves them
    unset (SPEC §10.2); container level only, never a pod-level securityContext of envc's own."""
    if level != "restricted":
        return
    pod_ctx = _ctx(spec)  # what PodView reads, without building one
    windows = get(spec, "os", "name") == "windows"
    for group in CONTAINER_GROUPS:
        for c in _items(spec.get(group)):
            ctx = c.get("securityContext") if isinstance(c, dict) else None
            if not isinstance(c, dict) or (ctx is not None and not isinstance(ctx, dict)):
                continue  # a malformed template: the schema checks report it, nothing to fill in
            c["securityContext"] = _defaults(dict(ctx or {}), pod_ctx, windows, run_as_user)


def _defaults(ctx: dict[str, Any], pod_ctx: Mapping[str, Any], windows: bool, run_as_user: int | None) -> dict[str, Any]:
    wanted: dict[str, Any] = {"runAsNonRoot": True}
    if not windows:
        wanted["allowPrivilegeEscalation"] = False
        wanted["capabilities"] = {"drop": ["ALL"]}
        wanted["seccompProfile"] = {"type": "RuntimeDefault"}
        if run_as_user is not None:
            wanted["runAsUser"] = run_as_user
    for key, value in wanted.items():
        if key in SHARED_KEYS and key in pod_ctx:
            continue  # the template sets it for the whole pod: let that apply
        if key not in ctx:
            ctx[key] = value
        elif key == "capabilities" and isinstance(ctx[key], dict) and "drop" not in ctx[key]:
            ctx[key] = {**ctx[key], "drop": ["ALL"]}
    return ctx
