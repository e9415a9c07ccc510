"""No secret value from any fixture reaches any emitted byte (SPEC §6.2, §10.3).

Every fixture project of the repository (examples/, the Flyte oracle projects under
tests/flyte/, the diagnostic cases under tests/cases/) is compiled in a scratch copy, three ways:

1. as it is: no emitted byte of any fixture that compiles looks like a credential;
2. with the values of its secrets beside it (`secrets/values.env` and a `kind: Secret`
   manifest next to envc.yaml, as someone might keep them): every secret is emitted as a
   reference only, and no secret value appears in any emitted byte;
3. with a credential planted where a value reaches a manifest (env var, template env,
   annotation): the compile fails with E902 plaintext-secret at the planted line and writes
   nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from casefile import materialise, parse
from envc.checks.plaintext import detect
from envc.cli import main
from envc.diagnostics import Sink
from envc.emit import render_tree
from envc.normalize import normalise
from envc.pipeline import run
from projectcopy import copy_project
from test_plaintext import SAMPLES

REPO = Path(__file__).resolve().parents[1]


def fixtures() -> list[tuple[str, Path | None]]:
    out: list[tuple[str, Path | None]] = []
    out += [(f"examples/{p.name}", p) for p in sorted((REPO / "examples").iterdir()) if (p / "envc.yaml").is_file()]
    out += [(f"flyte/{p.name}", p) for p in sorted((REPO / "tests" / "flyte").iterdir()) if (p / "envc.yaml").is_file()]
    out += [(f"cases/{p.stem}", None) for p in sorted((REPO / "tests" / "cases").glob("*.txt"))]
    return out


FIXTURES = fixtures()


def copy_fixture(name: str, source: Path | None, root: Path) -> Path:
    if source is None:
        materialise(parse(REPO / "tests" / "cases" / f"{name.split('/', 1)[1]}.txt"), root)
    else:
        copy_project(source, root)
    return root


def compiled(root: Path) -> tuple[Sink, dict[str, bytes] | None, object]:
    sink = Sink()
    analysis, objs = run(root, None, sink)
    return sink, (render_tree(objs) if objs is not None else None), analysis


def secret_refs(analysis: object) -> Iterator[tuple[str, str, str | None]]:
    """(output directory, key, group) of every secret an environment, task or step refers to."""
    from envc.pipeline import Analysis
    from envc.values.names import k8s

    assert isinstance(analysis, Analysis)
    settings = analysis.project.settings
    values = []
    for e in analysis.resolved.environments.values():
        values.append((k8s(e.name), e.fields["secrets"]))
        values += [(k8s(e.name), t.fields["secrets"]) for t in e.tasks if "secrets" in t.fields]
    values += [(k8s(i.workflow), i.fields["secrets"]) for i in analysis.resolved.invocations if "secrets" in i.fields]
    for directory, v in values:
        for s in normalise("secrets", v.value, settings) or []:
            yield directory, s["key"], s["group"]


def canary(key: str, group: str | None) -> str:
    """A made-up secret value for one reference: unique, and easy to find in bytes."""
    return f"canary-value-of-{group or ''}-{key}-Zq7Xw3"


@pytest.mark.parametrize(("name", "source"), FIXTURES, ids=[f[0] for f in FIXTURES])
def test_no_emitted_byte_holds_a_secret_value(name: str, source: Path | None, tmp_path: Path) -> None:
    root = copy_fixture(name, source, tmp_path)
    sink, files, analysis = compiled(root)
    if files is None:
        return  # a fixture that must fail: nothing is emitted, so nothing can leak
    used = sorted(set(secret_refs(analysis)), key=str)
    refs = sorted({(k, g) for _, k, g in used}, key=str)
    values = {canary(k, g) for k, g in refs}
    (root / "secrets").mkdir()
    (root / "secrets" / "values.env").write_text("".join(f"{k.upper()}={canary(k, g)}\n" for k, g in refs), "utf-8")
    (root / "secrets" / "secret.yaml").write_text(
        "".join(f"---\napiVersion: v1\nkind: Secret\nmetadata: {{name: {g or k}}}\nstringData: {{{k}: {canary(k, g)}}}\n"
                for k, g in refs), "utf-8")
    sink, files, _ = compiled(root)
    assert files is not None, [f"{d.code} {d.span}: {d.message}" for d in sink.sorted()]
    for path, data in files.items():
        text = data.decode("utf-8")
        for value in values:
            assert value not in text, f"{name}: {path} holds the value of a secret"
        for line in text.splitlines():
            assert detect(line) is None, f"{name}: {path}: a line looks like {detect(line)}"
    for directory, key, _group in used:  # each secret is there, as a reference (secretKeyRef or a projected item)
        emitted = b"".join(data for path, data in files.items() if path.startswith(directory + "/")).decode("utf-8")
        if emitted:
            assert f"key: {key}" in emitted or f"key: \"{key}\"" in emitted, f"{name}: secret {key} is not referenced"


PLANTED = (
    "---\n"
    "kind: TaskEnvironment\n"
    "name: planted-secret\n"
    "env_vars:\n"
    "  PLANTED: {value}\n"
    "pod_template:\n"
    "  annotations: {{example.com/planted: {value}}}\n"
    "  spec:\n"
    "    containers:\n"
    "      - name: primary\n"
    "        env: [{{name: PLANTED_TOO, value: {value}}}]\n"
)


def _plant(root: Path, value: str) -> tuple[str, int]:
    """Append the planted document to the first source file; its file and first line."""
    sources = sorted(p for p in root.rglob("*.yaml") if p.name != "envc.yaml" and "manifests" not in p.parts)
    target = sources[0] if sources else root / "envs" / "planted.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    before = target.read_text("utf-8") if target.exists() else ""
    if before and not before.endswith("\n"):
        before += "\n"
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    target.write_text(before + PLANTED.format(value=quoted), "utf-8")
    return target.relative_to(root).as_posix(), before.count("\n") + 1


def _compilable() -> list[tuple[str, Path | None]]:
    return [f for f in FIXTURES if f[1] is not None]


@pytest.mark.parametrize(("name", "source"), _compilable(), ids=[f[0] for f in _compilable()])
def test_a_planted_credential_stops_the_compile(name: str, source: Path | None, tmp_path: Path) -> None:
    root = copy_fixture(name, source, tmp_path)
    clean = compiled(root)[1] is not None  # a fixture that fails by design must still write nothing
    i = FIXTURES.index((name, source))
    _kind, value, env = SAMPLES[i % len(SAMPLES)]
    if env is not None:  # a pattern that needs the env var's name: plant a self-evident one
        value = SAMPLES[0][1]
    file, first = _plant(root, value)
    result = CliRunner().invoke(main, ["compile", "--project", str(root), "--format", "json"])
    assert result.exit_code == 1, result.output
    import json

    diags = json.loads(result.stderr)["diagnostics"]
    e902 = sorted((d["file"], d["line"]) for d in diags if d["code"] == "E902")
    if clean:  # the checks ran: each planted value is reported where it is written
        assert e902 == [(file, first + 4), (file, first + 6), (file, first + 10)], diags
    assert not (root / "manifests").exists(), "a failed compile writes nothing"


@pytest.mark.parametrize(("kind", "value", "env"), SAMPLES, ids=[f"{s[0]}-{i}" for i, s in enumerate(SAMPLES)])
def test_every_kind_of_credential_stops_the_ml_platform_compile(kind: str, value: str, env: str | None, tmp_path: Path) -> None:
    root = copy_fixture("examples/ml-platform", REPO / "examples" / "ml-platform", tmp_path)
    target = root / "envs" / "base.yaml"
    name = env or "PLANTED"
    quoted = '"' + value.replace("\n", "\\n") + '"'
    target.write_text(target.read_text("utf-8") + f"---\nkind: TaskEnvironment\nname: planted\nenv_vars:\n  {name}: {quoted}\n", "utf-8")
    line = target.read_text("utf-8").count("\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["compile", "--project", str(root), "--out", str(out), "--format", "json"])
    import json

    diags = json.loads(result.stderr)["diagnostics"]
    assert [(d["code"], d["file"], d["line"]) for d in diags if d["code"] == "E902"] == [("E902", "envs/base.yaml", line)]
    assert result.exit_code == 1 and not out.exists()
