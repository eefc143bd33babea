"""The optional one-click unsubscribe endpoint (RFC 8058), as a small WSGI application.

Deploy it behind the https address set as `extra.notices.unsubscribe_url`, with the same
$POLICY_UNSUBSCRIBE_SECRET the sender uses, and the journal the sender reads: every address
it records is left out of every later send. `policy unsubscribe-app` runs it for a try-out.

- GET  /unsubscribe?email=..&token=..  a page (Greek and English) with a button
- POST /unsubscribe?email=..&token=..  unsubscribes: the button, or a mail client's one-click
  request (body `List-Unsubscribe=One-Click`). A wrong token gets 403 and changes nothing.
"""

from __future__ import annotations

import hmac
import html
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qs, quote

from site_builder.errors import PolicyError
from site_builder.i18n import available_languages, t
from site_builder.mailbox import MAX_ADDRESS, address_problem
from site_builder.notify.journal import Journal
from site_builder.notify.mime import unsubscribe_token

StartResponse = Callable[[str, list[tuple[str, str]]], object]
log = logging.getLogger(__name__)
MAX_QUERY = 2048  # an address (254) and a token (32), URL-encoded, with room to spare


def _page_in(status_key: str, email: str, languages: tuple[str, ...], form: str = "") -> bytes:
    """The answer in every language the policy publishes, in its order."""
    parts = []
    for lang in languages:
        parts.append(f'<section lang="{lang}"><h1>{html.escape(t(lang, "unsub." + status_key + ".title"))}</h1>'
                     f'<p>{html.escape(t(lang, "unsub." + status_key, email=email))}</p>{form and _button(lang, form)}</section>')
    title = html.escape(" / ".join(t(lang, "unsub.button") for lang in languages))
    body = (f'<!doctype html><html lang="{languages[0]}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,'
            f'initial-scale=1"><title>{title}</title></head><body style="font-family:system-ui,sans-serif;'
            'max-width:36em;margin:2em auto;padding:0 1em;line-height:1.5">' + "<hr>".join(parts) + "</body></html>\n")
    return body.encode("utf-8")


def interface_languages() -> tuple[str, ...]:
    """Every language the interface words exist in."""
    return available_languages()


def _button(lang: str, action: str) -> str:
    return (f'<form method="post" action="{html.escape(action)}"><button type="submit" style="font-size:1rem;padding:.5em 1em">'
            f'{html.escape(t(lang, "unsub.button"))}</button></form>')


def make_app(journal: Path, key: str, languages: tuple[str, ...] | None = None) -> Callable[[dict, StartResponse], Iterable[bytes]]:
    """The WSGI application: checks the token, records the address in the suppression list; its pages
    speak `languages` (the policy's, in order; by default every language the tool has words for)."""
    langs = languages or interface_languages()

    def _page(status_key: str, email: str, form: str = "") -> bytes:
        return _page_in(status_key, email, langs, form)

    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        email, token = _link(environ.get("QUERY_STRING", ""))
        if environ.get("PATH_INFO", "/").rstrip("/") not in ("/unsubscribe", ""):
            return _answer(start_response, "404 Not Found", _page("notfound", email))
        if not _genuine(email, token, key):
            return _answer(start_response, "403 Forbidden", _page("badlink", email))
        if method == "GET":
            action = f"?email={quote(email, safe='')}&token={quote(token, safe='')}"
            return _answer(start_response, "200 OK", _page("confirm", email, action))
        if method != "POST":
            return _answer(start_response, "405 Method Not Allowed", _page("notfound", email), [("Allow", "GET, POST")])
        try:
            _record(journal, email, "one-click" if b"One-Click" in _body(environ) else "web page")
        except PolicyError as exc:  # a damaged, locked or read-only journal: say so, keep the server up
            log.error("unsubscribe of %s not recorded: %s", email, exc.format_message())
            print(f"unsubscribe of {email} not recorded: {exc.format_message()}", file=environ["wsgi.errors"])
            return _answer(start_response, "503 Service Unavailable", _page("error", email), [("Retry-After", "3600")])
        return _answer(start_response, "200 OK", _page("done", email))

    return app


def _link(query: str) -> tuple[str, str]:
    """(email, token) of the query; empty for anything longer than a real link."""
    if len(query) > MAX_QUERY:
        return "", ""
    values = parse_qs(query, keep_blank_values=True, errors="replace")
    email = (values.get("email") or [""])[0].strip()
    token = (values.get("token") or [""])[0].strip()
    return email[:MAX_ADDRESS + 1], token


def _genuine(email: str, token: str, key: str) -> bool:
    """A valid address whose token is ours: compared as bytes, in constant time, whatever was sent."""
    if address_problem(email):
        return False
    given = token.encode("utf-8", "replace")
    return hmac.compare_digest(given, unsubscribe_token(email, key).encode("ascii"))


def _record(journal: Path, email: str, source: str) -> None:
    store = Journal(journal)
    try:
        store.suppress(email, source)
    finally:
        store.close()


def _body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(length, 4096)) if length > 0 else b""


def _answer(start_response: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store"), *(extra or [])])
    return [body]


def serve(journal: Path, key: str, host: str, port: int, say: Callable[[str], None],
          languages: tuple[str, ...] | None = None) -> None:
    """Run the endpoint with the standard library's WSGI server (for trying it; deploy it behind https)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True  # one slow or idle client never holds up the others (each request opens the journal)

    class Quiet(WSGIRequestHandler):
        timeout = 15  # an idle connection is dropped

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's name
            pass

    with make_server(host, port, make_app(journal, key, languages), server_class=Threaded, handler_class=Quiet) as server:
        say(f"Unsubscribe endpoint on http://{host}:{server.server_port}/unsubscribe (Ctrl+C to stop); journal {journal}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            say("Stopped.")
