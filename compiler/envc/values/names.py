"""Name rules (SPEC §6.2, §6.3) and `k8s()`, which derives Kubernetes names from envc names.

Sources: environment names follow Flyte's `Environment.__post_init__` (`flyte/_environment.py`);
app names are RFC 1035 labels (Kubernetes and Knative Service names); the DNS-1123, qualified-name,
label-value and config-map-key rules are Kubernetes apimachinery's
`pkg/util/validation/validation.go` (`IsDNS1123Label`, `IsDNS1123Subdomain`, `IsQualifiedName`,
`IsValidLabelValue`, `IsConfigMapKey`); env var names follow Flyte's `Secret.__post_init__`
(`flyte/_secret.py`). Every check uses `fullmatch` (no `$`-before-newline) and ASCII classes.
"""

from __future__ import annotations

import hashlib
import re

ENV_NAME = re.compile(r"^[a-z0-9]+([_-][a-z0-9]+)*$")
APP_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
TASK_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
ENV_VAR_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

NAME_MAX = 63
"""Names, DNS-1123 labels, qualified-name parts and label values: at most 63 characters."""
SUBDOMAIN_MAX = 253

_HASH_KEEP = 52
_HASH_HEX = 10

_LOWER_SEPARATED = "lowercase letters and digits, separated by single '-' or '_'"
_RFC1035 = "an RFC 1035 label: lowercase letters, digits and '-', starting with a letter"
_DNS_LABEL = "a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric"
_DNS_SUBDOMAIN = "a DNS-1123 subdomain: DNS-1123 labels joined by '.'"
_ALNUM_EDGES = "letters, digits, '-', '_' and '.', starting and ending alphanumeric"


def _check(pattern: re.Pattern[str], max_len: int, text: str, what: str, rule: str) -> None:
    if len(text) > max_len:
        raise ValueError(f"{what} {text!r} is longer than {max_len} characters")
    if pattern.fullmatch(text) is None:
        raise ValueError(f"{what} {text!r} is invalid: use {rule}")


def check_env_name(name: str) -> None:
    """Task environment, workflow and step names: `^[a-z0-9]+([_-][a-z0-9]+)*$`, <= 63."""
    _check(ENV_NAME, NAME_MAX, name, "name", _LOWER_SEPARATED)


def check_app_name(name: str) -> None:
    """App names: an RFC 1035 label, <= 63 (a Kubernetes/Knative Service name starts with a letter)."""
    _check(APP_NAME, NAME_MAX, name, "app name", _RFC1035)


def check_task_key(key: str) -> None:
    """Task keys: `^[A-Za-z_][A-Za-z0-9_]*$` (a Python identifier in ASCII)."""
    _check(
        TASK_KEY, len(key), key, "task key", "letters, digits and '_', not starting with a digit"
    )


def check_project(name: str) -> None:
    """`project`: a DNS-1123 label (it names the namespace)."""
    _check(DNS1123_LABEL, NAME_MAX, name, "project", _DNS_LABEL)


def check_secret_name(name: str) -> None:
    """The Kubernetes Secret a secret refers to: a DNS-1123 subdomain, <= 253."""
    _check(DNS1123_SUBDOMAIN, SUBDOMAIN_MAX, name, "Secret name", _DNS_SUBDOMAIN)


def check_secret_key(key: str) -> None:
    """A Secret data key: `^[-._a-zA-Z0-9]+$`, <= 253, not `.`/`..` nor starting with `..`."""
    _check(SECRET_KEY, SUBDOMAIN_MAX, key, "secret key", "letters, digits, '-', '_' and '.'")
    if key == "." or key.startswith(".."):
        raise ValueError(f"secret key {key!r} is invalid: it must not be '.' or start with '..'")


def check_env_var_name(name: str) -> None:
    """An env var name envc emits for a secret: `^[A-Z_][A-Z0-9_]*$` (Flyte's rule)."""
    if ENV_VAR_NAME.fullmatch(name) is None:
        raise ValueError(
            f"environment variable name {name!r} is invalid: it must match ^[A-Z_][A-Z0-9_]*$"
        )


def check_label_key(key: str) -> None:
    """A label or annotation key: `[<DNS-1123 subdomain>/]<name>`, the name <= 63."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            raise ValueError(f"label key {key!r} is invalid: the prefix before '/' is empty")
        _check(DNS1123_SUBDOMAIN, SUBDOMAIN_MAX, prefix, "label key prefix", _DNS_SUBDOMAIN)
    if not name:
        raise ValueError(f"label key {key!r} is invalid: the name part is empty")
    _check(QUALIFIED_NAME, NAME_MAX, name, "label key name", _ALNUM_EDGES)


def check_label_value(value: str) -> None:
    """A label value: empty, or <= 63 of letters, digits, `-_.`, starting and ending alphanumeric."""
    _check(LABEL_VALUE, NAME_MAX, value, "label value", _ALNUM_EDGES)


def is_label_value(value: str) -> bool:
    """Whether `value` is a valid Kubernetes label value."""
    return len(value) <= NAME_MAX and LABEL_VALUE.fullmatch(value) is not None


def k8s(name: str) -> str:
    """The Kubernetes name or label value derived from an envc name (SPEC §6.3).

    Lowercase, `_` -> `-`, `-` stripped at both ends; a result over 63 characters becomes its
    first 52 (trailing `-` stripped) + `-` + the first 10 hex digits of sha256(name), so distinct
    long names stay distinct. Never raises: the output checks catch what is still invalid.
    """
    derived = name.lower().replace("_", "-").strip("-")
    if len(derived) <= NAME_MAX:
        return derived
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_HEX]
    return f"{derived[:_HASH_KEEP].rstrip('-')}-{digest}"
