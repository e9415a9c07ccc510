"""Secrets (SPEC §6.2): references only, valid names, one target each.

PASS::

    secrets: [openai-key, {key: token, group: github, as_env_var: GH_TOKEN},
              {key: sa-json, group: gcp, mount: /etc/flyte/secrets}]

FAIL::

    secrets: [{key: a, mount: /s, as_env_var: A}]   # E504 secret-mount-and-env
    secrets: [{key: a, group: Bad_Group}]           # E506 invalid-secret
"""

from __future__ import annotations

import re

from envc import codes
from envc.checks import Write
from envc.diagnostics import Sink
from envc.values.names import check_env_var_name, check_secret_key, check_secret_name
from envc.values.secret_ref import derived_env_var, secret_name


def check_secrets(w: Write, sink: Sink) -> None:
    for i, item in enumerate(w.value if isinstance(w.value, list) else []):
        path = (*w.path, i)
        ref = {"key": item} if isinstance(item, str) else item
        key, group, mount, env = ref.get("key"), ref.get("group"), ref.get("mount"), ref.get("as_env_var")
        if not isinstance(key, str):
            continue
        _value(w, (*path, "key") if isinstance(item, dict) else path, check_secret_key, key, sink)
        sub = (*path, "group") if group else ((*path, "key") if isinstance(item, dict) else path)
        _value(w, sub, check_secret_name, secret_name(key, group), sink)
        if mount and env:
            sink.report(codes.SECRET_MOUNT_AND_ENV, w.doc.span((*path, "as_env_var")),
                        f"secret `{key}` has both `mount` and `as_env_var`: choose a file or an env var")
        elif mount and not str(mount).startswith("/"):
            sink.report(codes.BAD_SECRET, w.doc.span((*path, "mount")), f"mount `{mount}` is not an absolute path")
        elif not mount:
            name = env or derived_env_var(key, group)
            where = (*path, "as_env_var") if env else ((*path, "key") if isinstance(item, dict) else path)
            try:
                check_env_var_name(name)
            except ValueError as exc:
                sink.report(codes.BAD_ENV_NAME, w.doc.span(where), f"secret `{key}`: {exc}")


_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*\Z")


def check_env_var_names(w: Write, sink: Sink) -> None:
    """`env_vars` keys must be names Kubernetes accepts (SPEC §10.1)."""
    for name in w.value if isinstance(w.value, dict) else ():
        if not _ENV_NAME.match(name):
            sink.report(codes.BAD_ENV_NAME, w.doc.key_span((*w.path, name)),
                        f"environment variable name {name!r} is invalid: use letters, digits, '_', '-' and '.', "
                        "not starting with a digit")


def _value(w: Write, path: tuple[str | int, ...], check: object, value: str, sink: Sink) -> None:
    try:
        check(value)  # type: ignore[operator]
    except ValueError as exc:
        sink.report(codes.BAD_SECRET, w.doc.span(path), str(exc))
