"""Run `policy` commands for the tests without paying the interpreter's start each time.

A test suite that runs `policy` several hundred times spends most of a small command in starting
Python and importing the tool, MkDocs, Material and Jinja. This module is a process that imports
them once and then forks a fresh child for every command: the child is a copy of a process that has
only imported modules (no command ever ran in the parent, so no cache holds anything), it takes the
test's working folder, environment, arguments and standard streams, and runs the console script's
own entry point, `site_builder.cli:main`, to its normal exit. What a user would see — output, exit
code, files written — is the same as from the installed `policy` (the CI's smoke step and the tests
that start `policy` themselves, for signals and concurrency, keep covering the installed script).

`PolicyRunner.run` falls back to a real process when it cannot serve the call faithfully: another
thread is using it, or the environment changes how an interpreter starts (PYTHON*, LANG, LC_*, TZ):
a build compared byte for byte with another asks for that (another hash seed) on purpose.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_STARTUP_ENV = ("PYTHON", "LANG", "LC_", "TZ")  # read when an interpreter (or its C library) starts


class PolicyRunner:
    """The test side: one zygote per test process, started on first use with `base_env`."""

    def __init__(self, policy: str, base_env: dict[str, str]) -> None:
        self.policy = policy
        self.base_env = dict(base_env)
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.zygote"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, env=self.base_env, cwd=Path(__file__).parents[1])
        return self.proc

    def _faithful(self, env: dict[str, str]) -> bool:
        """Whether a fork of a process started with `base_env` is what a new process with `env` would be."""
        def startup(values: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in values.items() if k.startswith(_STARTUP_ENV)}
        return startup(env) == startup(self.base_env)

    def run(self, args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
        if os.environ.get("POLICY_TESTS_NO_ZYGOTE") or not self._faithful(env) or not self.lock.acquire(blocking=False):
            return self._subprocess(args, cwd, env)
        try:
            with tempfile.TemporaryDirectory(prefix="policy-call-") as scratch:
                out, err = Path(scratch, "stdout"), Path(scratch, "stderr")
                request = {"args": [self.policy, *args], "cwd": str(cwd), "env": env, "stdout": str(out), "stderr": str(err)}
                try:
                    proc = self._start()
                    assert proc.stdin is not None and proc.stdout is not None
                    proc.stdin.write(json.dumps(request).encode() + b"\n")
                    proc.stdin.flush()
                    reply = proc.stdout.readline()
                    if not reply:
                        raise RuntimeError("the policy zygote stopped")
                except BaseException:  # interrupted between question and answer: the next call starts afresh
                    self._stop()
                    raise
                code = json.loads(reply)["returncode"]
                # strict decoding, as subprocess.run(text=True) does: a byte that is not UTF-8 fails the test
                return subprocess.CompletedProcess([self.policy, *args], code, out.read_text(encoding="utf-8"),
                                                   err.read_text(encoding="utf-8"))
        finally:
            self.lock.release()

    def _subprocess(self, args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
        return subprocess.run([self.policy, *args], cwd=cwd, env=env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)

    def _stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._stop()


def _serve() -> int:
    """The zygote: import once, then one forked child per request line; returns in the child with
    the command's exit code (so the child leaves through the interpreter's normal exit)."""
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    import importlib
    import pkgutil

    import babel
    import babel.core

    import site_builder
    import site_builder.markup
    import site_builder.site.engine_mkdocs

    for module in pkgutil.walk_packages(site_builder.__path__, "site_builder."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)
    site_builder.site.engine_mkdocs.warm_up()
    site_builder.markup.warm_up()
    babel.core.get_global("zone_aliases")  # CLDR's data, read once: the tool only reads it
    for code in ("en", "el", "fr"):
        babel.Locale.parse(code).months  # noqa: B018 - loads the language's CLDR data
    gc.collect()
    gc.freeze()  # what was imported is never collected: a child's collections leave those pages shared
    for line in requests:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            requests.close()
            replies.close()
            return _child(request, null)
        _, status = os.waitpid(pid, 0)
        replies.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
        replies.flush()
    return 0


def _child(request: dict, null: int) -> int:
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    os.dup2(null, 0)
    os.close(null)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = list(request["args"])
    from site_builder.cli import main

    try:
        main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_serve())
