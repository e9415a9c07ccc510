"""An independent scanner over every golden directory: checkov (SPEC §10; docs/output-checks.md).

The test set-up installs the pinned checkov into its own virtualenv (`.venv-checkov/` beside
the repository's `.venv`; checkov's pins conflict with other test dependencies), once, on
first use: a fresh CI machine needs only Python and the package index.  One checkov run
covers all of golden/.  The suite fails on any failed check that tests/checkov-allowlist.yaml
does not allow, and on any allow-list entry that allows nothing.
"""

from __future__ import annotations

import fcntl
import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ALLOWLIST = Path(__file__).with_name("checkov-allowlist.yaml")
VENV = REPO / ".venv-checkov"


def _allowlist() -> dict[str, Any]:
    return yaml.safe_load(ALLOWLIST.read_text("utf-8"))  # type: ignore[no-any-return]


VERSION = str(_allowlist()["checkov"])


def _installed(exe: Path) -> bool:
    """The pinned version is in the virtualenv (read from its metadata: running checkov
    --version costs seconds)."""
    return exe.is_file() and any(VENV.glob(f"lib/python*/site-packages/checkov-{VERSION}.dist-info"))


def _env() -> dict[str, str]:
    # no mapping download, no telemetry, no update check: the run is offline and repeatable
    return {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
            "LOG_LEVEL": "WARNING"}


@pytest.fixture(scope="session")
def checkov() -> Path:
    """The pinned checkov, installed into .venv-checkov/ when it is missing or another version."""
    exe = VENV / "bin" / "checkov"
    with open(REPO / ".venv-checkov.lock", "w") as lock:  # two test runs at once install once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed(exe):
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
            subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                            f"checkov=={VERSION}"], check=True, timeout=1200)
        assert _installed(exe), f"checkov {VERSION} did not install into {VENV}"
    return exe


@pytest.fixture(scope="session")
def report(checkov: Path) -> dict[str, Any]:
    """checkov's report over all of golden/, from one run (an absolute -d: a relative one
    doubles the paths in checkov's reports)."""
    golden = (REPO / "golden").resolve()
    done = subprocess.run(
        [str(checkov), "--skip-download", "--framework", "kubernetes", "-d", str(golden), "-o", "json", "--compact"],
        capture_output=True, text=True, env=_env(), cwd=str(golden), timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert [r["check_type"] for r in reports] == ["kubernetes"], [r.get("check_type") for r in reports]
    summary = reports[0]["summary"]
    assert summary["parsing_errors"] == 0 and summary["checkov_version"] == VERSION, summary
    return reports[0]  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def findings(report: dict[str, Any]) -> list[dict[str, str]]:
    return [{"check": f["check_id"], "object": f["resource"], "file": f["file_path"], "name": f["check_name"]}
            for f in report["results"]["failed_checks"]]


def _allowed(finding: dict[str, str], entry: dict[str, str]) -> bool:
    return finding["check"] == entry["check"] and fnmatch.fnmatchcase(finding["object"], entry["object"])


def test_the_allowlist_is_well_formed() -> None:
    data = _allowlist()
    assert set(data) == {"checkov", "allow"}
    for entry in data["allow"]:
        assert set(entry) == {"check", "object", "reason"}, entry
        assert len(entry["reason"].split()) >= 8, f"{entry['check']}: say why it does not apply"


def test_every_failed_check_is_allowed(findings: list[dict[str, str]]) -> None:
    entries = _allowlist()["allow"]
    unexplained = [f for f in findings if not any(_allowed(f, e) for e in entries)]
    assert unexplained == [], "checkov findings on golden/ that tests/checkov-allowlist.yaml does not allow:\n" + "\n".join(
        f"  {f['check']} {f['object']} ({f['file']}): {f['name']}" for f in unexplained)


def test_every_allowlist_entry_allows_a_finding(findings: list[dict[str, str]]) -> None:
    stale = [e for e in _allowlist()["allow"] if not any(_allowed(f, e) for f in findings)]
    assert stale == [], "allow-list entries that match no finding (remove them): " + ", ".join(
        f"{e['check']} {e['object']}" for e in stale)


SCANNED_KINDS = {"PodTemplate", "Deployment", "Service", "Ingress"}  # checkov 3.3.30 has no checks for HPAs, DomainMappings


def test_the_scan_covers_every_golden_object(report: dict[str, Any]) -> None:
    """Every golden object of a kind checkov checks was scanned.  (It applies its generic
    Service checks to a Knative Service but does not look inside its pod: envc validates
    those against Knative's schema and its own pod checks.)"""
    scanned = {f["file_path"].lstrip("/") for kind in ("passed_checks", "failed_checks") for f in report["results"][kind]}
    expected = {p.relative_to(REPO / "golden").as_posix() for p in (REPO / "golden").rglob("*.yaml")
                if yaml.safe_load(p.read_text("utf-8"))["kind"] in SCANNED_KINDS}
    assert expected and expected <= scanned, sorted(expected - scanned)
