"""Windows and macOS, checked here on Linux: policykit imported and run with POSIX-only names taken away."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from policykit.system import signals, tempdirs
from tests.conftest import REPO

# What Windows lacks that Linux has, and that a program could be tempted to use. The script below
# takes each away before policykit is imported, so a use of any of them at import time (or in a
# validate or build) fails this test on Linux, as it would fail on Windows.
SIMULATE_WINDOWS = textwrap.dedent('''
    import os, signal, sys, traceback, warnings
    from pathlib import Path

    sys.modules["fcntl"] = None  # `import fcntl` raises ImportError, as on Windows
    for name in ("SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGPIPE", "SIGCHLD", "SIGKILL"):
        if hasattr(signal, name):  # (on Windows itself, none of them is there to take away)
            delattr(signal, name)
        signal.Signals._member_map_.pop(name, None)
    for name in ("getuid", "geteuid", "getgid", "getegid", "fchmod", "fchown", "sched_getaffinity", "killpg",
                 "getpgid", "setsid", "sysconf", "mkfifo", "getloadavg"):
        if hasattr(os, name):
            delattr(os, name)

    # Text read or written without `encoding=` is cp1252 on most Windows machines: every such
    # open by policykit itself (not by a library it calls) is reported.
    import policykit
    own = str(Path(policykit.__file__).parent) + os.sep
    unencoded = []
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, EncodingWarning):
            stack = traceback.extract_stack()[:-1]
            ours = [i for i, frame in enumerate(stack) if frame.filename.startswith(own)]
            if ours and not any("site-packages" in frame.filename for frame in stack[ours[-1] + 1:]):
                unencoded.append(f"{stack[ours[-1]].filename}:{stack[ours[-1]].lineno}: {message}")
            return
        original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    warnings.simplefilter("always", EncodingWarning)

    import importlib, pkgutil
    for module in pkgutil.walk_packages(policykit.__path__, "policykit."):
        if module.name != "policykit.__main__":  # that one runs the command line
            importlib.import_module(module.name)  # every module imports without a POSIX-only name

    from policykit.cli import main
    for command in (["validate"], ["build"], ["status", "--format", "csv"], ["acknowledgements", "--format", "json"]):
        try:
            main([*command, "--root", sys.argv[1]])
        except SystemExit as exc:
            if exc.code not in (0, None):
                sys.exit(f"policykit {' '.join(command)} exited {exc.code}")
    if unencoded:
        sys.exit("text opened without an encoding:\\n" + "\\n".join(unencoded))
    print("simulated Windows: ok")
''')


WELSH = "Oakfield Academy (Ysgol Gŵyr)"  # ŵ is not in cp1252, the code page of most Windows machines


def _example_trust(tmp_path: Path) -> Path:
    root = tmp_path / "trust"
    for part in ("clauses", "settings"):  # not a lock file a local run left behind
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("*.lock"))
    school = root / "settings" / "oakfield.yaml"
    school.write_text(school.read_text(encoding="utf-8").replace("name: Oakfield Academy", f"name: {WELSH}", 1),
                      encoding="utf-8")
    return root


def test_the_example_trust_validates_and_builds_without_fcntl_sighup_or_getuid(tmp_path):
    root = _example_trust(tmp_path)
    script = tmp_path / "simulate.py"
    script.write_text(SIMULATE_WINDOWS, encoding="utf-8")
    # stdout redirected to a file on Windows is in the locale's code page, not UTF-8
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "cp1252"}
    proc = subprocess.run([sys.executable, "-X", "warn_default_encoding", str(script), str(root)],
                          capture_output=True, env=env, timeout=600, cwd=tmp_path)
    out, err = proc.stdout, proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, out.decode("utf-8", "replace") + err
    assert b"simulated Windows: ok" in out and "Traceback" not in err, err
    # the exports (status CSV, acknowledgements JSON) are UTF-8 bytes with "\n" line endings, whatever the console
    assert out.count(WELSH.encode("utf-8")) >= 2 and b"\r" not in out, out[:2000]
    settings = sorted(p.stem for p in (root / "settings").glob("*.yaml") if p.stem != "trust")
    for setting in settings:
        for kind in ("md", "docx", "pdf", "html"):
            assert list((root / "build" / setting).glob(f"*.{kind}")), (setting, kind)


def test_only_the_stopping_signals_the_platform_has_are_installed(monkeypatch):
    monkeypatch.delattr(signal, "SIGHUP", raising=False)
    monkeypatch.delattr(signal, "SIGBREAK", raising=False)
    assert signals.handled() == (signal.SIGTERM, signal.SIGINT)
    installed: list[int] = []
    monkeypatch.setattr(signal, "signal", lambda signum, handler: installed.append(signum))
    signals.install()
    assert installed == [signal.SIGTERM, signal.SIGINT]


POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX behaviour")


@POSIX_ONLY
def test_posix_keeps_sighup():
    assert signal.SIGHUP in signals.handled()


class _Kernel32:
    """Stands in for Windows' kernel32: one process, 40, running or ended; 4 is the system's."""

    def __init__(self, exit_code: int) -> None:
        self.exit_code, self.error, self.closed = exit_code, 0, 0

    def OpenProcess(self, access: int, inherit: bool, pid: int) -> int | None:  # noqa: N802
        if pid == 40:
            return 1234
        self.error = 5 if pid == 4 else 87  # access denied; the parameter is incorrect (no such process)
        return None

    def GetExitCodeProcess(self, handle: int, code: Any) -> int:  # noqa: N802
        code._obj.value = self.exit_code
        return 1

    def CloseHandle(self, handle: int) -> int:  # noqa: N802
        self.closed += 1
        return 1


@pytest.mark.parametrize("pid, exit_code, alive", [
    (40, 259, True),    # STILL_ACTIVE
    (40, 0, False),     # ended, its handle still held by someone
    (4, 259, True),     # another user's or the system's: it exists
    (41, 259, False),   # no such process
])
def test_windows_asks_openprocess_whether_a_process_lives_and_never_signals_it(pid, exit_code, alive, monkeypatch):
    kernel32 = _Kernel32(exit_code)
    monkeypatch.setattr(os, "kill", lambda *args: pytest.fail("os.kill ends the process on Windows"))
    assert tempdirs.alive_on_windows(pid, kernel32, lambda: kernel32.error) is alive
    assert kernel32.closed == (1 if pid == 40 else 0)  # every handle opened is closed


@POSIX_ONLY
def test_posix_asks_with_signal_zero(monkeypatch):
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: calls.append((pid, sig)))
    assert tempdirs._alive(12345) and calls == [(12345, 0)]


def test_without_user_ids_every_folder_in_the_users_temporary_folder_is_theirs(monkeypatch):
    monkeypatch.delattr(os, "getuid")
    assert tempdirs._mine(SimpleNamespace(st_uid=0))  # type: ignore[arg-type]
