"""Secret references (SPEC §6.2): derived env var names, Secret names, projected-volume names.

`derived_env_var` is Flyte's `Secret.__post_init__` (`flyte/_secret.py:44-46` in flyte 2.12.1)::

    as_env_var = f"{group}_{key}" if group else key
    as_env_var = as_env_var.replace("-", "_").upper()

Only `-` is replaced: a `.` stays, so `my.key` derives `MY.KEY`, which Flyte then rejects
(`:50-53`); callers check the result with `names.check_env_var_name`, as Flyte does.
"""

from __future__ import annotations

import hashlib

_VOLUME_PREFIX = "envc-secrets-"
_HASH_HEX = 10


def derived_env_var(key: str, group: str | None) -> str:
    """Flyte's env var name for a secret without `as_env_var`: `upper([group_]key)`, `-` -> `_`."""
    name = f"{group}_{key}" if group else key
    return name.replace("-", "_").upper()


def secret_name(key: str, group: str | None) -> str:
    """The Kubernetes Secret a secret refers to: `group`, or `key` when there is no group."""
    return group if group else key


def secret_item_path(key: str, group: str | None) -> str:
    """The file of a mounted secret relative to its mount: `<group>/<key>`, or `<key>`."""
    return f"{group}/{key}" if group else key


def secret_volume_name(mount: str) -> str:
    """The projected volume shared by the secrets mounted at `mount`: `envc-secrets-<sha256[:10]>`."""
    return _VOLUME_PREFIX + hashlib.sha256(mount.encode("utf-8")).hexdigest()[:_HASH_HEX]
