"""Pod Security Standards (SPEC §10.2): every control of `checks/pod_security.CONTROLS` has a
failing and a passing pod template, checked through the whole pipeline with code and
file:line:col; version gates are tested on both sides; the restricted settings envc adds are
tested on the emitted pod."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from envc.checks.kubernetes_version import SUPPORTED, parse_version
from envc.checks.pod_security import CONTROLS, PodView, active_controls, evaluate, secure
from envc.diagnostics import Sink
from envc.emit import render_tree
from envc.pipeline import run
from outputcase import brief, diagnose, env_with_template, project, where

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    control: str  # the admission plugin's check id
    id: str
    spec: str
    needles: tuple[str | tuple[str, int], ...] = ()  # () = the pod passes
    level: str = "restricted"
    version: str = "1.31"
    code: str = "E901 pod-security-violation"
    template_extra: str = ""  # lines under pod_template: before spec:
    envc_yaml: str = field(default="")

    @property
    def text(self) -> str:
        return env_with_template(self.spec, self.template_extra)

    @property
    def project_yaml(self) -> str:
        return (f'kubernetes_version: "{self.version}"\n'
                f"security:\n  pod_security: {self.level}\n" + self.envc_yaml)


PRIMARY = "containers:\n  - name: primary\n"


def ctx(body: str) -> str:
    """The primary container with `securityContext: <body>`."""
    return PRIMARY + f"    securityContext: {body}\n"


CASES = [
    # --- baseline controls -----------------------------------------------------------------
    Case("windowsHostProcess", "pod-host-process", "securityContext: {windowsOptions: {hostProcess: true}}\n" + PRIMARY,
         ("true",), level="baseline"),
    Case("windowsHostProcess", "container-host-process", ctx("{windowsOptions: {hostProcess: true}}"), ("true",), level="baseline"),
    Case("windowsHostProcess", "host-process-false", ctx("{windowsOptions: {hostProcess: false}}"), level="baseline"),
    Case("hostNamespaces", "host-namespaces", "hostNetwork: true\nhostPID: true\nhostIPC: true\n" + PRIMARY,
         (("true", 0), ("true", 1), ("true", 2)), level="baseline"),
    Case("hostNamespaces", "host-namespaces-false", "hostNetwork: false\nhostPID: false\n" + PRIMARY, level="baseline"),
    Case("privileged", "privileged", ctx("{privileged: true}"), ("true",), level="baseline"),
    Case("privileged", "privileged-on-restricted", ctx("{privileged: true}"), ("true",)),
    Case("privileged", "not-privileged", ctx("{privileged: false}"), level="baseline"),
    Case("capabilities_baseline", "add-sys-admin", ctx("{capabilities: {add: [CHOWN, SYS_ADMIN]}}"), ("SYS_ADMIN",), level="baseline"),
    Case("capabilities_baseline", "add-default-caps", ctx("{capabilities: {add: [CHOWN, NET_BIND_SERVICE]}}"), level="baseline"),
    Case("hostPathVolumes", "host-path", PRIMARY + "volumes:\n  - {name: data, hostPath: {path: /data}}\n", ("{path",), level="baseline"),
    Case("hostPathVolumes", "empty-dir", PRIMARY + "volumes:\n  - {name: data, emptyDir: {}}\n", level="baseline"),
    Case("hostPorts", "host-port", PRIMARY + "    ports: [{containerPort: 80, hostPort: 8080}]\n", ("8080",), level="baseline"),
    Case("hostPorts", "no-host-port", PRIMARY + "    ports: [{containerPort: 80, hostPort: 0}]\n", level="baseline"),
    Case("hostProbesAndHostLifecycle", "probe-host-1.34",
         PRIMARY + "    livenessProbe: {httpGet: {host: node.example, port: 80}}\n", ("node.example",), level="baseline", version="1.34"),
    Case("hostProbesAndHostLifecycle", "lifecycle-host-1.34",
         PRIMARY + "    lifecycle: {preStop: {tcpSocket: {host: node.example, port: 80}}}\n", ("node.example",), level="baseline", version="1.34"),
    Case("hostProbesAndHostLifecycle", "probe-host-before-1.34",
         PRIMARY + "    livenessProbe: {httpGet: {host: node.example, port: 80}}\n", level="baseline", version="1.33"),
    Case("appArmorProfile", "apparmor-unconfined", "securityContext: {appArmorProfile: {type: Unconfined}}\n" + PRIMARY,
         ("Unconfined",), level="baseline"),
    Case("appArmorProfile", "apparmor-annotation", PRIMARY, ("unconfined",), level="baseline",
         template_extra="  annotations: {container.apparmor.security.beta.kubernetes.io/primary: unconfined}\n"),
    Case("appArmorProfile", "apparmor-runtime-default", ctx("{appArmorProfile: {type: RuntimeDefault}}"), level="baseline",
         template_extra="  annotations: {container.apparmor.security.beta.kubernetes.io/primary: runtime/default}\n"),
    Case("seLinuxOptions", "selinux-type", ctx("{seLinuxOptions: {type: spc_t}}"), ("spc_t",), level="baseline"),
    Case("seLinuxOptions", "selinux-user", "securityContext: {seLinuxOptions: {user: root}}\n" + PRIMARY, ("root",), level="baseline"),
    Case("seLinuxOptions", "selinux-engine-1.30", ctx("{seLinuxOptions: {type: container_engine_t}}"), ("container_engine_t",),
         level="baseline", version="1.30"),
    Case("seLinuxOptions", "selinux-engine-1.31", ctx("{seLinuxOptions: {type: container_engine_t}}"), level="baseline", version="1.31"),
    Case("procMount", "proc-unmasked", ctx("{procMount: Unmasked}"), ("Unmasked",), level="baseline"),
    Case("procMount", "proc-unmasked-user-namespace-1.35", "hostUsers: false\n" + ctx("{procMount: Unmasked}"),
         level="baseline", version="1.35"),
    Case("procMount", "proc-default", ctx("{procMount: Default}"), level="baseline"),
    Case("seccompProfile_baseline", "seccomp-unconfined", ctx("{seccompProfile: {type: Unconfined}}"), ("Unconfined",), level="baseline"),
    Case("seccompProfile_baseline", "seccomp-localhost",
         ctx("{seccompProfile: {type: Localhost, localhostProfile: p.json}}"), level="baseline"),
    Case("sysctls", "sysctl-unsafe", "securityContext: {sysctls: [{name: kernel.msgmax, value: '1'}]}\n" + PRIMARY,
         ("kernel.msgmax",), level="baseline"),
    Case("sysctls", "sysctl-keepalive-1.28", "securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: '60'}]}\n" + PRIMARY,
         ("net.ipv4.tcp_keepalive_time",), level="baseline", version="1.28"),
    Case("sysctls", "sysctl-keepalive-1.29", "securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: '60'}]}\n" + PRIMARY,
         level="baseline", version="1.29"),
    Case("sysctls", "sysctl-notsent-1.37", "securityContext: {sysctls: [{name: net.ipv4.tcp_notsent_lowat, value: '1'}]}\n" + PRIMARY,
         level="baseline", version="1.37"),
    # --- restricted controls ---------------------------------------------------------------
    Case("restrictedVolumes", "nfs-volume", PRIMARY + "volumes:\n  - {name: shared, nfs: {server: nfs.example, path: /}}\n", ("{server",)),
    Case("restrictedVolumes", "nfs-volume-baseline", PRIMARY + "volumes:\n  - {name: shared, nfs: {server: nfs.example, path: /}}\n",
         level="baseline"),
    Case("restrictedVolumes", "image-volume-1.32", PRIMARY + "volumes:\n  - {name: model, image: {reference: ghcr.io/acme/model:1}}\n",
         ("{reference",), version="1.32"),
    Case("restrictedVolumes", "image-volume-1.33", PRIMARY + "volumes:\n  - {name: model, image: {reference: ghcr.io/acme/model:1}}\n",
         version="1.33"),
    Case("allowPrivilegeEscalation", "escalation-true", ctx("{allowPrivilegeEscalation: true}"), ("true",)),
    Case("allowPrivilegeEscalation", "escalation-unset", PRIMARY),  # envc sets false
    Case("runAsNonRoot", "container-non-root-false", ctx("{runAsNonRoot: false}"), ("false",)),
    Case("runAsNonRoot", "pod-non-root-false", "securityContext: {runAsNonRoot: false}\n" + PRIMARY, ("false",)),
    Case("runAsNonRoot", "non-root-false-user-namespace-1.35", "hostUsers: false\n" + ctx("{runAsNonRoot: false}"), version="1.35"),
    Case("runAsNonRoot", "non-root-false-user-namespace-1.34", "hostUsers: false\n" + ctx("{runAsNonRoot: false}"), (("false", 1),),
         version="1.34"),
    Case("runAsNonRoot", "pod-non-root-true", "securityContext: {runAsNonRoot: true}\n" + PRIMARY),
    Case("runAsUser", "container-root", ctx("{runAsUser: 0}"), ("0}",), code="E607 run-as-root"),
    Case("runAsUser", "pod-root", "securityContext: {runAsUser: 0}\n" + PRIMARY, ("0}",), code="E607 run-as-root"),
    Case("runAsUser", "root-on-baseline", ctx("{runAsUser: 0}"), level="baseline"),
    Case("runAsUser", "pod-uid-2000", "securityContext: {runAsUser: 2000}\n" + PRIMARY),
    Case("seccompProfile_restricted", "pod-seccomp-unconfined", "securityContext: {seccompProfile: {type: Unconfined}}\n" + PRIMARY,
         ("Unconfined",)),
    Case("seccompProfile_restricted", "container-seccomp-unconfined", ctx("{seccompProfile: {type: Unconfined}}"), ("Unconfined",)),
    Case("seccompProfile_restricted", "pod-seccomp-localhost",
         "securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}\n" + PRIMARY),
    Case("capabilities_restricted", "add-chown", ctx("{capabilities: {add: [CHOWN]}}"), ("CHOWN",)),
    Case("capabilities_restricted", "drop-net-raw", ctx("{capabilities: {drop: [NET_RAW]}}"), ("[NET_RAW",)),
    Case("capabilities_restricted", "add-net-bind-service", ctx("{capabilities: {add: [NET_BIND_SERVICE]}}")),
    Case("procMount_restricted", "proc-unmasked-user-namespace-restricted-1.35", "hostUsers: false\n" + ctx("{procMount: Unmasked}"),
         ("Unmasked",), version="1.35"),
    Case("procMount_restricted", "proc-default-restricted-1.35", ctx("{procMount: Default}"), version="1.35"),
]


def _expected(case: Case) -> list[str]:
    want = []
    for n in case.needles:
        needle, nth = (n, 0) if isinstance(n, str) else n
        want.append(f"{case.code} {where(case.text, needle, nth)}")
    return sorted(want, key=lambda s: tuple(int(x) for x in s.rsplit(":", 2)[-2:]))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_control(case: Case, tmp_path: Path) -> None:
    diags = diagnose(tmp_path, case.text, case.project_yaml)
    assert brief(diags) == _expected(case), "\n".join(f"{d.span}: {d.message}" for d in diags)
    control = next(c for c in CONTROLS if c.id == case.control)
    for d in diags:
        if d.code.id == "E901":
            assert f"control `{control.name}`" in d.message and f"Kubernetes {case.version}" in d.message, d.message
            assert case.level in d.message


def test_every_control_has_a_failing_and_a_passing_case() -> None:
    for control in CONTROLS:
        cases = [c for c in CASES if c.control == control.id]
        assert any(c.needles for c in cases), f"{control.id} has no failing case"
        assert any(not c.needles for c in cases), f"{control.id} has no passing case"


def test_the_docs_list_every_control() -> None:
    page = (REPO / "docs" / "output-checks.md").read_text("utf-8")
    for c in CONTROLS:
        assert f"| {c.name} | {c.level} | `{c.id}` |" in page, c.id


def test_the_table_follows_the_published_levels() -> None:
    """The restricted profile is every baseline control plus its own, minus the ones it
    replaces; baseline has no restricted control (Pod Security Standards page)."""
    for version in map(parse_version, SUPPORTED):
        restricted = {c.id for c, _ in active_controls("restricted", version)}
        baseline = {c.id for c, _ in active_controls("baseline", version)}
        assert active_controls("privileged", version) == ()
        assert all(c.level == "baseline" for c, _ in active_controls("baseline", version))
        assert {"capabilities_baseline", "hostPathVolumes", "seccompProfile_baseline"} & restricted == set()
        assert baseline - restricted <= {"capabilities_baseline", "hostPathVolumes", "seccompProfile_baseline", "procMount"}
    assert "procMount" in {c.id for c, _ in active_controls("restricted", (1, 34))}
    assert "procMount" not in {c.id for c, _ in active_controls("restricted", (1, 35))}
    assert "hostProbesAndHostLifecycle" not in {c.id for c, _ in active_controls("baseline", (1, 33))}


def test_named_template_violation_points_at_the_template_document(tmp_path: Path) -> None:
    text = (
        "kind: PodTemplate\n"
        "name: fuse\n"
        "spec:\n"
        "  containers:\n"
        "    - name: primary\n"
        "      securityContext: {privileged: true}\n"
        "---\n"
        "kind: TaskEnvironment\n"
        "name: a\n"
        "pod_template: fuse\n"
        "tasks:\n"
        "  f:\n"
        "    entrypoint: pipelines/jobs.py:f\n"
    )
    [d] = diagnose(tmp_path, text)
    assert (d.code.id, str(d.span)) == ("E901", "envs/a.yaml:6:37")
    assert [(r.message, str(r.span)) for r in d.related] == [("the template is used here", "envs/a.yaml:10:15")]


def test_sidecar_and_init_and_ephemeral_containers_are_checked(tmp_path: Path) -> None:
    spec = (
        "initContainers:\n  - {name: init, image: busybox, securityContext: {privileged: true}}\n"
        "containers:\n  - name: primary\n  - {name: side, image: busybox, securityContext: {allowPrivilegeEscalation: true}}\n"
        "ephemeralContainers:\n  - {name: debug, image: busybox, securityContext: {runAsUser: 0}}\n"
    )
    text = env_with_template(spec)
    assert brief(diagnose(tmp_path, text)) == [
        f"E901 pod-security-violation {where(text, 'true}')}",
        f"E901 pod-security-violation {where(text, 'true}', 1)}",
        f"E607 run-as-root {where(text, '0}}')}",
    ]


def test_run_as_user_zero_in_envc_yaml_is_reported_once_there(tmp_path: Path) -> None:
    envs = env_with_template("containers:\n  - name: primary\n  - {name: side, image: busybox}\n")
    diags = diagnose(tmp_path, envs, "security:\n  run_as_user: 0\n")
    assert brief(diags) == ["E607 run-as-root envc.yaml:4:16"]


def test_run_as_user_null_is_uid_unverifiable(tmp_path: Path) -> None:
    envs = env_with_template(PRIMARY)
    assert brief(diagnose(tmp_path, envs, "security:\n  run_as_user: null\n")) == ["W601 uid-unverifiable envc.yaml:4:16"]
    assert brief(diagnose(tmp_path, envs, "security:\n  pod_security: baseline\n  run_as_user: null\n")) == []


def test_privileged_profile_checks_nothing(tmp_path: Path) -> None:
    envs = env_with_template("hostNetwork: true\n" + ctx("{privileged: true, runAsUser: 0}"))
    assert brief(diagnose(tmp_path, envs, "security:\n  pod_security: privileged\n")) == []


# --- what envc sets (SPEC §10.2) --------------------------------------------------------------


def _pod(tmp_path: Path, envs: str, envc_yaml: str = "") -> dict[str, object]:
    project(tmp_path, envs, envc_yaml)
    sink = Sink()
    _, objs = run(tmp_path, None, sink)
    assert objs is not None, [f"{d.code} {d.span}: {d.message}" for d in sink.sorted()]
    return objs[0].manifest["template"]["spec"]  # type: ignore[no-any-return]


RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
              "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}


def test_restricted_settings_on_every_container_and_never_on_the_pod(tmp_path: Path) -> None:
    spec = _pod(tmp_path, env_with_template(
        "initContainers: [{name: init, image: busybox}]\ncontainers:\n  - name: primary\n  - {name: side, image: busybox}\n"))
    assert "securityContext" not in spec
    for group in ("initContainers", "containers"):
        for c in spec[group]:  # type: ignore[index, union-attr]
            assert c["securityContext"] == RESTRICTED, c


def test_template_values_win_and_partial_capabilities_get_drop_all(tmp_path: Path) -> None:
    spec = _pod(tmp_path, env_with_template(ctx("{runAsUser: 2000, capabilities: {add: [NET_BIND_SERVICE]}, readOnlyRootFilesystem: true}")))
    assert spec["containers"][0]["securityContext"] == {  # type: ignore[index]
        **RESTRICTED, "runAsUser": 2000, "readOnlyRootFilesystem": True,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}


def test_pod_level_values_of_the_template_are_not_overridden(tmp_path: Path) -> None:
    spec = _pod(tmp_path, env_with_template(
        "securityContext: {runAsUser: 2000, runAsNonRoot: true, seccompProfile: {type: Localhost, localhostProfile: p.json}}\n"
        + PRIMARY))
    assert spec["containers"][0]["securityContext"] == {  # type: ignore[index]
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def test_windows_pods_get_only_run_as_non_root(tmp_path: Path) -> None:
    spec = _pod(tmp_path, env_with_template("os: {name: windows}\n" + PRIMARY))
    assert spec["containers"][0]["securityContext"] == {"runAsNonRoot": True}  # type: ignore[index]


def test_baseline_adds_nothing(tmp_path: Path) -> None:
    spec = _pod(tmp_path, env_with_template(PRIMARY), "security:\n  pod_security: baseline\n")
    assert "securityContext" not in spec["containers"][0]  # type: ignore[index]


def test_secure_leaves_a_malformed_security_context_alone() -> None:
    spec = {"containers": [{"name": "a", "securityContext": "oops"}, "not a container"]}
    secure(spec, "restricted", 1000)
    assert spec == {"containers": [{"name": "a", "securityContext": "oops"}, "not a container"]}


@pytest.mark.parametrize("version", SUPPORTED)
@pytest.mark.parametrize("level", ["baseline", "restricted"])
def test_every_golden_pod_meets_the_profile_at_every_version(version: str, level: str) -> None:
    import yaml

    for path in sorted((REPO / "golden").rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        template = doc.get("template") if doc.get("kind") == "PodTemplate" else (doc.get("spec") or {}).get("template")
        if not isinstance(template, dict):
            continue
        pod = PodView(template.get("spec") or {}, (template.get("metadata") or {}).get("annotations") or {})
        assert [(c.id, f.message) for c, f in evaluate(pod, level, parse_version(version))] == [], path


def test_goldens_compile_unchanged_by_the_checks() -> None:
    """The output checks add nothing to a compliant project's bytes (tests/test_golden.py
    compares every file; this pins that the examples run under the restricted profile)."""
    for example in ("quickstart", "ml-platform"):
        sink = Sink()
        _, objs = run(REPO / "examples" / example, None, sink)
        assert objs is not None and not sink.has_errors
        files = render_tree(objs)
        assert all(b"runAsNonRoot: true" in data for p, data in files.items()
                   if p.endswith(".yaml") and b"containers:" in data)


def test_an_incremental_compile_rechecks_when_kubernetes_version_changes(tmp_path: Path) -> None:
    """The output checks depend on kubernetes_version, which the content hash (§9.3) does not
    hold: the unit cache must not replay a compile made for another version."""
    from click.testing import CliRunner

    from envc.cli import main

    envs = env_with_template(PRIMARY + "    livenessProbe: {httpGet: {host: node.example, port: 80}}\n")
    project(tmp_path, envs, 'kubernetes_version: "1.33"\nsecurity:\n  pod_security: baseline\n')
    assert CliRunner().invoke(main, ["compile", "--project", str(tmp_path)]).exit_code == 0
    envc_yaml = tmp_path / "envc.yaml"
    envc_yaml.write_text(envc_yaml.read_text("utf-8").replace("1.33", "1.34"), "utf-8")
    result = CliRunner().invoke(main, ["compile", "--project", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    assert '"code": "E901"' in result.stderr
