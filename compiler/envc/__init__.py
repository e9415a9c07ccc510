"""envc: compile declarative YAML execution environments into Kubernetes manifests.

The package is a pipeline of pure phases (see docs/architecture.md):
load -> schema -> resolve -> checks -> lower -> emit, with diagnostics collected
in a sink and rendered once by `render`.
"""

__version__ = "0.1.0"
