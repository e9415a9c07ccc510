"""Value grammars shared by the phases: quantities, durations, names, image references, GPUs, secrets.

Each module is a set of small pure functions with standard-library imports only (they load on every
command's cold start). Invalid input raises `ValueError` with a short user-facing message, which the
calling phase turns into a diagnostic at the authored location.
"""
