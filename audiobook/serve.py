"""Serve: a folder of episodes -> a small HTTP server that podcast apps can subscribe to.

    folder/ (feed.xml, <slug>.mp3 and sidecars, covers) -> http://HOST:PORT/<file>

Each request:

1. Maps the URL path to a regular file inside the folder, or answers 404: no
   ``..``, no hidden files (a build's temporary ``.partial`` files among
   them), and no symlink that leads out of the folder.  ``/`` is a small
   HTML index of the feed and episodes; no other folder is listed.
2. Answers 304 to a conditional request whose copy is still current (podcast
   apps poll the feed).
3. Honours a single byte range (``bytes=A-B``, ``bytes=A-``, ``bytes=-N``)
   with 206 and Content-Range, since players seek and resume that way; an
   unsatisfiable one gets 416.  Several ranges in one request get the whole
   file (RFC 9110 lets a server ignore Range).
4. Streams the bytes in chunks; a player that hangs up mid-file is normal.

stdlib only: ``http.server`` with a thread per connection.
"""
from __future__ import annotations

import email.utils
import functools
import html
import logging
import mimetypes
import os
import re
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from . import __version__
from .errors import InputError

log = logging.getLogger(__name__)

FEED_NAME = "feed.xml"
_CHUNK = 64 * 1024
#: content types by suffix; the rest come from :mod:`mimetypes`
CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".xml": "application/xml",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
FEED_TYPE = "application/rss+xml; charset=utf-8"
_RANGE = re.compile(r"bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.IGNORECASE)


class RangeNotSatisfiable(Exception):
    """The requested range lies wholly past the end of the file (HTTP 416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte a Range header asks of a ``size``-byte file.

    None means "send the whole file": no header, a unit other than bytes,
    several ranges, or a malformed one (a server may ignore those).  Raises
    :class:`RangeNotSatisfiable` when the range starts past the end.
    """
    if not header:
        return None
    found = _RANGE.fullmatch(header.strip())
    if not found or (not found[1] and not found[2]):
        return None
    if not found[1]:  # bytes=-N: the last N bytes
        suffix = int(found[2])
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - suffix), size - 1
    first = int(found[1])
    if found[2] and int(found[2]) < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable
    return first, min(int(found[2]) if found[2] else size - 1, size - 1)


def make_server(folder: Path, host: str = "0.0.0.0", port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``folder``, bound but not yet serving (call ``serve_forever``).

    Port 0 picks a free port; ``server.server_address`` says which.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"no such folder: {folder}", hint="give the folder the episodes and feed.xml were written to")
    handler = functools.partial(_Handler, root=folder.resolve())
    server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
    try:
        return server_class((host, port), handler)
    except OSError as exc:
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="pick another --port (ports below 1024 need root), or check --host is an address of this machine",
        ) from exc


def serve(folder: Path, host: str = "0.0.0.0", port: int = 8000, *, ready=None) -> None:
    """Serve ``folder`` until Ctrl-C, then close the socket and return.

    ``ready``, when given, is called with :func:`base_urls` of the server once
    it listens (the CLI prints them).
    """
    server = make_server(folder, host, port)
    try:
        if ready is not None:
            ready(base_urls(server))
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopped")
    finally:
        server.server_close()


def base_urls(server: ThreadingHTTPServer) -> list[str]:
    """The URLs the folder can be reached at, most useful first.

    A server on every interface (0.0.0.0) is reached from other devices by this
    machine's network address, and from itself by localhost.
    """
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", "::"):
        hosts = [_network_address(), "localhost"]
    else:
        hosts = [host]
    return [f"http://{f'[{h}]' if ':' in h else h}:{port}/" for h in dict.fromkeys(hosts)]


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _network_address() -> str:
    """This machine's address on its network (no packet is sent), else localhost."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP connect only picks a route
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    server_version = f"audiobook/{__version__}"
    # keep-alive: a player seeking through an episode makes many range requests
    protocol_version = "HTTP/1.1"

    def __init__(self, *args, root: Path, **kwargs):
        self.root = root
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        log.info("%s %s", self.address_string(), format % args)

    # --- answering ---------------------------------------------------------

    def _answer(self, *, send_body: bool) -> None:
        path = self._file()
        if path is None:
            if urlsplit(self.path).path in ("", "/"):
                self._reply(HTTPStatus.OK, _index(self.root).encode("utf-8"), "text/html; charset=utf-8", send_body)
            else:
                self._reply(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", send_body)
            return
        try:
            f = path.open("rb")
        except OSError:
            self._reply(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", send_body)
            return
        with f:
            self._send_file(f, path, send_body)

    def _send_file(self, f, path: Path, send_body: bool) -> None:
        # size and time from the open file: feed.xml may be replaced meanwhile
        stat = os.fstat(f.fileno())
        size = stat.st_size
        etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        headers = {
            "Content-Type": FEED_TYPE if path.name == FEED_NAME else _content_type(path),
            "Accept-Ranges": "bytes",
            "ETag": etag,
            "Last-Modified": modified,
            # browser-based players fetch transcripts and chapters across origins
            "Access-Control-Allow-Origin": "*",
        }
        if path.name == FEED_NAME:
            headers["Cache-Control"] = "no-cache"
        if _not_modified(self.headers, etag, stat.st_mtime):
            self._reply(HTTPStatus.NOT_MODIFIED, b"", None, False, headers)
            return
        wanted = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if wanted and if_range and if_range.strip() not in (etag, modified):
            wanted = None  # the client's part is of an older version: send it all
        try:
            span = byte_range(wanted, size)
        except RangeNotSatisfiable:
            headers["Content-Range"] = f"bytes */{size}"
            self._reply(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"range not satisfiable\n", "text/plain; charset=utf-8", send_body, headers)
            return
        first, last = span if span else (0, size - 1)
        status = HTTPStatus.PARTIAL_CONTENT if span else HTTPStatus.OK
        if span:
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        if send_body:
            self._copy(f, first, last - first + 1)

    def _copy(self, f, offset: int, length: int) -> None:
        f.seek(offset)
        try:
            while length > 0:
                chunk = f.read(min(_CHUNK, length))
                if not chunk:  # the file shrank under us; the client sees a short body
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
                length -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            # players hang up after the bytes they wanted: not an error
            self.close_connection = True

    def _reply(self, status: HTTPStatus, body: bytes, content_type: str | None, send_body: bool, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            if name != "Content-Type":
                self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        if status != HTTPStatus.NOT_MODIFIED:  # a 304 has no body to measure
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _file(self) -> Path | None:
        """The file inside the folder the URL names, or None."""
        name = unquote(urlsplit(self.path).path)
        parts = [p for p in name.split("/") if p]
        # "." and ".." and hidden files all start with a dot; a backslash or a
        # colon could name another folder or drive on Windows
        if not parts or any(p.startswith(".") or "\\" in p or ":" in p or "\0" in p for p in parts):
            return None
        try:
            path = self.root.joinpath(*parts).resolve()
        except (OSError, RuntimeError):  # a symlink loop
            return None
        # resolve() follows symlinks, so one that leads out of the folder fails here
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path


def _content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def _not_modified(headers, etag: str, mtime: float) -> bool:
    """Whether a conditional GET's copy is current (If-None-Match wins over If-Modified-Since)."""
    match = headers.get("If-None-Match")
    if match is not None:
        return match.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in match.split(",")]
    since = headers.get("If-Modified-Since")
    if since:
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return when is not None and int(mtime) <= when.timestamp()
    return False


def _index(root: Path) -> str:
    """A page listing the feed and the episodes, for a person with a browser."""
    files = sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
    rows = "".join(
        f'<li><a href="{quote(p.name)}">{html.escape(p.name)}</a></li>\n' for p in files if p.suffix.lower() == ".mp3"
    )
    feed = (
        f'<p>Subscribe to <a href="{FEED_NAME}">{FEED_NAME}</a> in a podcast app.</p>'
        if (root / FEED_NAME).is_file()
        else "<p>No feed.xml yet: run <code>audiobook feed</code> on this folder.</p>"
    )
    return (
        "<!doctype html>\n<meta charset=utf-8>\n<title>audiobook episodes</title>\n"
        f"<h1>{html.escape(root.name)}</h1>\n{feed}\n<ul>\n{rows}</ul>\n"
    )

