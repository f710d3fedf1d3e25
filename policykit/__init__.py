"""policykit: build every school's policies from a versioned clause library.

The library API, one function per command (the command line is a thin layer over these):

    validate(root)                         check everything; the validated Project
    build(root, ...)                       write each school's documents (only what changed)
    approve(root, setting, policy, ...)    record a decision in the ledger
    status(root, ...)                      where every document stands
    diff(root, setting, policy, ...)       compare two texts; write the redlines
    site(root, ...)                        the governors' static site
    pack(root, setting, meeting, ...)      the meeting pack PDF
    merge_manifests(out)                   join the manifests of a sharded build
"""

from policykit.commands.approve import ApprovalResult, approve
from policykit.commands.build import BuildResult, build, merge_manifests
from policykit.commands.diff import DiffResult, diff
from policykit.commands.pack import PackResult, pack
from policykit.commands.site import SiteResult, site
from policykit.commands.status import Status, status
from policykit.commands.validate import validate
from policykit.errors import OutputError, PolicykitError, Problem, UsageError
from policykit.version import VERSION as __version__

__all__ = ["validate", "build", "approve", "status", "diff", "site", "pack", "merge_manifests",
           "BuildResult", "ApprovalResult", "Status", "DiffResult", "SiteResult", "PackResult",
           "PolicykitError", "OutputError", "UsageError", "Problem", "__version__"]
