"""Unit tests for audiobook.segment: one test per quoting habit, plus round trips."""
from __future__ import annotations

import random

import pytest

from audiobook.models import NARRATION, QUOTE
from audiobook.segment import QuoteSpan, quote_spans, segment


def shape(paragraphs):
    """(kind, text) of every segment, the form most tests assert on."""
    return [(s.kind, s.text) for s in segment(paragraphs)]


def rebuilt(paragraphs):
    segs = segment(paragraphs)
    return ["".join(s.open + s.text + s.close for s in segs if s.paragraph == p)
            for p in range(len(paragraphs))]


def test_curly_double_quote():
    segs = segment(["She said “the bridge is open” on Monday."])
    assert [(s.kind, s.text, s.open, s.close) for s in segs] == [
        (NARRATION, "She said ", "", ""),
        (QUOTE, "the bridge is open", "“", "”"),
        (NARRATION, " on Monday.", "", ""),
    ]
    assert all(s.speaker is None for s in segs)


def test_straight_double_quote():
    assert shape(['"Rain is coming," the forecaster warned.']) == [
        (QUOTE, "Rain is coming,"),
        (NARRATION, " the forecaster warned."),
    ]


def test_nested_single_quotes_stay_inside_the_outer_quote():
    assert shape(["“We call it ‘the long walk’ here,” she said."]) == [
        (QUOTE, "We call it ‘the long walk’ here,"),
        (NARRATION, " she said."),
    ]
    assert shape(["\"He shouted 'stop' twice,\" Lee said."]) == [
        (QUOTE, "He shouted 'stop' twice,"),
        (NARRATION, " Lee said."),
    ]


def test_quote_continued_across_paragraphs():
    segs = segment(["He said: “The first part.", "“The second part.", "“The end.” Then he left."])
    assert [(s.paragraph, s.kind, s.text, s.open, s.close) for s in segs] == [
        (0, NARRATION, "He said: ", "", ""),
        (0, QUOTE, "The first part.", "“", ""),
        (1, QUOTE, "The second part.", "“", ""),
        (2, QUOTE, "The end.", "“", "”"),
        (2, NARRATION, " Then he left.", "", ""),
    ]


def test_straight_quote_continued_across_paragraphs():
    assert shape(['"One," she said. "Two.', '"Three."']) == [
        (QUOTE, "One,"), (NARRATION, " she said. "), (QUOTE, "Two."), (QUOTE, "Three."),
    ]


def test_quote_never_closed_ends_with_its_paragraph():
    segs = segment(["She added: “It will be fine.", "Nobody answered."])
    assert [(s.kind, s.text, s.close) for s in segs] == [
        (NARRATION, "She added: ", ""),
        (QUOTE, "It will be fine.", ""),
        (NARRATION, "Nobody answered.", ""),
    ]


def test_new_opening_mark_inside_an_open_quote_starts_a_new_quote():
    assert shape(['He said: "We won. "Next year we win again." Then he sat.']) == [
        (NARRATION, "He said: "),
        (QUOTE, "We won."),
        (NARRATION, " "),
        (QUOTE, "Next year we win again."),
        (NARRATION, " Then he sat."),
    ]


@pytest.mark.parametrize("text", [
    "It’s late and we don't know.",
    "The Jones’ house and the Smiths' car.",
    "Music of the ’90s and the '80s.",
    "He stayed 'cause he could, ‘cause he would.",
    "They played rock 'n' roll and rock ’n’ roll.",
    "It was five o’clock.",
    "The Achilles' heel of the players' union.",
])
def test_apostrophes_are_not_quote_marks(text):
    assert shape([text]) == [(NARRATION, text)]


def test_curly_single_quotes_as_primary_marks():
    assert shape(["He said the team was ‘tired but it’s fine’ and left."]) == [
        (NARRATION, "He said the team was "),
        (QUOTE, "tired but it’s fine"),
        (NARRATION, " and left."),
    ]


def test_curly_single_quote_after_plural_possessive():
    assert shape(["She called it ‘the farmers’ best year’ on radio."]) == [
        (NARRATION, "She called it "),
        (QUOTE, "the farmers’ best year"),
        (NARRATION, " on radio."),
    ]


def test_curly_single_quote_continued_and_unclosed():
    assert shape(["He said: ‘We’ll see.", "‘It is early.", "Then he left."]) == [
        (NARRATION, "He said: "), (QUOTE, "We’ll see."), (QUOTE, "It is early."),
        (NARRATION, "Then he left."),
    ]


def test_straight_single_quotes_only_when_balanced():
    assert shape(["Critics called the plan 'reckless' yesterday."]) == [
        (NARRATION, "Critics called the plan "),
        (QUOTE, "reckless"),
        (NARRATION, " yesterday."),
    ]
    # No closing mark: the lone ' is more likely an apostrophe than a quote.
    assert shape(["He said 'maybe later and walked off."]) == [
        (NARRATION, "He said 'maybe later and walked off."),
    ]


def test_straight_double_marks_decided_by_context():
    assert shape(['The sign read:"Closed" all week.']) == [
        (NARRATION, "The sign read:"), (QUOTE, "Closed"), (NARRATION, " all week."),
    ]
    # A 12" record: a closer with nothing open is left in the narration.
    assert shape(['He bought a 12" record.']) == [(NARRATION, 'He bought a 12" record.')]


def test_odd_straight_mark_at_paragraph_start_reopens_the_quote():
    assert shape(['She said: "First.', '" and second," she added.']) == [
        (NARRATION, "She said: "),
        (QUOTE, "First."),
        (QUOTE, " and second,"),
        (NARRATION, " she added."),
    ]
    # Whatever its shape, a leading mark of the carried family re-opens the quote.
    assert quote_spans("’Tis late,’ he said.", continues="single")[0][0].open == "’"
    assert quote_spans("’Tis late,’ he said.")[0] == []


def test_scare_quotes_and_titles_are_quote_segments():
    assert shape(["Critics said the “whitewash” aired on \"Final Verdict\" again."]) == [
        (NARRATION, "Critics said the "),
        (QUOTE, "whitewash"),
        (NARRATION, " aired on "),
        (QUOTE, "Final Verdict"),
        (NARRATION, " again."),
    ]


def test_quote_narration_quote():
    assert shape(["“We are,” he said, “very happy.”"]) == [
        (QUOTE, "We are,"), (NARRATION, " he said, "), (QUOTE, "very happy."),
    ]


def test_blank_quotes_and_whitespace_between_quotes():
    assert shape(["An empty “” pair."]) == [(NARRATION, "An empty “” pair.")]
    assert shape(["“Yes” “No”"]) == [(QUOTE, "Yes"), (NARRATION, " "), (QUOTE, "No")]
    assert segment([""]) == []


def test_quote_spans_exposes_positions_for_later_stages():
    text = "He called it “awful” today."
    spans, carried = quote_spans(text)
    assert spans == [QuoteSpan(14, 19, "“", "”", "double")]
    assert text[spans[0].start:spans[0].end] == "awful"
    assert carried is None
    assert quote_spans("He said: “More to come.")[1] == "double"


TRICKY = [
    "", " ", "“", "”", '"', "'", "‘", "’", '""', "“”", "‘’", "''", '" "', "“ ”",
    "“”“”", '"""', "'''", "“‘’”", "‘“”’", '"a"b"c"', "a”b“c", "’tis ‘n’ ’90s",
    "“Unclosed and ‘nested", "‘Single with “double” inside’ ok", "Stray ” closer “",
    "  leading and trailing spaces  ", "“Yes,”he said,“no.”", 'Inch 6" and feet 5\'',
    "Emoji 😀 “quote 😀” end", "Tabs\t“a”\t‘b’\t", "«guillemets» „low“",
]


@pytest.mark.parametrize("text", TRICKY)
def test_round_trip_on_tricky_strings(text):
    assert rebuilt([text]) == [text]
    assert rebuilt([text, text, "x"]) == [text, text, "x"]


def test_round_trip_random_soup():
    rng = random.Random(20240601)
    soup = ['"', "'", "“", "”", "‘", "’", "a", "b", "s", "n", "1", " ", " ", ",", ".", "(", "—"]
    for _ in range(2000):
        paras = ["".join(rng.choice(soup) for _ in range(rng.randint(0, 25)))
                 for _ in range(rng.randint(1, 4))]
        segs = segment(paras)
        assert rebuilt(paras) == paras
        assert all(s.text for s in segs)
        assert [s.paragraph for s in segs] == sorted(s.paragraph for s in segs)
