"""`envc init [DIR]`: a new project with one example of each kind (SPEC §11).

The files are rendered from the jinja2 templates in `templates/init/` (jinja2 is
imported only here) plus the JSON Schema, so the editor modelines of the new
files resolve.  Nothing is overwritten: if any file exists, nothing is written.
The result compiles without a diagnostic (tests/test_init.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from envc.schema import schema_text

TEMPLATES = (
    "envc.yaml",
    "envs/tasks.yaml",
    "envs/apps.yaml",
    "envs/templates.yaml",
    "envs/workflows.yaml",
    "pipelines/__init__.py",
    "pipelines/hello.py",
    "README.md",
)
SCHEMA_FILE = "envc.schema.json"
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


class InitError(Exception):
    """The project cannot be created as asked (exit 1; nothing was written)."""


def project_name(directory: Path, name: str | None) -> str:
    candidate = name if name is not None else directory.resolve().name
    if not _DNS_LABEL.match(candidate) or len(candidate) > 63:
        how = "--name" if name is not None else f"the directory name `{candidate}` is not one: pass --name"
        raise InitError(f"a project name must be a DNS-1123 label (lowercase letters, digits, `-`); {how}")
    return candidate


def render(project: str, domain: str) -> dict[str, str]:
    """Relative path -> text of every file of the new project."""
    import jinja2  # lazy: only `envc init` needs it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("envc", "templates/init"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, Markdown and Python, never HTML
    )
    files = {rel: env.get_template(rel + ".j2").render(project=project, domain=domain) for rel in TEMPLATES}
    files[SCHEMA_FILE] = schema_text()
    return files


def create(directory: Path, name: str | None, domain: str) -> list[Path]:
    """Write the project into `directory`; refuses (InitError) if any file already exists."""
    if not _DNS_LABEL.match(domain):
        raise InitError(f"the domain `{domain}` is not a DNS-1123 label")
    files = render(project_name(directory, name), domain)
    existing = [rel for rel in files if (directory / rel).exists()]
    if existing:
        raise InitError(f"{directory} already has {', '.join(existing)}: nothing was written")
    written = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written
