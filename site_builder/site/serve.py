"""`policy serve`: the draft site on 127.0.0.1, rebuilt when an editor saves a file.

The page reloads itself after each rebuild; when the text has an error, every page shows the
problems (`path:line: message`) until the editor fixes them. The preview folder is removed on
exit, and Ctrl+C, SIGTERM or SIGHUP are normal ways to stop (exit 0). The files are looked at
before each build, so a save made while a build runs is followed by another build.
"""

from __future__ import annotations

import functools
import html
import http.server
import shutil
import signal
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click

from site_builder.errors import PolicyError
from site_builder.site.build import build_site
from site_builder.source.content import WorkingTree, load_snapshot
from site_builder.source.models import DEFAULT_SOURCE

WATCHED = ("policy", "translations", "changelog", "mkdocs.yml")
RELOAD_PATH = "/__policy_reload"
_RELOAD = f"""<script>
(function () {{
  var seen = null;
  setInterval(function () {{
    fetch("{RELOAD_PATH}", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }}).then(function (v) {{
      if (seen !== null && v !== seen) {{ location.reload(); }}
      seen = v;
    }}).catch(function () {{}});
  }}, 700);
}})();
</script>"""


@dataclass
class _State:
    """What the server shows: the build counter and the last error, if any."""

    generation: int = 0
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Modification times and sizes of everything that changes the site."""
    seen = {}
    for name in WATCHED:
        path = root / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for file in files:
            try:
                info = file.stat()
                seen[str(file)] = (info.st_mtime_ns, info.st_size)
            except OSError:
                continue  # deleted while we looked
    return seen


class _Handler(http.server.SimpleHTTPRequestHandler):
    state: _State

    def log_message(self, *args) -> None:  # noqa: ANN002 - the console is for build messages
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's API
        if self.path.startswith(RELOAD_PATH):
            return self._send(str(self.state.generation).encode(), "text/plain")
        target = Path(self.translate_path(self.path))
        if target.is_dir() and not urllib.parse.urlsplit(self.path).path.endswith("/"):
            return self._redirect_to_folder()
        if self.state.error is not None and (self.path.endswith("/") or self.path.endswith(".html")):
            return self._send(_error_page(self.state.error).encode(), "text/html; charset=utf-8", status=500)
        if target.is_dir():
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            page = target.read_text(encoding="utf-8").replace("</body>", _RELOAD + "</body>", 1)
            return self._send(page.encode(), "text/html; charset=utf-8")
        return super().do_GET()

    def _redirect_to_folder(self) -> None:
        """`/en/draft` -> `/en/draft/`, as a static host does: the page's relative links need the slash."""
        parts = urllib.parse.urlsplit(self.path)
        self.send_response(301)
        path = "/" + parts.path.lstrip("/")  # never `//host/`: that would lead to another site
        self.send_header("Location", urllib.parse.urlunsplit(("", "", path + "/", parts.query, "")))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def _error_page(message: str) -> str:
    return ("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Preview: the text has errors</title>"
            "<body style=\"font-family:system-ui,sans-serif;max-width:60em;margin:2em auto\">"
            "<h1>The draft was not rebuilt</h1><p>Fix these, save, and this page reloads by itself:</p>"
            f"<pre style=\"white-space:pre-wrap;background:#fdecea;padding:1em\">{html.escape(message)}</pre>"
            f"{_RELOAD}</body></html>")


def parse_addr(dev_addr: str) -> tuple[str, int]:
    """HOST:PORT, checked."""
    host, _, port = dev_addr.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise PolicyError(f"--dev-addr {dev_addr[:80]!r} must be HOST:PORT with a port from 1 to 65535, like 127.0.0.1:8000")
    return host, int(port)


def _rebuild(build: Callable[[Path], object], out: Path, state: _State) -> None:
    try:
        build(out)
        error = None
    except click.ClickException as exc:
        error = exc.format_message()
    except Exception as exc:  # noqa: BLE001 - the preview survives anything the text can do
        error = f"unexpected failure: {type(exc).__name__}: {exc}"
    with state.lock:
        state.error = error
        state.generation += 1
    stamp = time.strftime("%H:%M:%S")
    click.echo(f"{stamp} rebuilt" if error is None else f"{stamp} not rebuilt:\n{error}", err=True)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM and SIGHUP stop the preview as Ctrl+C does, so that its folder is removed."""
    raise KeyboardInterrupt


def serve(root: Path, *, dev_addr: str, build: Callable[[Path], object], interval: float = 0.5,
          source: str = DEFAULT_SOURCE) -> None:
    """Build once, serve, and rebuild on every change until interrupted (`source`: the language whose
    draft page the first message links)."""
    host, port = parse_addr(dev_addr)
    previous = {signum: signal.signal(signum, _interrupt) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        _serve(root, host, port, dev_addr, build, interval, source)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve(root: Path, host: str, port: int, dev_addr: str, build: Callable[[Path], object], interval: float,
           source: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="policy-preview-"))
    out = folder / "site"
    out.mkdir()
    state = _State()
    handler = type("Handler", (_Handler,), {"state": state})
    try:
        try:
            server = http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(out)))
        except OSError as exc:
            raise PolicyError(f"cannot listen on {dev_addr}: {exc.strerror}; choose another --dev-addr") from None
        # `out` is replaced by each build: serve whatever is there now.
        server.RequestHandlerClass = functools.partial(handler, directory=str(out))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        seen = _snapshot(root)  # before the build: a save made while it runs is a change
        _rebuild(build, out, state)
        click.echo(f"Serving the draft on http://{host}:{server.server_port}/{source}/draft/ (Ctrl+C to stop)", err=True)
        try:
            while True:
                time.sleep(interval)
                current = _snapshot(root)
                if current != seen:
                    seen = current  # taken before the build, for the same reason
                    _rebuild(build, out, state)
        finally:
            server.shutdown()
            server.server_close()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def serve_site(root: Path, *, dev_addr: str) -> None:
    """`policy serve`: build the draft, serve it on 127.0.0.1 and rebuild on save."""
    snapshot, _ = load_snapshot(WorkingTree(Path(root)), advice=False)
    serve(Path(root), dev_addr=dev_addr, build=lambda out: build_site(root, out=out, draft=True, quiet=True, parallel=False),
          source=snapshot.source if snapshot else DEFAULT_SOURCE)
