"""`python -m envc`: the same as the `envc` command."""

from envc.cli import entry

entry()
