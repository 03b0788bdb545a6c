"""Each input kind end to end (issue 7, item 1): the real CLI in its own
process, the real speech engine and ffmpeg, the MP3's tags read back.

    saved HTML page   test_a_saved_page_builds_with_its_metadata_in_the_tags
    URL               test_urls_and_files_build_in_one_batch_and_rebuild_only_when_changed,
                      test_an_unreachable_url_is_one_line_exit_2_and_nothing_is_written
    Markdown          test_markdown_sections_become_chapters_and_options_override_front_matter
    plain text        tests/test_end_to_end.py (the bundled example, tags and all)
    stdin (-)         tests/test_end_to_end.py::test_stdin_build, and Markdown on stdin below

The pages and articles are short (a build takes a second or two) and were
written for these tests.
"""
from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from audiobook.tag import read_chapters, read_tags

from .test_inputs import HTML, PAGE, _Pages

CANONICAL = "https://kelby-courier.example/news/2026/03/night-ferry-returns"
FURNITURE = ("Scroll down", "Advertisement", "Sign up", "Share", "Tweet", "Photo", "Sam Reed", "Most read", "Bus fares",
             "Home", "©", "analytics", "By Jane Doe", "Published")

MARKDOWN = """---
title: Harbour lights switched back on
author: Ilse Marten
date: 2026-02-05
---

# Harbour lights switched back on

![The lights at dusk](lights.jpg)
*The lights at dusk on Friday*

The harbour lights were switched on again at dusk on **Friday**.

## The new lamps

Each lamp uses a tenth of the power of the old ones.

## What comes next

The council will light the quay wall in *spring*.
"""


def run(*args, env, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *map(str, args)], capture_output=True, text=True, env=env, input=stdin, timeout=600
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    clean_env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # 127.0.0.1 directly
    return {**clean_env, "AUDIOBOOK_CACHE_DIR": str(cache), "NO_PROXY": "127.0.0.1,localhost"}


@pytest.fixture
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    server.pages, server.requests = {}, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def said(script: dict) -> str:
    return " ".join(s.get("open", "") + s["text"] + s.get("close", "") for s in script["segments"])


def check_ferry_episode(mp3: Path, comment: str) -> dict:
    """What every build of PAGE must give: its metadata in the tags, its article and nothing else."""
    tags = read_tags(mp3)
    assert tags["title"] == "Night ferry returns to Kelby after ten years"
    assert tags["artist"] == "Jane Doe"
    assert tags["date"] == "2026-03-03"
    assert tags["url"] == CANONICAL  # the WOAS frame
    assert tags["comment"] == comment
    script = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    assert (script["url"], script["author"], script["date"]) == (CANONICAL, "Jane Doe", "2026-03-03")
    text = said(script)
    assert text.startswith("Night ferry returns to Kelby after ten years")
    assert "It is a good day for the whole town." in text and "every seat on the upper deck" in text
    assert text.count("We waited a decade for this") == 1  # the pull quote is not read twice
    for junk in FURNITURE:
        assert junk not in text, junk
    assert [c["title"] for c in read_chapters(mp3)] == ["Night ferry returns to Kelby after ten years", "A long campaign"]
    return script


def test_a_saved_page_builds_with_its_metadata_in_the_tags(tmp_path, env):
    page = tmp_path / "saved-page.html"
    page.write_text(PAGE, encoding="utf-8")
    out = tmp_path / "out"
    res = run("build", page, "-o", out, env=env)
    assert res.returncode == 0, res.stderr
    check_ferry_episode(out / "saved-page.mp3", "Source: saved-page.html")


def test_urls_and_files_build_in_one_batch_and_rebuild_only_when_changed(tmp_path, env, site):
    site.pages["/news/2026/03/night-ferry-returns"] = (200, HTML, PAGE.encode())
    site.pages["/story/4471"] = (200, HTML, PAGE.replace("Night ferry returns to Kelby after ten years", "Ferry timetable published").encode())
    named = f"http://127.0.0.1:{site.server_port}/news/2026/03/night-ferry-returns"
    unnamed = f"http://127.0.0.1:{site.server_port}/story/4471"
    text = tmp_path / "lights.txt"
    text.write_text("Harbour lights switched on\n\nThe harbour lights were switched on at dusk on Friday.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = run("build", named, text, unnamed, "-o", out, env=env)
    assert res.returncode == 0, res.stderr
    assert "3 articles: 3 built, 0 skipped, 0 failed" in res.stderr
    assert sorted(p.name for p in out.glob("*.mp3")) == ["ferry-timetable-published.mp3", "lights.mp3", "night-ferry-returns.mp3"]
    check_ferry_episode(out / "night-ferry-returns.mp3", f"Source: {named}")
    assert [path for path, _ in site.requests].count("/news/2026/03/night-ferry-returns") == 1  # one fetch for the build key and the article
    # unchanged pages: skipped, each fetched once more to know that
    res = run("build", named, text, unnamed, "-o", out, env=env)
    assert res.returncode == 0, res.stderr
    assert "3 articles: 0 built, 3 skipped, 0 failed" in res.stderr
    # a page that changed is built again
    site.pages["/story/4471"] = (200, HTML, site.pages["/story/4471"][2].replace(b"Tuesday", b"Wednesday"))
    res = run("build", named, text, unnamed, "-o", out, env=env)
    assert "3 articles: 1 built, 2 skipped, 0 failed" in res.stderr, res.stderr


def test_two_pages_named_alike_are_not_written_over_each_other(tmp_path, env, site):
    page = "<html><head><title>Quay wall repaired</title></head><body><article><h1>Quay wall repaired</h1><p>{}</p></article></body></html>"
    site.pages["/story/1"] = (200, HTML, page.format("Work on the quay wall finished on Monday.").encode())
    site.pages["/story/2"] = (200, HTML, page.format("The quay wall reopened to walkers on Friday.").encode())
    first, second = (f"http://127.0.0.1:{site.server_port}/story/{n}" for n in (1, 2))
    out = tmp_path / "out"
    res = run("build", first, second, "-o", out, env=env)
    assert res.returncode == 1
    assert f"{second}: its episode would be written to {out / 'quay-wall-repaired.mp3'}, as another article's is" in res.stderr
    assert "2 articles: 1 built, 0 skipped, 1 failed" in res.stderr
    script = json.loads((out / "quay-wall-repaired.json").read_text(encoding="utf-8"))
    assert script["source"] == first


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", ["build", "script"])
def test_an_unreachable_url_is_one_line_exit_2_and_nothing_is_written(tmp_path, env, command):
    url = f"http://127.0.0.1:{_closed_port()}/news/night-ferry-returns"
    out = tmp_path / "out"
    res = run(command, url, *(["-o", out] if command == "build" else []), env=env)
    assert res.returncode == 2, res.stderr
    assert res.stderr == f"audiobook: error: cannot fetch {url}: the connection was refused (check the connection, or save the page and give the file)\n"
    assert not out.exists() or not any(out.iterdir())


def test_markdown_sections_become_chapters_and_options_override_front_matter(tmp_path, env):
    article = tmp_path / "lights.md"
    article.write_text(MARKDOWN, encoding="utf-8")
    out = tmp_path / "out"
    res = run("build", article, "-o", out, "--author", "Kelby Desk", "--date", "2026-02-06", env=env)
    assert res.returncode == 0, res.stderr
    mp3 = out / "lights.mp3"
    assert [c["title"] for c in read_chapters(mp3)] == ["Harbour lights switched back on", "The new lamps", "What comes next"]
    tags = read_tags(mp3)
    assert (tags["title"], tags["artist"], tags["date"]) == ("Harbour lights switched back on", "Kelby Desk", "2026-02-06")
    assert "url" not in tags
    text = said(json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8")))
    for markup in ("#", "*", "](", "lights.jpg", "The lights at dusk", "---", "Ilse"):
        assert markup not in text, markup


def test_markdown_on_stdin_is_read_as_markdown(tmp_path, env):
    res = run("build", "-", "-o", tmp_path, env=env, stdin=MARKDOWN)
    assert res.returncode == 0, res.stderr
    mp3 = tmp_path / "harbour-lights-switched-back-on.mp3"
    assert [c["title"] for c in read_chapters(mp3)][1:] == ["The new lamps", "What comes next"]
    assert read_tags(mp3)["artist"] == "Ilse Marten"
