"""Plain-text credentials (SPEC §10.3): every documented pattern matches a sample and ordinary
values match none; every place a value is written is scanned, with code and file:line:col; the
`# envc: allow plaintext-secret` acknowledgement works on the value's (or key's) line only.

The samples are assembled from pieces so that this file holds no credential-shaped literal
(secret scanners would flag the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envc.checks.plaintext import PATTERNS, detect
from envc.diagnostics import Sink
from envc.load import load_documents
from outputcase import brief, diagnose, env_with_template, where

REPO = Path(__file__).resolve().parents[1]
A36 = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"  # 36 alphanumerics

# (pattern name, value, env var name or None)
SAMPLES: list[tuple[str, str, str | None]] = [
    ("a private key block", "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", None),
    ("a private key block", "-----BEGIN " + "OPENSSH PRIVATE KEY-----", None),
    ("a private key block", "-----BEGIN " + "PRIVATE KEY-----", None),
    ("a private key block", "-----BEGIN " + "PGP PRIVATE KEY BLOCK-----", None),
    ("an AWS access key id", "AKIA" + "IOSFODNN7EXAMPLE", None),
    ("an AWS access key id", "key=ASIA" + "Y34FZKBOKMUTVV7A;", None),
    ("an AWS secret access key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY", "AWS_SECRET_ACCESS_KEY"),
    ("a Google API key", "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", None),
    ("an Azure storage account key", "DefaultEndpointsProtocol=https;AccountKey=" + "A" * 86 + "==;", None),
    ("a GitHub token", "ghp_" + A36, None),
    ("a GitHub token", "token ghs_" + A36, None),
    ("a GitHub fine-grained token", "github_pat_" + "11ABCDEFG0" + "x" * 72, None),
    ("a GitLab token", "glpat-" + "xY3_zW8-vU5tS2rQ1pO9", None),
    ("a Slack token", "xoxb-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx", None),
    ("a Slack webhook URL", "https://hooks.slack.com/services/" + "T00000000/B00000000/" + "XXXXXXXXXXXXXXXXXXXXXXXX", None),
    ("an OpenAI API key", "sk-" + "proj-" + "Ab1" * 7 + "T3Blbk" + "FJ" + "Cd2" * 7, None),
    ("an Anthropic API key", "sk-ant-" + "api03-" + "Zx9_" * 22, None),
    ("a Stripe live secret key", "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc", None),
    ("a Hugging Face token", "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh", None),
    ("an npm token", "npm_" + A36, None),
    ("a PyPI token", "pypi-" + "AgEIcHlwaS5vcmc" + "CJDk" * 15, None),
    ("a Databricks token", "dapi" + "0123456789abcdef" * 2, None),
    ("a JSON Web Token", "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", None),
    ("a password in a URL", "postgres://app:" + "hunter2@db:5432/orders", None),
    ("a password in a URL", "amqp://guest:" + "s3cr3t!@rabbit", None),
    ("a password", "hunter2", "DB_PASSWORD"),
    ("a password", "correct horse", "SMTP_PASSPHRASE"),
]

ORDINARY: list[tuple[str, str | None]] = [
    ("info", "LOG_LEVEL"), ("s3://acme-reports/weekly", None), ("ghcr.io/acme/ml-base:2024.11.2", None),
    ("python:3.12-slim@sha256:" + "0123456789abcdef" * 4, None), ("123e4567-e89b-12d3-a456-426614174000", None),
    ("da39a3ee5e6b4b0d3255bfef95601890afd80709", "GIT_SHA"), ("postgres://app@db:5432/orders", "DB_URL"),
    ("postgres://app:$(DB_PASSWORD)@db:5432/orders", None), ("https://user:${TOKEN}@example.com", None),
    ("https://user:{{.token}}@example.com", None), ("AKIA_ENABLED", None), ("sk-learn", None),
    ("sk_" + "test_" + "4eC39HqLyjWDarjtT1zdp7dc", None), ("eyJ", None), ("{{.input}}", None), ("hf_transfer", None),
    ("ghp_short", None), ("/etc/db/password", "DB_PASSWORD_FILE"), ("", "DB_PASSWORD"), ("$(PW)", "DB_PASSWORD"),
    ("${PW}", "REDIS_PASSWORD"), ("***", "DB_PASSWORD"), ("-----BEGIN CERTIFICATE-----", None),
    ("-----BEGIN PUBLIC KEY-----", None), ("wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY", "S3_PREFIX_40"),
    ("H4sIAAAAAAAA/wEAAP//AAAAAAAAAAA=", None), ("https://example.com/a:b@c", None), ("mailto:ops@acme.example", None),
    ("git@github.com:acme/repo.git", None), ("user@host:/path", None),
]


@pytest.mark.parametrize(("kind", "value", "env"), SAMPLES, ids=[f"{s[0]}-{i}" for i, s in enumerate(SAMPLES)])
def test_each_pattern_matches_its_sample(kind: str, value: str, env: str | None) -> None:
    assert detect(value, env) == kind


def test_every_documented_pattern_has_a_sample() -> None:
    assert {p.name for p in PATTERNS} == {kind for kind, _, _ in SAMPLES}


@pytest.mark.parametrize(("value", "env"), ORDINARY)
def test_ordinary_values_are_not_credentials(value: str, env: str | None) -> None:
    assert detect(value, env) is None


def _strings(data: object, key: str | None = None) -> list[tuple[str, str | None]]:
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in _strings(v, str(k))]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v, key)]
    return [(str(data), key)] if isinstance(data, (str, int, float)) and not isinstance(data, bool) else []


def test_no_value_of_any_example_or_golden_looks_like_a_credential() -> None:
    """The false-positive check on real projects: every scalar of examples/ and golden/."""
    files = sorted((REPO / "examples").rglob("*.yaml")) + sorted((REPO / "golden").rglob("*.yaml"))
    assert files
    for path in files:
        for doc in load_documents(path.read_text("utf-8"), path.name, Sink()):
            for value, key in _strings(doc.data):
                assert detect(value, key) is None, f"{path}: {key}: {detect(value, key)}"


def test_the_docs_list_every_pattern() -> None:
    page = (REPO / "docs" / "output-checks.md").read_text("utf-8")
    for p in PATTERNS:
        assert p.name in page, p.name


# --- where values are written ------------------------------------------------------------------

KEY = "AKIA" + "IOSFODNN7EXAMPLE"
TASK = "tasks:\n  f:\n    entrypoint: pipelines/jobs.py:f\n"


def _check(tmp_path: Path, envs: str, needles: list[str | tuple[str, int]], envc_yaml: str = "",
           file: str = "envs/a.yaml") -> None:
    diags = diagnose(tmp_path, envs, envc_yaml)
    text = envs if file == "envs/a.yaml" else "envc: 1\nproject: t\n" + envc_yaml
    spans = [where(text, *((n, 0) if isinstance(n, str) else n), file=file) for n in needles]
    assert brief(diags) == [f"E902 plaintext-secret {s}" for s in spans], [f"{d.span}: {d.message}" for d in diags]
    for d in diags:
        assert KEY not in d.message and "hunter2" not in d.message, "the message must not repeat the value"


def test_env_vars(tmp_path: Path) -> None:
    envs = f"kind: TaskEnvironment\nname: a\nenv_vars:\n  AWS_ACCESS_KEY_ID: {KEY}\n  LOG_LEVEL: info\n" + TASK
    _check(tmp_path, envs, [KEY])


def test_env_vars_in_project_defaults(tmp_path: Path) -> None:
    envs = "kind: TaskEnvironment\nname: a\n" + TASK
    _check(tmp_path, envs, [KEY], f"defaults:\n  env_vars: {{AWS_ACCESS_KEY_ID: {KEY}}}\n", file="envc.yaml")


def test_workflow_override_env_vars(tmp_path: Path) -> None:
    envs = ("kind: TaskEnvironment\nname: a\n" + TASK + "---\nkind: Workflow\nname: w\nsteps:\n"
            "  - task: a.f\n    override:\n      env_vars: {DB_PASSWORD: hunter2}\n")
    _check(tmp_path, envs, ["hunter2"])


def test_template_env_args_command_and_annotations(tmp_path: Path) -> None:
    envs = env_with_template(
        "containers:\n  - name: primary\n    env: [{name: TOKEN, value: " + KEY + "}]\n"
        "  - name: side\n    image: busybox\n    command: [sh, -c, 'psql postgres://app:hunter2@db/x']\n"
        "initContainers:\n  - {name: init, image: busybox, args: [--key, " + KEY + "]}\n",
        template_extra=f"  annotations: {{example.com/key: {KEY}}}\n")
    _check(tmp_path, envs, [(KEY, 0), (KEY, 1), "'psql", (KEY, 2)])


def test_pod_template_document(tmp_path: Path) -> None:
    envs = ("kind: PodTemplate\nname: t\nannotations: {example.com/key: " + KEY + "}\nspec:\n  containers:\n"
            "    - name: primary\n      env:\n        - {name: DB_PASSWORD, value: hunter2}\n---\n"
            "kind: TaskEnvironment\nname: a\npod_template: t\n" + TASK)
    _check(tmp_path, envs, [KEY, "hunter2"])


def test_project_annotations(tmp_path: Path) -> None:
    envs = "kind: TaskEnvironment\nname: a\n" + TASK
    _check(tmp_path, envs, [KEY], f"annotations:\n  example.com/key: {KEY}\n", file="envc.yaml")


def test_app_command_args_and_parameters(tmp_path: Path) -> None:
    envs = ("kind: AppEnvironment\nname: web\nargs: [serve, --token, " + KEY + "]\n"
            "parameters:\n  - {name: db, value: 'postgres://app:hunter2@db/x'}\n---\n"
            "kind: AppEnvironment\nname: api\ncommand: 'python -m api --key " + KEY + "'\nrequires_auth: false\n")
    diags = diagnose(tmp_path, envs)
    assert [f"{d.code.id} {d.span}" for d in diags if d.code.id == "E902"] == [
        f"E902 {where(envs, KEY)}", f"E902 {where(envs, chr(39) + 'postgres')}", f"E902 {where(envs, chr(39) + 'python')}"]


# --- acknowledgements --------------------------------------------------------------------------


def test_acknowledged_on_the_value_line(tmp_path: Path) -> None:
    envs = (f"kind: TaskEnvironment\nname: a\nenv_vars:\n  EXAMPLE_KEY: {KEY}   # envc: allow plaintext-secret\n"
            f"  OTHER: {KEY}\n" + TASK)
    _check(tmp_path, envs, [(KEY, 1)])


def test_acknowledged_on_the_key_line_of_a_block_scalar(tmp_path: Path) -> None:
    envs = ("kind: TaskEnvironment\nname: a\nenv_vars:\n  KEY_PEM: |  # envc: allow plaintext-secret\n"
            "    -----BEGIN " + "PRIVATE KEY-----\n    test fixture\n" + TASK)
    _check(tmp_path, envs, [])


def test_another_code_does_not_acknowledge(tmp_path: Path) -> None:
    envs = f"kind: TaskEnvironment\nname: a\nenv_vars:\n  EXAMPLE_KEY: {KEY}   # envc: allow unpinned-image\n" + TASK
    _check(tmp_path, envs, [KEY])
