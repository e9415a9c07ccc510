"""The progress line of `envc compile`: on a real terminal (a pty) only, erased before output."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parents[1] / "examples" / "quickstart"
ENVC = [sys.executable, "-m", "envc"]
LINE = b"\r\x1b[Kenvc: compiling"
ERASE = b"\r\x1b[K"


def environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TERM", "ENVC_PROGRESS_DELAY")}
    env.update({"TERM": "xterm", **extra})
    return env


def on_a_tty(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=60), out


def test_progress_on_a_terminal_is_erased_before_the_output(tmp_path: Path) -> None:
    out_dir = tmp_path / "manifests"
    code, out = on_a_tty([*ENVC, "compile", "--project", str(QUICKSTART), "--out", str(out_dir)],
                         environ(ENVC_PROGRESS_DELAY="0"))
    assert code == 0, out
    assert out.startswith(LINE), out
    # the last progress frame is erased, then envc's own message follows on a clean line
    last = out.rindex(LINE)
    erased = out.index(ERASE, last + len(LINE))
    assert out[erased + len(ERASE):].startswith(b"wrote "), out
    assert b"\x1b" not in out[erased + len(ERASE):]


def test_nothing_before_the_delay(tmp_path: Path) -> None:
    code, out = on_a_tty([*ENVC, "compile", "--project", str(QUICKSTART), "--out", str(tmp_path / "m")],
                         environ(ENVC_PROGRESS_DELAY="30"))
    assert code == 0
    assert b"\x1b" not in out and out.startswith(b"wrote ")


def test_nothing_in_ci_or_on_a_dumb_terminal(tmp_path: Path) -> None:
    for extra in ({"CI": "true"}, {"TERM": "dumb"}):
        code, out = on_a_tty([*ENVC, "compile", "--project", str(QUICKSTART), "--out", str(tmp_path / "m")],
                             environ(ENVC_PROGRESS_DELAY="0", **extra))
        assert code == 0
        assert b"\x1b" not in out and b"envc: compiling" not in out


def test_nothing_on_a_pipe(tmp_path: Path) -> None:
    done = subprocess.run([*ENVC, "compile", "--project", str(QUICKSTART), "--out", str(tmp_path / "m")],
                          env=environ(ENVC_PROGRESS_DELAY="0"), capture_output=True, check=False)
    assert done.returncode == 0
    assert done.stdout == b"" and done.stderr.startswith(b"wrote ")
