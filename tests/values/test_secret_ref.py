"""Tests for envc.values.secret_ref: Flyte's derived env var names and envc's volume names."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

try:
    from envc.values.names import check_env_var_name
    from envc.values.secret_ref import (
        derived_env_var,
        secret_item_path,
        secret_name,
        secret_volume_name,
    )
except ImportError:  # pragma: no cover - package not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "compiler"))
    from envc.values.names import check_env_var_name
    from envc.values.secret_ref import (
        derived_env_var,
        secret_item_path,
        secret_name,
        secret_volume_name,
    )


@pytest.mark.parametrize(
    ("key", "group", "name"),
    [
        ("token", "github", "GITHUB_TOKEN"),  # flyte-oracle README, semantics 16
        ("plain-key", None, "PLAIN_KEY"),  # flyte-semantics.md §5.1.5
        ("my-secret", None, "MY_SECRET"),  # flyte/_secret.py docstring
        ("api-key", "open-ai", "OPEN_AI_API_KEY"),
        ("Key", "", "KEY"),  # an empty group is no group (Flyte tests truthiness)
        ("my.key", None, "MY.KEY"),  # '.' is kept, so the name is invalid
        ("1key", None, "1KEY"),
    ],
)
def test_derived_env_var(key: str, group: str | None, name: str) -> None:
    assert derived_env_var(key, group) == name


@pytest.mark.parametrize("key", ["my.key", "1key"])
def test_derived_names_flyte_rejects_fail_the_env_var_check(key: str) -> None:
    with pytest.raises(ValueError, match="is invalid: it must match"):
        check_env_var_name(derived_env_var(key, None))


@pytest.mark.parametrize(
    ("key", "group", "name", "path"),
    [
        ("token", "github", "github", "github/token"),
        ("db-password", None, "db-password", "db-password"),
    ],
)
def test_secret_name_and_item_path(key: str, group: str | None, name: str, path: str) -> None:
    assert secret_name(key, group) == name
    assert secret_item_path(key, group) == path


@pytest.mark.parametrize(
    ("mount", "volume"),
    [
        (
            "/etc/flyte/secrets",
            "envc-secrets-" + hashlib.sha256(b"/etc/flyte/secrets").hexdigest()[:10],
        ),
        (
            "/var/run/secrets/app",
            "envc-secrets-" + hashlib.sha256(b"/var/run/secrets/app").hexdigest()[:10],
        ),
    ],
)
def test_secret_volume_name(mount: str, volume: str) -> None:
    assert secret_volume_name(mount) == volume
    assert len(volume) == 23


def test_secret_volume_name_pinned() -> None:
    # the first 10 hex digits of sha256(b"/etc/flyte/secrets"), written out so a change fails
    assert secret_volume_name("/etc/flyte/secrets") == "envc-secrets-7b553fc817"
