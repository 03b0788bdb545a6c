"""Load and clean: files in, the words a listener should hear out."""
from __future__ import annotations

import io
import sys

import pytest

from audiobook.clean import clean, drop_ad_markers, drop_boilerplate_lines, extract_metadata, normalize_whitespace, parse_date
from audiobook.errors import LoadError
from audiobook.load import load, split_paragraphs
from audiobook.models import Article


def write(tmp_path, name, content, mode="w"):
    path = tmp_path / name
    if mode == "w":
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


def test_paragraphs_split_on_blank_lines_and_keep_wrapped_lines_together(tmp_path):
    art = clean(load(write(tmp_path, "a.txt", "First line\nwraps here.\n\n  \nSecond para.\n")))
    assert art.paragraphs == ("First line wraps here.", "Second para.")


def test_text_without_blank_lines_has_a_paragraph_per_line():
    assert split_paragraphs("One.\nTwo.\nThree.") == ["One.", "Two.", "Three."]


def test_ad_markers_are_removed_in_any_common_spelling():
    assert drop_ad_markers("a [ad_1] b [AD 2] c [ad] d [advertisement] e") == "a  b  c  d  e"


def test_boilerplate_lines_go_but_sentences_that_mention_them_stay():
    text = "Share this article\nAdvertisement\nFollow us on Twitter\nShe shared the article on Facebook.\n• Share on WhatsApp"
    assert drop_boilerplate_lines(text) == "She shared the article on Facebook."


def test_whitespace_is_normalised_and_paragraphs_kept():
    assert normalize_whitespace("a\u00a0 b\t c\u200b\n\n\n\nnext   one") == "a b c\n\nnext one"


def test_headline_byline_and_date_become_metadata(tmp_path):
    text = "Ferry returns to the harbour\n\nBy Jane Doe | Published 3 March 2026\n\nThe ferry is back. It sails at six.\n\nMore text here."
    art = clean(load(write(tmp_path, "a.txt", text)))
    assert art.title == "Ferry returns to the harbour"
    assert art.author == "Jane Doe"
    assert art.date == "2026-03-03"
    assert art.paragraphs == ("Ferry returns to the harbour", "The ferry is back. It sails at six.", "More text here.")


def test_byline_split_over_two_lines():
    body, title, author, date = extract_metadata(["By\nSam Reed, Political Editor", "Body text here."])
    assert author == "Sam Reed"
    assert body == ["Body text here."]


def test_a_sentence_starting_with_by_is_not_a_byline():
    body, _, author, _ = extract_metadata(["By the time the ferry docked, the crowd had gone.", "More."])
    assert author is None
    assert body[0].startswith("By the time")


def test_a_first_sentence_is_not_taken_for_a_headline():
    _, title, _, _ = extract_metadata(["The council met on Tuesday to discuss the plan.", "More."])
    assert title is None


@pytest.mark.parametrize(
    "text, iso",
    [("14 March 2026", "2026-03-14"), ("March 14, 2026", "2026-03-14"), ("2026-03-14T07:40", "2026-03-14"), ("Sept 3rd 2025", "2025-09-03"), ("no date", None), ("31 February 2026", None)],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_markdown_keeps_words_and_drops_markup(tmp_path):
    md = "# Big news\n\nSome **bold** and *italic* and a [link](http://x.example).\n\n- a bullet item\n"
    art = clean(load(write(tmp_path, "a.md", md)))
    assert art.title == "Big news"
    assert art.paragraphs == ("Big news", "Some bold and italic and a link.", "a bullet item")


def test_html_reads_headline_and_paragraphs_and_skips_scripts(tmp_path):
    html = "<html><head><title>Site | News</title><script>var x = 1;</script></head><body><nav>Home</nav><h1>Ferry back</h1><p>It&rsquo;s here.</p><aside>Ad</aside><p>Second <b>para</b>.</p></body></html>"
    art = clean(load(write(tmp_path, "a.html", html)))
    assert art.title == "Ferry back"
    assert art.paragraphs == ("Ferry back", "It\u2019s here.", "Second para.")


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Hello there.\n\nSecond.".encode())))
    assert load("-").paragraphs == ("Hello there.", "Second.")


def test_utf8_bom_and_crlf_are_handled(tmp_path):
    art = load(write(tmp_path, "a.txt", "\ufeffOne.\r\n\r\nTwo.".encode(), mode="b"))
    assert art.paragraphs == ("One.", "Two.")


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b"  \n\n \t\n", "empty"), (b"\x00\x01\x02binary", "binary"), (b"caf\xe9 au lait", "not UTF-8")],
)
def test_bad_files_raise_a_load_error_with_a_hint(tmp_path, content, message):
    with pytest.raises(LoadError) as err:
        load(write(tmp_path, "bad.txt", content, mode="b"))
    assert message in str(err.value)
    assert err.value.hint
    assert err.value.exit_code == 2


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(LoadError, match="no such file"):
        load(str(tmp_path / "nope.txt"))
    with pytest.raises(LoadError, match="folder"):
        load(str(tmp_path))


def test_clean_keeps_the_articles_own_words():
    art = Article(source="x", paragraphs=("“It’s fine,” she said [ad_3]. Jones’ car.",))
    assert clean(art).paragraphs == ("“It’s fine,” she said . Jones’ car.",)
