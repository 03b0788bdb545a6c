"""Inputs (issue 7, item 1), without audio: saved HTML pages read by
trafilatura, URLs fetched from a local server, Markdown, and the metadata
that flows from them into the script (and what the command line overrides).

The end-to-end builds of each input kind are in tests/test_inputs_end_to_end.py.
Every page and article here was written for these tests.
"""
from __future__ import annotations

import gzip
import http.server
import io
import json
import logging
import socket
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobook import fetch as fetching
from audiobook import load as loading
from audiobook.batch import check_outputs, expand_inputs
from audiobook.clean import clean
from audiobook.cli import main
from audiobook.errors import LoadError
from audiobook.load import load, markdown_article
from audiobook.pipeline import Options, _title_from_name, build_key, output_path, read_article, url_slug
from audiobook.profile import load_profile

PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Night ferry returns to Kelby after ten years | The Kelby Courier</title>
<link rel="canonical" href="https://kelby-courier.example/news/2026/03/night-ferry-returns">
<meta name="author" content="Jane Doe">
<meta property="og:site_name" content="The Kelby Courier">
<meta property="article:published_time" content="2026-03-03T10:32:00+00:00">
<script>window.analytics = { page: "ferry" };</script>
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<article>
<h1>Night ferry returns to Kelby after ten years</h1>
<p class="byline">By Jane Doe | Published 10:32, 3 March 2026</p>
<div class="share">Share Tweet Email WhatsApp</div>
<figure><img src="ferry.jpg" alt="The ferry at the quay"><figcaption>The ferry at the quay. Photo: Sam Reed/Kelby Courier</figcaption></figure>
<p>Scroll down for video</p>
<p>The night ferry returned to Kelby harbour on Tuesday after ten years away, and a crowd lined the quay to meet it.</p>
<p>“We waited a decade for this,” said harbour master Ann Lee. “It is a good day for the whole town.”</p>
<p>Advertisement</p>
<h2>A long campaign</h2>
<p>Councillors approved the money for the service last spring after a campaign by residents of the old town.</p>
<blockquote class="pull-quote">“We waited a decade for this”</blockquote>
<p>Sign up to our newsletter</p>
<p>By the time the first sailing left, every seat on the upper deck had been taken.</p>
</article>
<aside><h3>Most read</h3><ul><li>Bus fares to rise in May</li></ul></aside>
<footer><p>© The Kelby Courier 2026</p></footer>
</body>
</html>
"""

SAID = (
    "Night ferry returns to Kelby after ten years",
    "The night ferry returned to Kelby harbour on Tuesday after ten years away, and a crowd lined the quay to meet it.",
    "“We waited a decade for this,” said harbour master Ann Lee. “It is a good day for the whole town.”",
    "A long campaign",
    "Councillors approved the money for the service last spring after a campaign by residents of the old town.",
    "By the time the first sailing left, every seat on the upper deck had been taken.",
)


def write(path: Path, content: str | bytes) -> str:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


# --- saved HTML pages ----------------------------------------------------------------


def test_a_saved_page_gives_its_article_and_metadata(tmp_path):
    art = clean(load(write(tmp_path / "ferry.html", PAGE)))
    assert art.paragraphs == SAID
    assert art.title == "Night ferry returns to Kelby after ten years"
    assert art.author == "Jane Doe"
    assert art.date == "2026-03-03"
    assert art.url == "https://kelby-courier.example/news/2026/03/night-ferry-returns"
    assert art.site == "The Kelby Courier"
    assert art.headings == ("A long campaign",)


def test_a_page_that_does_not_open_with_its_headline_gets_it_first(tmp_path):
    page = "<html><head><title>Harbour lights | Courier</title></head><body><article><p>The harbour lights were switched on at dusk on Friday.</p></article></body></html>"
    art = load(write(tmp_path / "lights.html", page))
    assert art.title == "Harbour lights" and art.paragraphs[0] == "Harbour lights"


def test_a_date_is_never_guessed_from_the_text(tmp_path):
    page = "<html><body><article><h1>Lights</h1><p>In 1998 the harbour lights were last replaced, on 3 March 1998.</p></article></body></html>"
    assert load(write(tmp_path / "lights.html", page)).date is None


def test_the_plain_reader_takes_over_when_trafilatura_finds_nothing(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    art = clean(load(write(tmp_path / "ferry.html", PAGE)))
    assert art.title == "Night ferry returns to Kelby after ten years"
    assert "Bus fares to rise in May" not in art.paragraphs  # <aside> is furniture to it too
    assert SAID[1] in art.paragraphs


def test_a_declared_charset_is_used_when_the_bytes_are_not_utf8(tmp_path, caplog):
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head><body><p>Мэр сказал, что часы снова идут.</p></body></html>'
    with caplog.at_level(logging.WARNING):
        art = load(write(tmp_path / "clock.html", page.encode("cp1251")))
    assert art.paragraphs == ("Мэр сказал, что часы снова идут.",)
    assert not caplog.records  # declared, not guessed: nothing to warn about


def test_trafilatura_and_urllib_are_imported_only_for_a_page_or_url():
    import subprocess

    code = (
        "import sys; from audiobook.pipeline import build_key, read_article, Options; from audiobook.profile import load_profile;"
        " build_key(sys.argv[1], Options()); read_article(sys.argv[1], load_profile(), Options());"
        " print(sorted(m for m in ('trafilatura', 'lxml', 'urllib.request', 'http.client') if m in sys.modules))"
    )
    example = Path(__file__).resolve().parent.parent / "examples" / "ferry-returns.txt"
    res = subprocess.run([sys.executable, "-c", code, str(example)], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "[]"


# --- Markdown ------------------------------------------------------------------------------

MARKDOWN = """---
title: "Night ferry returns to Kelby"
author: Jane Doe
date: 2026-03-03
---

<!-- editor: check the fares
before publishing -->

# Night ferry returns to Kelby

![The ferry at the quay](ferry.jpg)
*The ferry at the quay on Tuesday*

The **night ferry** returned to [Kelby harbour](https://kelby.example/harbour) on _Tuesday_ after ten years away.[^1]

## What changes

- Sailings every night at __ten__
- Tickets from the `quay office`
  and online
1. First sailing on Monday

```
fares = {"adult": 12}
```

Setext sections work too
------------------------

> “It is a good day,” said Ann Lee.

| Route | Time |
|-------|------|
| Kelby to Orran | 22:00 |

See <https://kelby.example/ferry> for ~~old~~ new times.

[^1]: Figures from the harbour trust.
[harbour]: https://kelby.example/harbour
"""


def test_markdown_keeps_the_words_and_no_markup(tmp_path):
    art = clean(load(write(tmp_path / "ferry.md", MARKDOWN)))
    assert art.paragraphs == (
        "Night ferry returns to Kelby",
        "The night ferry returned to Kelby harbour on Tuesday after ten years away.",
        "What changes",
        "Sailings every night at ten",
        "Tickets from the quay office and online",
        "First sailing on Monday",
        "Setext sections work too",
        "“It is a good day,” said Ann Lee.",
        "Route, Time",
        "Kelby to Orran, 22:00",
        "See for old new times.",
    )
    assert (art.title, art.author, art.date) == ("Night ferry returns to Kelby", "Jane Doe", "2026-03-03")
    assert art.headings == ("What changes", "Setext sections work too")
    said = " ".join(art.paragraphs)
    for markup in ("*", "_", "`", "#", "[", "](", "<", "|", "---", "fares", "editor", "harbour trust", "jpg", "http"):
        assert markup not in said, markup


@pytest.mark.parametrize(
    "md, title, headings, words",
    [
        ("Title\n=====\n\nBody.\n\nPart two\n--------\n\nMore.", "Title", ("Part two",), "Title\n\nBody.\n\nPart two\n\nMore."),
        ("# One\n## Two ##\n### Three\nText right under it.", "One", ("Two", "Three"), "One\n\nTwo\n\nThree\n\nText right under it."),
        ("Text with a \\*literal\\* star and 2 * 3 = 6.", None, (), "Text with a *literal* star and 2 * 3 = 6."),
        ("[![logo](a.png)](https://x.example)\n_Photo: Jane Doe_\n\nBody.", None, (), "Body."),
    ],
    ids=["setext", "atx-levels", "escapes-and-arithmetic", "linked-image-with-caption"],
)
def test_markdown_rules(md, title, headings, words):
    found = markdown_article(md)
    assert found["title"] == title and found["headings"] == headings
    assert "\n\n".join(loading.split_paragraphs(found["text"])) == words


# --- URLs, served from this machine ----------------------------------------------------------


class _Pages(http.server.BaseHTTPRequestHandler):
    """Serves ``self.server.pages``: path -> (status, headers, body)."""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.requests.append((self.path, self.headers.get("User-Agent")))
        status, headers, body = self.server.pages.get(self.path, (404, {"Content-Type": "text/plain"}, b"not here"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site(monkeypatch):
    """A web server on 127.0.0.1 with pages to fetch; ``site.url(path)``."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.pages, server.requests = {}, []
    server.url = lambda path: f"http://127.0.0.1:{server.server_port}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fetching.forget()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        fetching.forget()


HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_a_url_is_fetched_and_read_like_a_saved_page(site):
    site.pages["/news/night-ferry-returns.html"] = (200, HTML, PAGE.encode())
    url = site.url("/news/night-ferry-returns.html")
    art = clean(load(url))
    assert art.paragraphs == SAID
    assert art.source == url
    assert art.url == "https://kelby-courier.example/news/2026/03/night-ferry-returns"  # the canonical one
    assert site.requests[0][1].startswith("audiobook/")


def test_redirects_are_followed_and_a_page_without_canonical_link_keeps_its_address(site):
    page = PAGE.replace('<link rel="canonical" href="https://kelby-courier.example/news/2026/03/night-ferry-returns">', "")
    site.pages["/old"] = (301, {"Location": "/news/ferry"}, b"")
    site.pages["/news/ferry"] = (200, {"Content-Type": "text/html"}, page.encode())
    assert load(site.url("/old")).url == site.url("/news/ferry")


@pytest.mark.parametrize(
    "headers, body, expected",
    [
        ({"Content-Type": "text/plain; charset=windows-1252"}, "Caf\u00e9 owners cheered.\n\nThe end.".encode("cp1252"), ("Café owners cheered.", "The end.")),
        ({"Content-Type": "text/markdown"}, b"# Ferry\n\nThe **ferry** is back.", ("Ferry", "The ferry is back.")),
        ({"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip.compress(b"<html><body><p>Zipped words here.</p></body></html>"), ("Zipped words here.",)),
    ],
    ids=["text-declared-cp1252", "markdown", "gzip"],
)
def test_a_url_is_read_by_its_content_type(site, headers, body, expected):
    site.pages["/a"] = (200, headers, body)
    assert load(site.url("/a")).paragraphs == expected


@pytest.mark.parametrize(
    "status, headers, body, message, hint",
    [
        (404, {"Content-Type": "text/plain"}, b"gone", "HTTP 404 Not Found", "check the address"),
        (500, {"Content-Type": "text/plain"}, b"oops", "HTTP 500 Internal Server Error", "check the address"),
        (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff\xe0", "is image/jpeg, not a web page", "the address of the article"),
    ],
    ids=["404", "500", "an-image"],
)
def test_http_errors_are_one_load_error(site, status, headers, body, message, hint):
    site.pages["/a"] = (status, headers, body)
    with pytest.raises(LoadError) as err:
        load(site.url("/a"))
    assert message in err.value.message and site.url("/a") in err.value.message
    assert hint in err.value.hint


def test_a_page_over_the_size_limit_is_refused(site, monkeypatch):
    monkeypatch.setattr(fetching, "MAX_BYTES", 1000)
    site.pages["/big"] = (200, HTML, b"<p>" + b"word " * 1000 + b"</p>")
    with pytest.raises(LoadError, match="too large"):
        load(site.url("/big"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "url, reason",
    [
        (f"http://127.0.0.1:{_closed_port()}/news/ferry", "the connection was refused"),
        ("http://kelby-courier.invalid/news/ferry", "the host name cannot be resolved; offline, or no such site"),
    ],
    ids=["refused", "no-such-host"],
)
def test_an_unreachable_url_is_one_load_error_with_the_offline_hint(url, reason):
    fetching.forget()
    with pytest.raises(LoadError) as err:
        load(url)
    assert err.value.one_line() == f"cannot fetch {url}: {reason} (check the connection, or save the page and give the file)"
    assert err.value.exit_code == 2


def test_a_url_is_fetched_once_for_its_build_key_and_its_article(site):
    site.pages["/news/ferry"] = (200, HTML, PAGE.encode())
    url = site.url("/news/ferry")
    key = build_key(url, Options())
    read_article(url, load_profile(), Options())
    assert key is not None and len(site.requests) == 1
    site.pages["/news/ferry"] = (200, HTML, PAGE.replace("Tuesday", "Wednesday").encode())
    assert build_key(url, Options()) != key  # a changed page: a new key, so the episode is rebuilt


@pytest.mark.parametrize(
    "url, slug",
    [
        ("https://kelby.example/news/2026/03/night-ferry-returns", "night-ferry-returns"),
        ("https://kelby.example/news/night-ferry-returns.html?ref=home#top", "night-ferry-returns"),
        ("https://kelby.example/news/night-ferry-returns/amp", "night-ferry-returns"),
        ("https://kelby.example/news/night-ferry-returns/index.html", "night-ferry-returns"),
        ("https://kelby.example/story/12345", None),
        ("https://kelby.example/?p=77", None),
        ("https://kelby.example/", None),
    ],
)
def test_a_urls_episode_is_named_after_its_path_else_its_title(url, slug, tmp_path):
    assert url_slug(url) == slug
    if slug:
        assert output_path(url, tmp_path) == tmp_path / f"{slug}.mp3"
    else:
        assert output_path(url, tmp_path) is None
        assert output_path(url, tmp_path, "Ferry returns") == tmp_path / "ferry-returns.mp3"
        assert _title_from_name(url) == "Kelby.example"


def test_urls_mix_with_files_in_a_batch(tmp_path):
    article = write(tmp_path / "market.txt", "Market opens.\n\nIt was busy.")
    urls = ["https://kelby.example/news/ferry?id=[3]", "https://kelby.example/story/9"]
    assert expand_inputs([article, *urls]) == [article, *urls]  # "?" and "[" are no glob
    assert check_outputs([article, *urls], tmp_path) == [tmp_path / "market.mp3", tmp_path / "ferry.mp3", None]


# --- metadata: where it comes from, what overrides it ----------------------------------------------


def _script(*args, input=None):
    res = CliRunner().invoke(main, ["script", *map(str, args), "--json"], input=input)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_the_page_metadata_reaches_the_script(tmp_path):
    script = _script(write(tmp_path / "ferry.html", PAGE))
    assert (script["title"], script["author"], script["date"]) == ("Night ferry returns to Kelby after ten years", "Jane Doe", "2026-03-03")
    assert script["url"] == "https://kelby-courier.example/news/2026/03/night-ferry-returns"


def test_command_line_options_override_the_page(tmp_path):
    script = _script(write(tmp_path / "ferry.html", PAGE), "--title", "Ferry back", "--author", "Desk", "--date", "2026-03-05")
    assert (script["title"], script["author"], script["date"]) == ("Ferry back", "Desk", "2026-03-05")


def test_the_article_opening_says_what_is_known(tmp_path):
    voices = (Path(__file__).resolve().parent.parent / "voices" / "default.toml").read_text(encoding="utf-8")
    profile = tmp_path / "opening.toml"
    write(profile, voices.replace("[show]\n", '[show]\narticle_opening = ["By {author}.", "From {site}, {date}."]\n'))
    script = _script(write(tmp_path / "ferry.html", PAGE), "--profile", profile)
    said = [s["text"] for s in script["segments"] if s["paragraph"] == 1]
    assert "".join(said) == "By Jane Doe. From The Kelby Courier, 3 March 2026."
    assert script["segments"][0]["text"] == "Night ferry returns to Kelby after ten years"  # the headline first
    # a plain text without a byline: the line naming {author} is left out, and so is the other
    script = _script(write(tmp_path / "note.txt", "Harbour lights on\n\nThe harbour lights were switched on at dusk.\n"), "--profile", profile)
    assert [s["text"] for s in script["segments"]][:2] == ["Harbour lights on", "The harbour lights were switched on at dusk."]
    script = _script(write(tmp_path / "note.txt", "Harbour lights on\n\nThe harbour lights were switched on at dusk.\n"), "--profile", profile, "--author", "Desk")
    assert script["segments"][1]["text"] == "By Desk."


def test_the_article_opening_is_off_by_default():
    assert load_profile().article_opening == ()


@pytest.mark.parametrize(
    "data, paragraphs, title",
    [
        (b"Ferry back\n\nThe *ferry* is back.", ("Ferry back", "The *ferry* is back."), None),  # plain text: as it is
        (b"# Ferry\n\nThe *ferry* is back.", ("Ferry", "The ferry is back."), "Ferry"),  # its headings say Markdown
        (PAGE.encode(), SAID[:1], "Night ferry returns to Kelby after ten years"),
    ],
    ids=["text", "markdown", "html"],
)
def test_stdin_is_read_as_what_it_holds(monkeypatch, data, paragraphs, title):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    art = load("-")
    assert art.paragraphs[: len(paragraphs)] == paragraphs and art.title == title
