"""docs/diagnostics.md, generated from the code registry (`codes.py`).

Each code gets its id and name, severity, one-line description, failing example, what envc
reports for that example (run by tests/test_codes.py, which passes the outputs in) and fix.
`pytest --update-golden` rewrites the page; a test fails when it drifts from the registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from envc.codes import ALL, Code

HEADER = (
    "<!-- Generated from compiler/envc/codes.py by envc.codes_doc. "
    "Do not edit; run pytest --update-golden. -->"
)

# The id ranges of codes.py; a code outside them is listed under "Other".
GROUPS = (
    ("1", "Loading YAML (E1xx)", "SPEC §3, §11.3"),
    ("2", "Project file and document shape (E2xx)", "SPEC §2, §3, §5.2, §6.3"),
    ("3", "Inheritance: extends and tags (E3xx)", "SPEC §4"),
    ("4", "Tasks, entrypoints, reuse and workflows (E4xx)", "SPEC §5"),
    ("5", "Values: resources, secrets, images, names, depends_on (E5xx)", "SPEC §6"),
    ("6", "Pod templates and pod security (E6xx)", "SPEC §6.6, §10.2"),
    ("7", "Apps (E7xx)", "SPEC §7, §8.3"),
    ("8", "Output, diff and formatting (E8xx)", "SPEC §9, §11"),
    ("9", "Checks on the output (E9xx)", "SPEC §10"),
)

INTRO = """\
# envc diagnostics

Every problem envc finds is a *diagnostic* with a stable code: an id (`E301`) and a name
(`extends-cycle`). Ids never change meaning and are never reused. `E` codes are errors:
`envc validate` and `envc compile` exit with status 1 and `compile` writes nothing. `W` codes are
warnings: the run succeeds (exit 0) unless `--strict` is given, which turns every warning into an
error. Status 2 is a usage error (a bad option, no `envc.yaml`), and status 3 an internal error:
a bug in envc, the only case that prints a traceback (SPEC §11.1).

Each diagnostic points at the line and column of the YAML (or Python) that you wrote — the
value in the document the rule is about: the child, the task, the override — and names every
other place that contributed as a *related location* (the parent that set a replaced value, both
definitions of a duplicate name, every member of a cycle). A name that is not found comes with a
"did you mean" suggestion. All the problems of a run are reported, sorted by file and line, not
only the first.

## Output formats

`--format` chooses how diagnostics are printed. They always go to standard error: standard
output carries only what a command produces (manifests with `compile --stdout`, `explain`), so
`envc compile --stdout | kubectl apply -f -` is safe.

| format | for | what it prints |
|---|---|---|
| `human` (default) | people | `file:line:col: error E301 extends-cycle: message`, the source line with a caret under the column, a `note:` line per related location, and a count. Colour only when standard error is a terminal and `NO_COLOR` is unset or empty (no-color.org; `TERM=dumb` disables it too). |
| `json` | scripts | `{"diagnostics": [{"code", "name", "severity", "message", "file", "line", "col", "related": [{"message", "file", "line", "col"}]}], "errors": n, "warnings": n}` |
| `github` | GitHub Actions | one workflow command per diagnostic, `::error file=deploy/envs/a.yaml,line=3,col=10,title=E301 extends-cycle::message`, with the related locations as `note:` lines of the message: annotations on the pull request's changed lines. |
| `sarif` | code scanning | a SARIF 2.1.0 log (one run, every code below as a rule, one result per diagnostic with its related locations), e.g. `envc validate --format sarif 2> envc.sarif`, then upload it with `github/codeql-action/upload-sarif`. |

Paths are relative to the project root (the directory of `envc.yaml`) in `human` and `json`.
`github` and `sarif` name files relative to the repository instead, so that GitHub can attach
them: the project root's path relative to `$GITHUB_WORKSPACE` (or, outside Actions, the current
directory) is put in front — `deploy/envs/a.yaml` for a project in `deploy/`. SARIF columns are
counted in Unicode code points (`columnKind: unicodeCodePoints`), as envc counts them everywhere.
With `--strict`, warnings are printed as errors in every format (`"severity": "error"`,
`::error`, SARIF `level: error`); the code keeps its `W` id.

## Examples

Each entry below has a failing example: the content of `envs/a.yaml` in a project whose
`envc.yaml` is `envc: 1` / `project: t`, or several files when the rule needs them. The tests
run every example and check that it produces its code and no other, and the output shown under
"envc reports" is what `envc validate` prints for it (with `--validate` when the example's first
line says so). An example that is only a comment describes a situation a snippet cannot hold —
an unreadable file, an 11 MiB file, an output directory — or one only a bug in envc could
produce; tests with a real filesystem, or of the check itself, cover those.
"""


def markdown(outputs: Mapping[str, str]) -> str:
    """The whole page; `outputs` maps a code id to what `envc validate` prints for its example."""
    codes = sorted(ALL, key=lambda c: (c.id[1], c.id[0] == "W", c.id[2:]))  # E1xx, W1xx, E2xx, ...
    parts = [HEADER, "", INTRO, _index(codes)]
    for digit, title, spec in (*GROUPS, ("", "Other", "")):
        members = [c for c in codes if _group(c) == digit]
        if not members:
            continue
        parts.append(f"## {title}\n\n{spec}.\n" if spec else f"## {title}\n")
        parts.extend(_entry(c, outputs.get(c.id)) for c in members)
    return "\n".join(parts).rstrip("\n") + "\n"


def _group(code: Code) -> str:
    digit = code.id[1]
    return digit if any(digit == g for g, _, _ in GROUPS) else ""


def _index(codes: list[Code]) -> str:
    rows = ["## Index", "", "| id | name | severity | description |", "|---|---|---|---|"]
    for c in codes:
        rows.append(f"| [{c.id}](#{_anchor(c)}) | `{c.name}` | {c.severity.value} | {_cell(c.summary)} |")
    return "\n".join(rows) + "\n"


def _anchor(code: Code) -> str:
    """GitHub's heading anchor of `### E301 extends-cycle`."""
    return re.sub(r"[^a-z0-9 -]", "", f"{code.id} {code.name}".lower()).replace(" ", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _entry(code: Code, output: str | None) -> str:
    lines = [f"### {code.id} {code.name}", "", f"**{code.severity.value}** · {_sentence(code.summary)}", ""]
    lines += ["**Example**", "", *_example(code.example)]
    if output:
        lines += ["**envc reports**", "", "```text", *output.rstrip("\n").split("\n"), "```", ""]
    lines += [f"**Fix:** {_sentence(code.fix)}", ""]
    return "\n".join(lines)


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _example(example: str) -> list[str]:
    out: list[str] = []
    for path, body in split_example(example).items():
        lang = "python" if path.endswith(".py") else "yaml"
        out += [f"`{path}`:", "", f"```{lang}", *body.rstrip("\n").split("\n"), "```", ""]
    return out


_SECTION = re.compile(r"^-- (.+) --$", re.MULTILINE)


def split_example(example: str) -> dict[str, str]:
    """An example's files: `envs/a.yaml` alone, or its `-- <path> --` sections in order."""
    if not example.startswith("-- "):
        return {"envs/a.yaml": example}
    parts = _SECTION.split(example)[1:]
    return {name: body.removeprefix("\n") for name, body in zip(parts[::2], parts[1::2], strict=True)}
