"""The local server: real HTTP requests against make_server on a free port."""
from __future__ import annotations

import http.client
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from audiobook.errors import InputError
from audiobook.serve import RangeNotSatisfiable, byte_range, make_server, serve

AUDIO = bytes(range(256)) * 400  # 102400 bytes whose every slice is recognisable


@pytest.fixture
def folder(tmp_path) -> Path:
    out = tmp_path / "output"
    out.mkdir()
    (out / "night-ferry.mp3").write_bytes(AUDIO)
    (out / "feed.xml").write_text('<?xml version="1.0"?><rss version="2.0"><channel/></rss>\n', encoding="utf-8")
    (out / "night-ferry.vtt").write_text("WEBVTT\n", encoding="utf-8")
    (out / "night-ferry.json").write_text("{}", encoding="utf-8")
    (out / "night-ferry.chapters.json").write_text('{"version": "1.2.0", "chapters": []}', encoding="utf-8")
    (out / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    (out / ".night-ferry.x1.partial.mp3").write_bytes(b"half")
    (out / "sub").mkdir()
    (tmp_path / "secret.txt").write_text("outside the folder", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", out / "link.txt")
    return out


@pytest.fixture
def server(folder):
    """The server running in a thread; yields (host, port)."""
    srv = make_server(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv.server_address[:2]
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def get(server, path: str, headers: dict | None = None, method: str = "GET"):
    """(status, headers, body) of one request; 4xx answers too, not exceptions."""
    host, port = server
    request = urllib.request.Request(f"http://{host}:{port}{path}", headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def raw(server, path: str, method: str = "GET"):
    """A request whose path is sent exactly as written (urllib might tidy it)."""
    conn = http.client.HTTPConnection(*server, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_full_get_sends_the_file_with_its_type_and_length(server):
    status, headers, body = get(server, "/night-ferry.mp3")
    assert status == 200 and body == AUDIO
    assert headers["Content-Type"] == "audio/mpeg"
    assert headers["Content-Length"] == str(len(AUDIO))
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"] and headers["Last-Modified"]


def test_range_request_gets_206_and_exactly_those_bytes(server):
    status, headers, body = get(server, "/night-ferry.mp3", {"Range": "bytes=1000-1999"})
    assert status == 206 and body == AUDIO[1000:2000]
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(AUDIO)}"
    assert headers["Content-Length"] == "1000"


def test_open_ended_and_overlong_ranges_stop_at_the_end(server):
    status, headers, body = get(server, "/night-ferry.mp3", {"Range": "bytes=102000-"})
    assert status == 206 and body == AUDIO[102000:]
    status, headers, body = get(server, "/night-ferry.mp3", {"Range": "bytes=102300-999999"})
    assert status == 206 and body == AUDIO[102300:]
    assert headers["Content-Range"] == f"bytes 102300-{len(AUDIO) - 1}/{len(AUDIO)}"


def test_suffix_range_gets_the_last_bytes(server):
    status, headers, body = get(server, "/night-ferry.mp3", {"Range": "bytes=-500"})
    assert status == 206 and body == AUDIO[-500:]
    assert headers["Content-Range"] == f"bytes {len(AUDIO) - 500}-{len(AUDIO) - 1}/{len(AUDIO)}"


def test_unsatisfiable_range_is_416_with_the_size(server):
    status, headers, _ = get(server, "/night-ferry.mp3", {"Range": f"bytes={len(AUDIO)}-"})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(AUDIO)}"


def test_several_ranges_or_a_stale_if_range_get_the_whole_file(server):
    status, _, body = get(server, "/night-ferry.mp3", {"Range": "bytes=0-9,20-29"})
    assert status == 200 and body == AUDIO
    status, _, body = get(server, "/night-ferry.mp3", {"Range": "bytes=0-9", "If-Range": '"an-old-etag"'})
    assert status == 200 and body == AUDIO
    _, headers, _ = get(server, "/night-ferry.mp3", method="HEAD")
    status, _, body = get(server, "/night-ferry.mp3", {"Range": "bytes=0-9", "If-Range": headers["ETag"]})
    assert status == 206 and body == AUDIO[:10]


def test_head_sends_headers_only_and_the_connection_stays_usable(server):
    conn = http.client.HTTPConnection(*server, timeout=10)
    try:
        conn.request("HEAD", "/night-ferry.mp3")
        head = conn.getresponse()
        assert head.status == 200 and head.read() == b""
        assert head.getheader("Content-Length") == str(len(AUDIO))
        assert head.getheader("Accept-Ranges") == "bytes"
        conn.request("GET", "/night-ferry.mp3", headers={"Range": "bytes=0-3"})  # same keep-alive connection
        part = conn.getresponse()
        assert part.status == 206 and part.read() == AUDIO[:4]
    finally:
        conn.close()


def test_conditional_get_of_an_unchanged_feed_is_304(server):
    status, headers, _ = get(server, "/feed.xml")
    assert status == 200 and headers["Cache-Control"] == "no-cache"
    status, _, body = get(server, "/feed.xml", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    status, _, _ = get(server, "/feed.xml", {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("/feed.xml", "application/rss+xml"),
        ("/night-ferry.mp3", "audio/mpeg"),
        ("/night-ferry.vtt", "text/vtt"),
        ("/night-ferry.json", "application/json"),
        ("/night-ferry.chapters.json", "application/json"),
        ("/cover.png", "image/png"),
        ("/", "text/html"),
    ],
)
def test_content_types(server, path, content_type):
    status, headers, _ = get(server, path)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == content_type


def test_index_page_links_the_feed_and_episodes_but_not_hidden_files(server):
    _, _, body = get(server, "/")
    page = body.decode()
    assert 'href="feed.xml"' in page and 'href="night-ferry.mp3"' in page and "partial" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/link.txt",  # a symlink leading out of the folder
        "/.night-ferry.x1.partial.mp3",  # a build's temporary file
        "/sub/",  # no folder listings
        "/missing.mp3",
        "/night-ferry.mp3%00.txt",
    ],
)
def test_nothing_outside_the_folder_nor_hidden_is_served(server, path):
    status, body = raw(server, path)
    assert status == 404
    assert b"outside the folder" not in body and b"root:" not in body


def test_head_of_a_missing_file_is_404_without_a_body(server):
    status, body = raw(server, "/missing.mp3", method="HEAD")
    assert status == 404 and body == b""


@pytest.mark.parametrize(
    "header, size, expected",
    [
        (None, 100, None),
        ("bytes=0-0", 100, (0, 0)),
        ("bytes=10-", 100, (10, 99)),
        ("bytes=90-500", 100, (90, 99)),
        ("bytes=-10", 100, (90, 99)),
        ("bytes=-500", 100, (0, 99)),
        ("BYTES = 5 - 6", 100, (5, 6)),
        ("bytes=9-3", 100, None),  # malformed: ignored, the whole file goes
        ("bytes=0-1,5-6", 100, None),
        ("items=0-1", 100, None),
        ("bytes=-", 100, None),
    ],
)
def test_byte_range(header, size, expected):
    assert byte_range(header, size) == expected


@pytest.mark.parametrize("header, size", [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=-5", 0)])
def test_byte_range_unsatisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, size)


def test_missing_folder_and_busy_port_are_input_errors(tmp_path, folder):
    with pytest.raises(InputError, match="no such folder"):
        make_server(tmp_path / "missing", "127.0.0.1", 0)
    first = make_server(folder, "127.0.0.1", 0)
    try:
        with pytest.raises(InputError, match="cannot listen") as caught:
            make_server(folder, "127.0.0.1", first.server_address[1])
        assert "--port" in caught.value.hint
    finally:
        first.server_close()


def test_serve_reports_its_urls_and_returns_cleanly_on_ctrl_c(folder):
    seen = []

    def ready(urls):
        seen.extend(urls)
        raise KeyboardInterrupt  # what Ctrl-C raises in the serving thread

    serve(folder, "127.0.0.1", 0, ready=ready)  # returns: no exception
    assert len(seen) == 1 and seen[0].startswith("http://127.0.0.1:") and seen[0].endswith("/")
