"""Fetch: an article's URL -> the bytes of its page, for ``load``.

    https://... -(urllib: redirects followed, time-out, size cap)-> Page

A page is fetched once per process: ``pipeline.build_key`` hashes its bytes
to decide whether the episode is up to date, then ``load`` reads the same
bytes (and drops them from the cache).  A failed fetch is remembered the same
way, so a batch reports an unreachable address once, without waiting for it
twice.  Every failure is a LoadError that names the URL and says why, on one
line: offline, unknown host, refused, timed out, an HTTP error status, too
large, or not a page at all.

Imports of urllib and http happen on the first fetch: start-up time counts,
and most articles are files.
"""
from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass

from . import __version__
from .errors import LoadError
from .load import MAX_BYTES  # the largest page accepted, as for an article file

log = logging.getLogger(__name__)

#: seconds to wait for the connection, and then for each read
TIMEOUT = 20.0
#: fetched pages kept for the load that follows the build-key check, at most this many bytes
CACHE_BYTES = 256 * 1024 * 1024
USER_AGENT = f"audiobook/{__version__} (offline podcast maker; one request per article)"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,text/markdown;q=0.8,*/*;q=0.1"
#: content types that are documents; anything else (images, PDFs, audio) is refused
DOCUMENT_TYPES = re.compile(r"^(text/[\w.+-]+|application/(xhtml\+xml|xml|[\w.+-]+\+xml))$")

CONNECTION_HINT = "check the connection, or save the page and give the file"
ADDRESS_HINT = "check the address, or save the page in a browser and give the file"

@dataclass(frozen=True)
class Page:
    """What a URL gave."""

    url: str
    """The address the page came from, after redirects."""
    data: bytes
    """Its body, decompressed when the server compressed it."""
    content_type: str | None = None
    """Its MIME type ("text/html"), when the server said."""
    charset: str | None = None
    """The character set the server declared, if any."""


_cache: OrderedDict[str, Page | LoadError] = OrderedDict()


def fetch(url: str, *, keep: bool = True, timeout: float = TIMEOUT) -> Page:
    """The page at ``url``: from this process's cache, else from the web.

    ``keep=False`` takes the page out of the cache (``load`` reads it once);
    otherwise it stays for the next call.  Raises LoadError.
    """
    found = _cache.pop(url, None)
    if found is None:
        try:
            found = _download(url, timeout)
        except LoadError as exc:
            found = exc
    if keep:
        _remember(url, found)
    if isinstance(found, LoadError):
        raise found
    return found


def forget(url: str | None = None) -> None:
    """Drop ``url`` (or every page) from the cache."""
    if url is None:
        _cache.clear()
    else:
        _cache.pop(url, None)


def _remember(url: str, found: Page | LoadError) -> None:
    _cache[url] = found
    while sum(len(p.data) for p in _cache.values() if isinstance(p, Page)) > CACHE_BYTES and len(_cache) > 1:
        _cache.popitem(last=False)


def _fail(url: str, reason: str, hint: str = CONNECTION_HINT) -> LoadError:
    return LoadError(f"cannot fetch {url}: {reason}", hint)


def _download(url: str, timeout: float) -> Page:
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    )
    log.info("fetching %s", url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            headers = response.headers
            declared = headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_BYTES:
                raise _too_large(url, int(declared))
            data = response.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                raise _too_large(url, len(data))
            final = response.geturl() or url
    except urllib.error.HTTPError as exc:
        raise _fail(url, f"HTTP {exc.code} {exc.reason}".rstrip(), ADDRESS_HINT) from exc
    except urllib.error.URLError as exc:
        raise _fail(url, _why(exc.reason, timeout)) from exc
    except (TimeoutError, OSError) as exc:  # a read that timed out or was cut
        raise _fail(url, _why(exc, timeout)) from exc
    except http.client.HTTPException as exc:
        raise _fail(url, f"the server's answer is broken ({type(exc).__name__})") from exc
    except ValueError as exc:  # "http://" and other addresses urllib cannot parse
        raise LoadError(f"{url}: not a valid URL ({exc})", "give the page's full address, e.g. https://example.com/news/story") from exc
    data = _decompressed(url, data, headers.get("Content-Encoding", ""))
    content_type = headers.get_content_type() if headers.get("Content-Type") else None
    if content_type and not DOCUMENT_TYPES.match(content_type):
        raise LoadError(f"{url}: is {content_type}, not a web page", "give the address of the article's page")
    if final != url:
        log.info("%s redirected to %s", url, final)
    return Page(url=final, data=data, content_type=content_type, charset=headers.get_content_charset())


def _why(reason: object, timeout: float) -> str:
    """A failed connection's cause, in words."""
    import socket

    if isinstance(reason, socket.gaierror):
        return "the host name cannot be resolved; offline, or no such site"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[:1].lower() + reason.strerror[1:]
    return " ".join(str(reason).split()) or type(reason).__name__


def _too_large(url: str, size: int) -> LoadError:
    return LoadError(
        f"{url}: the page is {size // 2**20} MB, too large for one article",
        f"pages up to {MAX_BYTES // 2**20} MB are accepted; save the article's text and give the file",
    )


def _decompressed(url: str, data: bytes, encoding: str) -> bytes:
    """The body without its transfer compression (gzip or deflate), capped like the page."""
    import zlib

    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise _fail(url, f"the server sent it compressed as {encoding!r}, which is not supported", ADDRESS_HINT)
    # gzip and zlib headers found by zlib itself (wbits 47); raw deflate as some servers send it
    for wbits in (47, -15):
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(data, MAX_BYTES + 1)
        except zlib.error:
            continue
        if len(out) > MAX_BYTES:
            raise _too_large(url, len(out))
        return out
    raise _fail(url, f"its {encoding} compression is broken", ADDRESS_HINT)
