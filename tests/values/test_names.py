"""Tests for envc.values.names: every name rule, label keys and values, and k8s()."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

try:
    from envc.values import names
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compiler"))
    from envc.values import names

Check = Callable[[str], None]

ENV_RULE = "use lowercase letters and digits, separated by single '-' or '_'"
APP_RULE = "use an RFC 1035 label: lowercase letters, digits and '-', starting with a letter"
TASK_RULE = "use letters, digits and '_', not starting with a digit"
LABEL_RULE = (
    "use a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric"
)
SUBDOMAIN_RULE = "use a DNS-1123 subdomain: DNS-1123 labels joined by '.'"
ALNUM_RULE = "use letters, digits, '-', '_' and '.', starting and ending alphanumeric"
KEY_RULE = "use letters, digits, '-', '_' and '.'"

VALID = [
    (names.check_env_name, "a"),
    (names.check_env_name, "9lives"),
    (names.check_env_name, "my-env_2"),
    (names.check_env_name, "a-b-c"),
    (names.check_env_name, "a" * 63),
    (names.check_app_name, "a"),
    (names.check_app_name, "my-app"),
    (names.check_app_name, "a--b"),
    (names.check_app_name, "a" * 63),
    (names.check_task_key, "train"),
    (names.check_task_key, "_private"),
    (names.check_task_key, "Train_2"),
    (names.check_task_key, "_"),
    (names.check_task_key, "t" * 200),
    (names.check_project, "ml"),
    (names.check_project, "9-team"),
    (names.check_project, "a" * 63),
    (names.check_secret_name, "db"),
    (names.check_secret_name, "db.prod-1"),
    (names.check_secret_name, ".".join(["a" * 63] * 3) + "." + "a" * 61),  # 253
    (names.check_secret_key, "token"),
    (names.check_secret_key, "my.key"),
    (names.check_secret_key, "A_b-c.d"),
    (names.check_secret_key, ".hidden"),
    (names.check_secret_key, "k" * 253),
    (names.check_env_var_name, "GITHUB_TOKEN"),
    (names.check_env_var_name, "_X1"),
    (names.check_label_key, "app"),
    (names.check_label_key, "envc.dev/fqn"),
    (names.check_label_key, "app.kubernetes.io/name"),
    (names.check_label_key, "A_b.C-d"),
    (names.check_label_key, "k8s.amazonaws.com/accelerator"),
    (names.check_label_key, "a" * 63),
    (names.check_label_value, ""),
    (names.check_label_value, "nvidia-tesla-a100"),
    (names.check_label_value, "1g.5gb"),
    (names.check_label_value, "A_b.C-d"),
    (names.check_label_value, "v" * 63),
]


@pytest.mark.parametrize(("check", "text"), VALID)
def test_valid(check: Check, text: str) -> None:
    check(text)


INVALID = [
    (names.check_env_name, "", f"name '' is invalid: {ENV_RULE}"),
    (names.check_env_name, "MyEnv", f"name 'MyEnv' is invalid: {ENV_RULE}"),
    (names.check_env_name, "my.env", f"name 'my.env' is invalid: {ENV_RULE}"),
    (names.check_env_name, "a__b", f"name 'a__b' is invalid: {ENV_RULE}"),
    (names.check_env_name, "a-_b", f"name 'a-_b' is invalid: {ENV_RULE}"),
    (names.check_env_name, "-a", f"name '-a' is invalid: {ENV_RULE}"),
    (names.check_env_name, "a_", f"name 'a_' is invalid: {ENV_RULE}"),
    (names.check_env_name, "a\n", f"name 'a\\n' is invalid: {ENV_RULE}"),
    (names.check_env_name, "a" * 64, f"name {'a' * 64!r} is longer than 63 characters"),
    (names.check_app_name, "my_app", f"app name 'my_app' is invalid: {APP_RULE}"),
    (names.check_app_name, "9app", f"app name '9app' is invalid: {APP_RULE}"),
    (names.check_app_name, "app-", f"app name 'app-' is invalid: {APP_RULE}"),
    (names.check_app_name, "App", f"app name 'App' is invalid: {APP_RULE}"),
    (names.check_app_name, "", f"app name '' is invalid: {APP_RULE}"),
    (names.check_app_name, "a" * 64, f"app name {'a' * 64!r} is longer than 63 characters"),
    (names.check_task_key, "1task", f"task key '1task' is invalid: {TASK_RULE}"),
    (names.check_task_key, "my-task", f"task key 'my-task' is invalid: {TASK_RULE}"),
    (names.check_task_key, "", f"task key '' is invalid: {TASK_RULE}"),
    (names.check_task_key, "tâche", f"task key 'tâche' is invalid: {TASK_RULE}"),
    (names.check_project, "ML", f"project 'ML' is invalid: {LABEL_RULE}"),
    (names.check_project, "ml_team", f"project 'ml_team' is invalid: {LABEL_RULE}"),
    (names.check_project, "a.b", f"project 'a.b' is invalid: {LABEL_RULE}"),
    (names.check_project, "-a", f"project '-a' is invalid: {LABEL_RULE}"),
    (names.check_project, "a" * 64, f"project {'a' * 64!r} is longer than 63 characters"),
    (names.check_secret_name, "DB", f"Secret name 'DB' is invalid: {SUBDOMAIN_RULE}"),
    (names.check_secret_name, "db_prod", f"Secret name 'db_prod' is invalid: {SUBDOMAIN_RULE}"),
    (names.check_secret_name, "a..b", f"Secret name 'a..b' is invalid: {SUBDOMAIN_RULE}"),
    (names.check_secret_name, ".a", f"Secret name '.a' is invalid: {SUBDOMAIN_RULE}"),
    (
        names.check_secret_name,
        "a" * 254,
        f"Secret name {'a' * 254!r} is longer than 253 characters",
    ),
    (names.check_secret_key, "", f"secret key '' is invalid: {KEY_RULE}"),
    (names.check_secret_key, "a/b", f"secret key 'a/b' is invalid: {KEY_RULE}"),
    (names.check_secret_key, "a b", f"secret key 'a b' is invalid: {KEY_RULE}"),
    (
        names.check_secret_key,
        ".",
        "secret key '.' is invalid: it must not be '.' or start with '..'",
    ),
    (
        names.check_secret_key,
        "..",
        "secret key '..' is invalid: it must not be '.' or start with '..'",
    ),
    (
        names.check_secret_key,
        "..a",
        "secret key '..a' is invalid: it must not be '.' or start with '..'",
    ),
    (names.check_secret_key, "k" * 254, f"secret key {'k' * 254!r} is longer than 253 characters"),
    (
        names.check_env_var_name,
        "MY.KEY",
        "environment variable name 'MY.KEY' is invalid: it must match ^[A-Z_][A-Z0-9_]*$",
    ),
    (
        names.check_env_var_name,
        "1KEY",
        "environment variable name '1KEY' is invalid: it must match ^[A-Z_][A-Z0-9_]*$",
    ),
    (
        names.check_env_var_name,
        "my_key",
        "environment variable name 'my_key' is invalid: it must match ^[A-Z_][A-Z0-9_]*$",
    ),
    (
        names.check_env_var_name,
        "",
        "environment variable name '' is invalid: it must match ^[A-Z_][A-Z0-9_]*$",
    ),
    (names.check_label_key, "", "label key '' is invalid: the name part is empty"),
    (names.check_label_key, "a/", "label key 'a/' is invalid: the name part is empty"),
    (names.check_label_key, "/a", "label key '/a' is invalid: the prefix before '/' is empty"),
    (
        names.check_label_key,
        "Env.Dev/x",
        f"label key prefix 'Env.Dev' is invalid: {SUBDOMAIN_RULE}",
    ),
    (names.check_label_key, "a/b/c", f"label key prefix 'a/b' is invalid: {SUBDOMAIN_RULE}"),
    (names.check_label_key, "-a", f"label key name '-a' is invalid: {ALNUM_RULE}"),
    (names.check_label_key, "a" * 64, f"label key name {'a' * 64!r} is longer than 63 characters"),
    (names.check_label_value, "-a", f"label value '-a' is invalid: {ALNUM_RULE}"),
    (names.check_label_value, "a.", f"label value 'a.' is invalid: {ALNUM_RULE}"),
    (names.check_label_value, "T4 shared", f"label value 'T4 shared' is invalid: {ALNUM_RULE}"),
    (names.check_label_value, "a+b", f"label value 'a+b' is invalid: {ALNUM_RULE}"),
    (names.check_label_value, "v" * 64, f"label value {'v' * 64!r} is longer than 63 characters"),
]


@pytest.mark.parametrize(("check", "text", "message"), INVALID)
def test_invalid(check: Check, text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        check(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("value", "ok"), [("", True), ("a", True), ("a-", False), ("x" * 64, False)]
)
def test_is_label_value(value: str, ok: bool) -> None:
    assert names.is_label_value(value) is ok


def _sha10(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


@pytest.mark.parametrize(
    ("name", "derived"),
    [
        ("train", "train"),
        ("My_Env", "my-env"),
        ("_private", "private"),
        ("a__b", "a--b"),
        ("-a-", "a"),
        ("__", ""),
        ("a" * 63, "a" * 63),
        ("a_" * 31 + "a", "a-" * 31 + "a"),  # exactly 63: unchanged
        ("a" * 64, "a" * 52 + "-" + _sha10("a" * 64)),
        # the 52nd character is '-': stripped before the hash is appended
        ("b" * 51 + "_" + "c" * 20, "b" * 51 + "-" + _sha10("b" * 51 + "_" + "c" * 20)),
        # the hash is of the original input, so inputs equal after lowering stay distinct
        ("A" * 64, "a" * 52 + "-" + _sha10("A" * 64)),
    ],
)
def test_k8s(name: str, derived: str) -> None:
    assert names.k8s(name) == derived


def test_k8s_collisions_are_not_hidden() -> None:
    """SPEC §6.3: env `a` + task `b_c` and env `a-b` + task `c` both give `a-b-c`."""
    assert names.k8s("a_b-c") == names.k8s("a-b_c") == "a-b-c"
    assert names.k8s("a" + "-b_c") == names.k8s("a-b" + "-c")


def test_k8s_long_names_differ_by_hash() -> None:
    first, second = names.k8s("x" * 60 + "_one"), names.k8s("x" * 60 + "_two")
    assert first[:53] == second[:53] == "x" * 52 + "-"
    assert first != second
    assert len(first) == len(second) == 63


@given(st.from_regex(names.ENV_NAME, fullmatch=True))
def test_k8s_of_an_env_name_is_a_dns_label(name: str) -> None:
    derived = names.k8s(name)
    names.check_project(derived)  # a DNS-1123 label
    assert names.k8s(derived) == derived  # idempotent


@given(st.text(max_size=200))
def test_k8s_is_at_most_63(name: str) -> None:
    assert len(names.k8s(name)) <= 63
