"""Load and clean: files in, the words a listener should hear out."""
from __future__ import annotations

import io
import sys

import pytest

from audiobook.clean import (
    LONG_PARAGRAPH,
    clean,
    drop_ad_markers,
    drop_boilerplate_lines,
    extract_metadata,
    normalize_whitespace,
    parse_date,
    split_long_paragraphs,
)
from audiobook.errors import LoadError
from audiobook.load import load, plain_text, split_paragraphs
from audiobook.segment import segment
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
    # each kind has its own cleaner (tests/test_cleaners.py); together they take them all
    text = "Share this article\nAdvertisement\nFollow us on Twitter\nShe shared the article on Facebook.\n• Share on WhatsApp\nRead more: ferries"
    art = clean(Article(source="x", paragraphs=(text,)))
    assert art.paragraphs == ("She shared the article on Facebook.",)
    assert drop_boilerplate_lines("Read more: ferries\nShe read more about ferries.") == "She read more about ferries."


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
    [
        (b"", "empty"),
        (b"  \n\n \t\n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (bytes(range(1, 32)) * 40, "binary"),  # control characters, no NUL
        (bytes((n * 97 + 13) % 255 + 1 for n in range(4000)), "binary"),  # noise: no encoding fits
        (b"\xff\xfeO\x00\x00\xd8", "UTF-16"),  # a UTF-16 BOM, then a broken surrogate
    ],
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


@pytest.mark.parametrize(
    "data, expected",
    [
        # Windows-1252 with curly quotes and accents: charset-normalizer alone calls it cp1250 and misreads è
        ("Le maire a déclaré : « C’est très bien », dit-il — enfin.".encode("cp1252"), "C’est très bien"),
        ("Der Bürgermeister sagte, die Uhr läuft wieder. Größer war die Freude nie.".encode("cp1252"), "Größer"),
        # (a sentence or two is too little for a sure guess between cp1251 and koi8-r; an article is not)
        (
            "Мэр сказал, что часы на площади снова идут. Все жители города были рады этому дню. "
            "Мастера работали над ремонтом три недели, и теперь башня снова звонит каждый час.".encode("cp1251"),
            "часы на площади снова идут",
        ),
        ("The mayor said “hello” to the crowd.".encode("utf-16"), "“hello”"),
        ("The mayor said “hello” to the crowd.".encode("utf-8") + b" Caf\xe9 owners cheered.", "Café owners"),
    ],
    ids=["cp1252-french", "cp1252-german", "cp1251-russian", "utf16-bom", "utf8-with-a-stray-byte"],
)
def test_text_in_other_encodings_is_decoded(tmp_path, data, expected):
    assert expected in " ".join(load(write(tmp_path, "a.txt", data, mode="b")).paragraphs)


def test_control_characters_go_and_the_words_stay_apart():
    text = "A \x07bell\x1b[1;31m rang\x0cout.\x00 The\x1fend\u2028came.\u2029Soft\u00adware \u202eworks\u202c."
    assert plain_text(text) == "A bell rang out. The end\ncame.\n\nSoftware works."


def test_a_page_saved_as_txt_is_read_as_html(tmp_path):
    page = "<!DOCTYPE html><html><head><script>var said = \"nothing\";</script></head><body><p>Real words.</p></body></html>"
    assert load(write(tmp_path, "page.txt", page)).paragraphs == ("Real words.",)


def test_a_giant_paragraph_is_cut_at_sentence_ends_outside_quotes():
    sentences = ["The ferry left at noon. ", "“We are late again, as usual. Nobody minds,” said Ann Lee. ", "Gulls followed it. "]
    text = "".join(sentences[i % 3] for i in range(300)).strip()
    pieces = split_long_paragraphs(text).split("\n\n")
    assert len(pieces) > 1 and all(len(p) <= LONG_PARAGRAPH for p in pieces)
    assert " ".join(pieces) == text  # every word kept, in order
    assert all(p.count("“") == p.count("”") for p in pieces)  # no quote cut in two


def test_a_giant_quote_is_cut_inside_and_reopened_news_style():
    text = "“" + "This is one more sentence of a very long statement. " * 200 + "” he said."
    pieces = split_long_paragraphs(text).split("\n\n")
    assert len(pieces) > 1 and all(len(p) <= LONG_PARAGRAPH for p in pieces)
    assert all(p.startswith("“") for p in pieces)
    segs = segment(pieces)
    assert [s.kind for s in segs] == ["quote"] * len(pieces) + ["narration"]
    assert segs[-1].text == " he said."


def test_short_paragraphs_are_left_alone():
    text = "One short paragraph.\n\nAnother one."
    assert split_long_paragraphs(text) is text
