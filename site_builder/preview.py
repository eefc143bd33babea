"""`policy serve`: the draft site on 127.0.0.1, rebuilt when an editor saves a file."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import click

from site_builder.errors import PolicyError

WATCHED = ("policy", "translations", "changelog", "mkdocs.yml")


def _snapshot(root: Path) -> dict[str, float]:
    """Modification times of everything that changes the site."""
    seen = {}
    for name in WATCHED:
        path = root / name
        files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for file in files:
            seen[str(file)] = file.stat().st_mtime
    return seen


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002 - the console is for build messages
        pass


def _parse_addr(dev_addr: str) -> tuple[str, int]:
    host, _, port = dev_addr.rpartition(":")
    if not host or not port.isdigit():
        raise PolicyError(f"--dev-addr {dev_addr!r} must be HOST:PORT, like 127.0.0.1:8000")
    return host, int(port)


def serve(root: Path, *, dev_addr: str, build: Callable[[Path], object], interval: float = 0.5) -> None:
    """Build once, serve, and rebuild on every change until interrupted."""
    host, port = _parse_addr(dev_addr)
    out = Path(tempfile.mkdtemp(prefix="policy-preview-")) / "site"
    build(out)
    try:
        server = http.server.ThreadingHTTPServer((host, port), functools.partial(_Handler, directory=str(out)))
    except OSError as exc:
        raise PolicyError(f"cannot listen on {dev_addr}: {exc.strerror}; choose another --dev-addr") from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    click.echo(f"Serving the draft on http://{host}:{server.server_port}/en/draft/ (Ctrl+C to stop)", err=True)
    state = _snapshot(root)
    try:
        while True:
            time.sleep(interval)
            current = _snapshot(root)
            if current != state:
                state = current
                try:
                    build(out)
                    click.echo(f"{time.strftime('%H:%M:%S')} rebuilt", err=True)
                except click.ClickException as exc:  # keep serving the last good build
                    click.echo(f"{time.strftime('%H:%M:%S')} not rebuilt: {exc.format_message()}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
