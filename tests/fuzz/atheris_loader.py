"""Coverage-guided fuzzing of the loader with atheris (libFuzzer), for long runs.

    pip install -e '.[fuzz]'                       # atheris: Linux, CPython 3.11+
    python tests/fuzz/atheris_loader.py -max_total_time=600 [-jobs=4] [CORPUS_DIR]

The target is tests/fuzz/loader_target.py:fuzz_yaml, the one the hypothesis harness runs in
CI.  The corpus starts from the YAML of every case and example (written to CORPUS_DIR, by
default $TMPDIR/envc-fuzz-corpus, which then keeps what libFuzzer finds).  A crash (any
exception, or a broken invariant) stops the run and writes the input to
$TMPDIR/envc-fuzz-crashes/crash-<sha1>: replay it with
`python tests/fuzz/atheris_loader.py $TMPDIR/envc-fuzz-crashes/crash-<sha1>`, then add it to
FOUND in tests/fuzz/test_fuzz_loader.py once fixed.
docs/robustness.md has the details.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import atheris  # noqa: E402 - after the instrumentation hook above

with atheris.instrument_imports(include=["envc", "yaml"]):
    from loader_target import fuzz_yaml


def corpus_dir(args: list[str]) -> list[str]:
    """Arguments for libFuzzer: crash files go to $TMPDIR/envc-fuzz-crashes/ (not the working
    directory), and a seeded corpus directory is added unless one (or an input file) is given."""
    tmp = Path(tempfile.gettempdir())
    if not any(a.startswith("-artifact_prefix=") for a in args):
        (tmp / "envc-fuzz-crashes").mkdir(exist_ok=True)
        args = [*args, f"-artifact_prefix={tmp / 'envc-fuzz-crashes'}/"]
    if any(not a.startswith("-") for a in args[1:]):
        return args
    from test_fuzz_loader import SEEDS

    target = Path(os.environ.get("ENVC_FUZZ_CORPUS", tmp / "envc-fuzz-corpus"))
    target.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(SEEDS):
        (target / f"seed-{i:04d}.yaml").write_bytes(seed)
    return [*args, str(target)]


def main() -> None:
    atheris.Setup(corpus_dir(sys.argv), fuzz_yaml)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
