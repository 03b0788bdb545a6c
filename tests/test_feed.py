"""The podcast feed: real MP3s in a folder -> feed.xml, read back with feedparser."""
from __future__ import annotations

from dataclasses import replace

import calendar
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from audiobook.cli import main
from audiobook.errors import InputError
from audiobook.feed import ITUNES, PODCAST, write_feed
from audiobook.models import NARRATION, Chapter, Script, ScriptSegment
from audiobook.stitch import find_ffmpeg
from audiobook.tag import tag

BASE = "https://pods.example.org/kelby/"


def script(title: str, body: str, *, date: str | None, author: str = "Martha Okafor", chapters=()) -> Script:
    return Script(
        title=title,
        segments=(
            ScriptSegment(NARRATION, title, 0, "narrator"),
            ScriptSegment(NARRATION, body, 1, "narrator"),
            ScriptSegment(NARRATION, "A second paragraph the summary leaves out.", 2, "narrator"),
        ),
        author=author,
        date=date,
        source="https://news.example.org/story",
        chapters=chapters,
    )


FERRY = script("Night ferry returns to Kelby", "Councillors voted on Tuesday to bring the ferry back.", date="2024-03-10")
BRIDGE = script(
    "Bridge & tunnel: <costs> rise",
    "The bridge will cost \u201cmore than planned\u201d, officials said.\x0b",
    date="2024-03-14",
    chapters=(Chapter("Costs", 0, 0.0, 1.0), Chapter("Reaction", 2, 1.0, 2.0)),
)
UNDATED = script("Harbour wall repaired", "Work on the harbour wall has finished.", date=None)


@pytest.fixture(scope="module")
def sine(tmp_path_factory) -> Path:
    """A 2-second mono MP3 made by the real ffmpeg."""
    out = tmp_path_factory.mktemp("sine") / "sine.mp3"
    subprocess.run(
        [find_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         "-ac", "1", "-ar", "22050", "-b:a", "64k", str(out)],
        check=True,
    )
    return out


def add_episode(folder: Path, sine: Path, slug: str, episode: Script) -> Path:
    mp3 = folder / f"{slug}.mp3"
    shutil.copyfile(sine, mp3)
    tag(mp3, episode, show="Kelby Weekly")
    (folder / f"{slug}.json").write_text(json.dumps(episode.to_dict(), ensure_ascii=False), encoding="utf-8")
    return mp3


@pytest.fixture
def folder(tmp_path, sine) -> Path:
    """Two tagged episodes; the older one has captions and chapters, the newer its own cover."""
    out = tmp_path / "output"
    out.mkdir()
    add_episode(out, sine, "night-ferry", FERRY)
    add_episode(out, sine, "bridge-costs", BRIDGE)
    (out / "night-ferry.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nCouncillors voted.\n", encoding="utf-8")
    (out / "night-ferry.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nCouncillors voted.\n", encoding="utf-8")
    (out / "night-ferry.chapters.json").write_text('{"version": "1.2.0", "chapters": []}', encoding="utf-8")
    shutil.copyfile(Path(__file__).parent / "data" / "quotes" / "05-wire-wildfire.json", out / "ignored.json")
    png(out / "bridge-costs.png", 1400)
    (out / ".bridge-costs.x1.partial.mp3").write_bytes(b"half an episode")  # a build in progress
    return out


def png(path: Path, size: int) -> Path:
    from PIL import Image

    Image.new("RGB", (size, size), (20, 60, 90)).save(path)
    return path


def write(folder: Path, **overrides) -> Path:
    options = dict(base_url=BASE, title="Kelby Weekly", author="Kelby News", description="Local news, read aloud.")
    options.update(overrides)
    return write_feed(folder, **options)


def parse(path: Path):
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_channel_has_what_apple_requires(folder):
    path = write(folder)
    assert path == folder / "feed.xml"
    channel = parse(path).feed
    assert channel.title == "Kelby Weekly"
    assert channel.author == "Kelby News"  # itunes:author
    assert channel.language == "en"
    assert channel.subtitle == "Local news, read aloud."  # description
    assert channel.link == BASE
    assert channel.image.href == BASE + "cover.jpg"
    assert channel.tags[0].term == "News"
    assert channel.generator.startswith("audiobook")
    # Apple's values are "true"/"false"; feedparser only maps the old "yes"/"clean"
    assert ET.parse(path).getroot().findtext(f"channel/{{{ITUNES}}}explicit") == "false"


def test_default_cover_is_drawn_square_and_within_apples_sizes(folder):
    from PIL import Image

    write(folder)
    with Image.open(folder / "cover.jpg") as img:
        assert img.format == "JPEG" and img.width == img.height and 1400 <= img.width <= 3000


def test_items_newest_first_with_enclosure_guid_date_duration(folder):
    entries = parse(write(folder)).entries
    assert [e.title for e in entries] == ["Bridge & tunnel: <costs> rise", "Night ferry returns to Kelby"]
    for entry, slug in zip(entries, ["bridge-costs", "night-ferry"]):
        (enclosure,) = entry.enclosures
        assert enclosure.href == f"{BASE}{slug}.mp3"
        assert int(enclosure.length) == (folder / f"{slug}.mp3").stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert entry.guidislink is False and len(entry.id) == 36
        assert entry.itunes_duration in ("2", "3")  # 2 s of sine, plus the encoder's padding
    assert entries[0].published == "Thu, 14 Mar 2024 12:00:00 GMT"
    assert entries[1].published == "Sun, 10 Mar 2024 12:00:00 GMT"
    assert entries[0].author == "Martha Okafor"


def test_description_is_the_first_paragraph_not_the_headline(folder):
    ferry, bridge = reversed(parse(write(folder)).entries)
    assert ferry.summary.startswith("Councillors voted on Tuesday to bring the ferry back.")
    assert "second paragraph" not in ferry.summary
    assert "Source: https://news.example.org/story" in ferry.summary
    assert "Chapters: Costs (0:00); Reaction (0:01)" in bridge.summary
    assert "\x0b" not in bridge.summary  # a control character XML cannot carry is dropped


def test_an_episode_from_a_web_page_links_to_it(folder, sine):
    add_episode(folder, sine, "from-the-web", replace(FERRY, title="Ferry timetable", url="https://news.example.org/ferry-timetable"))
    entries = {e.title: e for e in parse(write(folder)).entries}
    assert entries["Ferry timetable"].link == "https://news.example.org/ferry-timetable"
    assert "Source: https://news.example.org/ferry-timetable" in entries["Ferry timetable"].summary
    assert entries["Night ferry returns to Kelby"].link == "https://news.example.org/story"  # its source was a URL
    add_episode(folder, sine, "from-a-file", replace(FERRY, title="Harbour wall", source="articles/harbour-wall.txt"))
    items = {i.findtext("title"): i for i in ET.parse(write(folder)).getroot().findall("channel/item")}
    assert items["Harbour wall"].find("link") is None  # a file has no address to link to


def test_podcast_namespace_transcripts_chapters_and_episode_cover(folder):
    path = write(folder)
    text = path.read_text(encoding="utf-8")
    assert 'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in text
    assert 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in text
    channel = ET.parse(path).getroot().find("channel")
    assert len(channel.findtext(f"{{{PODCAST}}}guid")) == 36
    bridge, ferry = channel.findall("item")
    transcripts = {t.get("type"): t.get("url") for t in ferry.findall(f"{{{PODCAST}}}transcript")}
    assert transcripts == {"text/vtt": BASE + "night-ferry.vtt", "application/x-subrip": BASE + "night-ferry.srt"}
    chapters = ferry.find(f"{{{PODCAST}}}chapters")
    assert chapters.get("url") == BASE + "night-ferry.chapters.json"
    assert chapters.get("type") == "application/json+chapters"
    assert ferry.find(f"{{{ITUNES}}}image") is None
    assert bridge.find(f"{{{ITUNES}}}image").get("href") == BASE + "bridge-costs.png"
    assert bridge.find(f"{{{PODCAST}}}transcript") is None and bridge.find(f"{{{PODCAST}}}chapters") is None


def test_rerun_keeps_guids_and_adds_the_new_episode_first(folder, sine):
    first = parse(write(folder))
    before = {e.enclosures[0].href.rsplit("/", 1)[1]: e.id for e in first.entries}
    mp3 = add_episode(folder, sine, "harbour-wall", UNDATED)
    os.utime(mp3, (1900000000, 1900000000))  # undated: the file time (2030-03-17) is its date
    # a new base URL would give new UUID5s: the GUIDs must come from the old feed
    second = parse(write(folder, base_url="http://192.168.1.20:8000"))
    assert second.feed.podcast_guid == first.feed.podcast_guid  # the show's, made once
    entries = second.entries
    after = {e.enclosures[0].href.rsplit("/", 1)[1]: e.id for e in entries}
    assert {k: after[k] for k in before} == before
    assert entries[0].title == "Harbour wall repaired" and after["harbour-wall.mp3"] not in before.values()
    assert entries[0].published_parsed and calendar.timegm(entries[0].published_parsed) == 1900000000
    assert entries[0].enclosures[0].href == "http://192.168.1.20:8000/harbour-wall.mp3"


def test_a_guid_already_in_the_feed_is_kept_whatever_it_is(folder):
    path = write(folder)
    path.write_text(path.read_text(encoding="utf-8").replace(parse(path).entries[1].id, "ferry-episode-1"), encoding="utf-8")
    assert parse(write(folder)).entries[1].id == "ferry-episode-1"


def test_given_image_is_copied_into_the_folder_and_linked(folder, tmp_path):
    art = png(tmp_path / "Show Art.png", 1500)
    channel = parse(write(folder, image=art)).feed
    assert channel.image.href == BASE + "cover.png"
    assert (folder / "cover.png").read_bytes() == art.read_bytes()
    assert not (folder / "cover.jpg").exists()
    # next run without --image keeps the cover the feed had
    assert parse(write(folder)).feed.image.href == BASE + "cover.png"


def test_options_category_explicit_language_owner(folder):
    path = write(folder, category="News/Daily News", explicit=True, language="en-GB", owner_email="desk@example.org")
    channel = parse(path).feed
    assert [t.term for t in channel.tags] == ["News", "Daily News"]
    assert ET.parse(path).getroot().findtext(f"channel/{{{ITUNES}}}explicit") == "true"
    assert channel.language == "en-GB"
    assert channel.publisher_detail.email == "desk@example.org"


@pytest.mark.parametrize(
    "make, kwargs, words",
    [
        (lambda tmp: tmp / "missing", {}, "no such folder"),
        (lambda tmp: tmp, {}, "no episodes"),
        (lambda tmp: tmp, {"base_url": "ftp://example.org/"}, "not an http(s) URL"),
        (lambda tmp: tmp, {"base_url": "output/"}, "not an http(s) URL"),
        (lambda tmp: tmp, {"title": "  "}, "--title is empty"),
        (lambda tmp: tmp, {"language": "English"}, "not a language code"),
        (lambda tmp: tmp, {"image": Path(__file__)}, "not an image"),
    ],
)
def test_bad_input_is_an_input_error_with_a_hint(tmp_path, make, kwargs, words):
    with pytest.raises(InputError) as caught:
        write(make(tmp_path), **kwargs)
    assert words in caught.value.message and caught.value.hint


def test_an_unreadable_mp3_is_left_out_not_fatal(folder, caplog):
    (folder / "broken.mp3").write_bytes(b"not audio at all" * 100)
    entries = parse(write(folder)).entries
    assert len(entries) == 2 and "broken.mp3" in caplog.text


def test_feed_is_written_atomically_leaving_no_temporary_files(folder):
    write(folder)
    write(folder)
    assert not [p for p in folder.iterdir() if p.name.startswith(".feed.")]


# --- the command line --------------------------------------------------------


@pytest.mark.parametrize("command", ["feed", "serve"])
def test_new_commands_have_help_with_an_example(command):
    res = CliRunner().invoke(main, [command, "--help"])
    assert res.exit_code == 0
    assert "Example" in res.output and f"audiobook {command}" in res.output


def test_feed_command_writes_the_feed(folder):
    res = CliRunner().invoke(main, ["feed", str(folder), "--base-url", BASE, "--title", "Kelby Weekly", "--author", "Kelby News"])
    assert res.exit_code == 0, res.output
    assert f"{BASE}feed.xml" in res.output
    assert len(parse(folder / "feed.xml").entries) == 2


def test_feed_command_bad_url_is_one_line_and_exit_2(folder):
    res = CliRunner().invoke(main, ["feed", str(folder), "--base-url", "example.org", "--title", "T", "--author", "A"])
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line]
    assert len(lines) == 1 and "not an http(s) URL" in lines[0] and "--base-url http://" in lines[0]
