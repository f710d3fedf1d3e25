"""policykit on a platform without POSIX-only names (Windows): simulated here, so a regression fails on Linux."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import mini_files, write_tree

# What Windows lacks that a POSIX Python has: fcntl, signal.SIGHUP, os.getuid. The script removes
# them before policykit is imported, then validates and builds a small trust through the API.
SCRIPT = textwrap.dedent("""
    import os, signal, sys, json
    sys.modules["fcntl"] = None          # "import fcntl" now fails, as on Windows
    del signal.SIGHUP
    del os.getuid
    import policykit
    from policykit.system import signals, tempdirs
    signals.install()
    tempdirs.sweep()
    root = sys.argv[1]
    project = policykit.validate(root)
    result = policykit.build(root, formats=["md", "docx"], jobs=1)
    print(json.dumps({"schools": sorted(project.settings), "written": len(result.rebuilt)}))
""")


def test_validate_and_build_without_fcntl_sighup_or_getuid(tmp_path):
    root = write_tree(tmp_path / "trust", mini_files())
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["schools"] == ["alpha", "beta"] and out["written"] == 2
    assert (root / "build" / "alpha" / "remote.docx").is_file()


def test_no_module_of_policykit_imports_a_posix_only_module():
    import pathlib

    import policykit

    package = pathlib.Path(policykit.__file__).parent
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if any(line.strip().startswith(("import fcntl", "from fcntl", "import termios", "import pwd"))
                        for line in p.read_text(encoding="utf-8").splitlines())]
    assert offenders == []
