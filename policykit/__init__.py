"""policykit: build every school's policies from a versioned clause library."""

__version__ = "0.1.0"

from .build import BuildResult, build, merge_manifests, validate  # noqa: E402
from .check import check  # noqa: E402
from .errors import OutputError, PolicykitError, Problem, UsageError  # noqa: E402

__all__ = ["build", "merge_manifests", "validate", "check", "BuildResult", "PolicykitError", "OutputError", "UsageError", "Problem",
           "__version__"]
