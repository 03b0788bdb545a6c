"""The text half of the pipeline: scripts for one article and for digests (no audio)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from audiobook.models import Chapter, Script, ScriptSegment
from audiobook.pipeline import Options, make_digest_script, make_script, slugify

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "ferry-returns.txt")

SECTIONS = """# Harbour news

The harbour opened today. “It is great,” said Ann Lee.

## Boats

The boats came back. “We missed it,” said Bob Ray.

## Weather

It rained all day.
"""


def test_markdown_sections_become_chapters(tmp_path):
    md = tmp_path / "news.md"
    md.write_text(SECTIONS, encoding="utf-8")
    script = make_script(str(md))
    assert script.title == "Harbour news"
    assert [c.title for c in script.chapters] == ["Harbour news", "Boats", "Weather"]
    assert [script.segments[c.first_segment].text for c in script.chapters] == ["Harbour news", "Boats", "Weather"]


def test_plain_article_has_no_chapters():
    assert make_script(EXAMPLE).chapters == ()


def test_digest_opens_with_the_show_announces_each_article_and_has_a_chapter_each(tmp_path):
    plain = tmp_path / "no-headline.txt"
    plain.write_text("The council met on Tuesday.\n\nIt agreed the budget.\n", encoding="utf-8")
    md = tmp_path / "news.md"
    md.write_text(SECTIONS, encoding="utf-8")
    script = make_digest_script([EXAMPLE, str(plain), str(md)], Options(show="Kelby Evening"), title="Morning", day=date(2026, 11, 27))
    texts = [s.text for s in script.segments]
    assert texts[0] == "This is Kelby Evening for Friday 27 November 2026."
    titles = [c.title for c in script.chapters]
    assert titles == [
        "Kelby Evening",
        "Night ferry to return to Kelby harbour after a decade away",
        "No headline",
        "Harbour news",
        "Harbour news: Boats",
        "Harbour news: Weather",
    ]
    # the article without a headline is announced by its title before its first words
    announce = script.chapters[2].first_segment
    assert texts[announce] == "No headline" and texts[announce + 1] == "The council met on Tuesday."
    # paragraphs never collide between articles
    paragraphs = [s.paragraph for s in script.segments]
    assert paragraphs == sorted(paragraphs)
    assert script.date == "2026-11-27" and script.author == "Martha Okafor"
    # one speaker in several articles keeps one voice; quotes never get the narrator
    assert all(s.voice != "narrator" for s in script.segments if s.kind == "quote")


def test_digest_without_show_has_no_opening():
    script = make_digest_script([EXAMPLE], Options(), title="T", day=date(2026, 1, 1))
    assert script.segments[0].text.startswith("Night ferry")
    assert [c.title for c in script.chapters] == ["Night ferry to return to Kelby harbour after a decade away"]


def test_chapter_timings_come_from_their_segments():
    segs = tuple(ScriptSegment("narration", f"Part {i}.", i, "narrator") for i in range(3))
    script = Script("T", segs, chapters=(Chapter("A", 0), Chapter("B", 2)))
    timed = script.with_timings([(0.3, 1.0), (1.8, 2.5), (3.2, 4.0)], duration=4.7)
    assert [(c.start, c.end) for c in timed.chapters] == [(0.0, 3.2), (3.2, 4.7)]


def test_slugify():
    assert slugify("Über die Brücke: ’90s!") == "uber-die-brucke-90s"
    assert slugify("!!!") == "episode"
