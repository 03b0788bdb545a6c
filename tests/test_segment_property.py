"""Property tests for segmentation: nothing the article says is ever dropped.

The reconstruction rule these tests hold ``segment`` (and ``attribute`` after
it) to, for any list of paragraph strings ``P``:

* every segment has ``0 <= segment.paragraph < len(P)``, and the segments come
  in paragraph order;
* for every index ``p``, concatenating ``open + text + close`` over the
  segments of paragraph ``p``, in order, gives ``P[p]`` back character for
  character: no whitespace is normalised, trimmed or moved, no mark is lost;
  an empty paragraph has no segments and rebuilds to "";
* nothing separates the pieces: the segments of a paragraph tile it end to
  end, so each one starts where the one before it stopped (in order and never
  overlapping, by construction);
* the only characters taken out of ``text`` are the quote marks recorded in
  ``open`` and ``close``: narration carries no marks, a quote has exactly one
  opening mark and at most one closing mark (none when it runs on), each one
  of the six marks the segmenter pairs (" “ ” ' ‘ ’);
* no segment has empty text; a quote's text is never blank, while narration
  may be whitespace alone (the space between two quotes), and two narration
  segments are never adjacent in a paragraph.

``attribute`` must keep the same rule: it may relabel a quote as narration or
cut a nested quote out of a speech quote (the inner marks then move into
``open``/``close``), but every input segment's ``open + text + close`` is the
concatenation of the output segments made from it, and neither stage raises.

Downstream, ``synthesize.plan`` (with no speech rewriting) must hand the engine
every letter and digit of the segments, in order: sentence and length splits
may only drop whitespace and punctuation between pieces.

The tests run a few hundred examples (a few seconds).  For a long hunt:

    HYPOTHESIS_PROFILE=long /work/venv/bin/python -m pytest tests/test_segment_property.py

(``SEGMENT_EXAMPLES=N`` sets the number of examples per test outright.)
Every failure hypothesis finds is to be kept below as an ``@example``; none
has been found so far (20,000 a test in the long run), so the examples
there are hand-picked hard cases that then always run.
"""
from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audiobook.attribute import attribute
from audiobook.clean import clean
from audiobook.load import split_paragraphs
from audiobook.models import NARRATION, QUOTE, Article, Script, ScriptSegment, VoiceSettings
from audiobook.segment import FAMILY, segment
from audiobook.synthesize import MAX_CHARS, plan

# --- How long to run --------------------------------------------------------

_LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
_EXAMPLES = int(os.environ.get("SEGMENT_EXAMPLES") or (20000 if _LONG else 150))

# Applied per test, not loaded as a global profile: other modules keep theirs.
RUN = settings(
    max_examples=_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- Strategies -------------------------------------------------------------

PAIRED_MARKS = tuple(FAMILY)  # the marks the segmenter may take out of the text
# Quote-like characters it leaves alone; they must survive as ordinary text.
OTHER_MARKS = ("«", "»", "‹", "›", "„", "‚", "‟", "‛", "′", "″", "‴", "`", "´", "``", "''", "＂", "＇", "〝", "〞")
MARKS = PAIRED_MARKS + OTHER_MARKS

APOSTROPHE_WORDS = (
    "don't", "won’t", "it’s", "o’clock", "rock 'n' roll", "rock ’n’ roll", "rock ‘n’ roll", "'90s", "’90s",
    "‘90s", "the Joneses'", "the Joneses’ dog", "the Smiths' car", "'cause", "’tis", "'em", "’til", "Achilles'",
    "players’ union", "ma'am", "y'all", "12\"", "5'", "6′2″",
)
WORDS = (
    "the", "mayor", "Mayor", "said", "she", "He", "told", "reporters", "we", "won", "s", "n", "a", "I", "1", "90",
    "Müller", "naïve", "e\u0301", "日本語", "😀", "👩‍👩‍👧", "🇬🇧", "שלום", "مرحبا", "\u202eRTL\u202c", "\u200b", "\x00",
    "\x1b", "\u0085", "\u2028", "\ufeff",
)
PUNCTUATION = (",", ".", ":", ";", "!", "?", "…", "(", ")", "[", "]", "—", "–", "-", "/", "<", "*")
SPACES = (" ", " ", " ", "  ", "\t", "\n", "\n\n", "\u00a0", "\u2009", "\u3000", "\r")

word = st.sampled_from(WORDS) | st.text(st.characters(categories=["L", "N", "M"]), min_size=1, max_size=6)
# The paired marks are drawn as often as all the other quote-like characters together.
mark = st.sampled_from(PAIRED_MARKS) | st.sampled_from(OTHER_MARKS)
token = st.one_of(word, word, st.sampled_from(APOSTROPHE_WORDS), mark, st.sampled_from(PUNCTUATION))
# Mostly one space between tokens, sometimes none (marks glued to words), a line or paragraph break.
separator = st.sampled_from((" ",) * 8 + ("",) * 4 + SPACES)


def _phrase(parts: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    """Tokens (or quotes) with separators between them."""
    return st.lists(st.tuples(parts, separator), max_size=max_size).map(lambda ps: "".join(a + b for a, b in ps))


def _quoted(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A phrase between an opening and a closing mark, either of which may be
    missing or of the wrong kind: nested, mismatched and unclosed quotes."""
    paired = st.sampled_from(PAIRED_MARKS)
    either = st.one_of(paired, paired, st.sampled_from(OTHER_MARKS), st.just(""))
    return st.builds(lambda a, body, b: a + body + b, either, _phrase(inner, 6), either)


# Quotes nested up to three deep (built level by level: st.recursive is slow to draw here).
nested = token
for _ in range(3):
    nested = st.one_of(token, token, _quoted(nested))
soup_text = _phrase(nested, 30)
soup_paragraphs = st.lists(soup_text, min_size=1, max_size=5)
# Anything Python can hold, lone surrogates included (no category is excluded).
any_text = st.text(st.characters(exclude_categories=()), max_size=60)
unicode_paragraphs = st.lists(any_text, min_size=1, max_size=5)


# Paragraphs long enough to be cut for the engine (MAX_CHARS), with and without good breaks.
long_paragraph = st.lists(
    st.sampled_from((
        "the council said ", "Mr. Lee ", "in the U.S. economy, ", "2.5 percent; ", "“we will ", "go,” ", "— ",
        "it’s ", ". ", "x" * 70, "y" * 70 + " ", "word" * 30, " ", ",",
    )),
    min_size=10, max_size=60,
).map("".join)


def cleaned(text: str) -> tuple[str, ...]:
    """``text`` as the pipeline would hand it to ``segment``."""
    return clean(Article(source="-", paragraphs=tuple(split_paragraphs(text)))).paragraphs


# --- The checks -------------------------------------------------------------


def check_tiling(paragraphs, segs) -> None:
    """The reconstruction rule of the module docstring, for segment's output."""
    assert all(isinstance(s.paragraph, int) and 0 <= s.paragraph < len(paragraphs) for s in segs)
    order = [s.paragraph for s in segs]
    assert order == sorted(order), "segments out of paragraph order"
    for p, para in enumerate(paragraphs):
        pos = 0
        previous = None
        for s in (s for s in segs if s.paragraph == p):
            piece = s.open + s.text + s.close
            assert para.startswith(piece, pos), (p, pos, s)  # starts where the last one stopped
            pos += len(piece)
            assert s.text, s
            if s.kind == NARRATION:
                assert (s.open, s.close) == ("", ""), s
                assert previous != NARRATION, "two narration segments in a row"
            else:
                assert s.kind == QUOTE, s
                assert s.open in PAIRED_MARKS and s.close in PAIRED_MARKS + ("",), s
                assert s.text.strip(), "blank quote"
            previous = s.kind
        assert pos == len(para), (p, "paragraph not covered to its end", para[pos:])


def rebuild(paragraphs, segs) -> list[str]:
    return ["".join(s.open + s.text + s.close for s in segs if s.paragraph == p) for p in range(len(paragraphs))]


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def no_logged_errors(name: str):
    """Fail if logger ``name`` reports an error: ``attribute`` swallows its exceptions
    and logs them, so a crash inside it would otherwise pass unseen."""
    handler, log = _Errors(), logging.getLogger(name)
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
    assert not handler.records, [r.getMessage() + "\n" + (r.exc_text or "") for r in handler.records]


def check_attribute_keeps_texts(paragraphs, segs) -> None:
    with no_logged_errors("audiobook.attribute"):
        out = attribute(paragraphs, segs)
    assert rebuild(paragraphs, out) == list(paragraphs)
    # Each input segment becomes a run of output segments that spell it exactly.
    k = 0
    for s in segs:
        whole, piece, first = s.open + s.text + s.close, "", k
        while len(piece) < len(whole) and k < len(out):
            assert out[k].paragraph == s.paragraph, (s, out[k])
            piece += out[k].open + out[k].text + out[k].close
            k += 1
        assert piece == whole, (s, out[first:k])
        if k - first == 1:
            assert (out[first].text, out[first].open, out[first].close) == (s.text, s.open, s.close)
        else:
            assert s.kind == QUOTE, "only a quote is ever cut"
    assert k == len(out)
    for s in out:
        assert s.text and s.kind in (NARRATION, QUOTE)
        assert s.kind == QUOTE or s.speaker is None


# --- The properties ---------------------------------------------------------

# Hand-picked hard cases, run every time whatever hypothesis draws.
HARD = [
    ["He said: “We’ll see ‘the ’90s’ again.", "“Rock 'n' roll,” the Joneses' son said. \"Don't", "\"Go"],
    ["’Tis «done» „now“ ‹ok› 6′2″ ``fine'' and ‚so‘", "“‘", "‘“ a ”’ ”", "  “  ", " \t“x\n\n"],
    ["“Unclosed and ‘nested", "‘Single with “double” inside’ ok", "Stray ” closer “"],
    ["\u202e“שלום”\u202c e\u0301 “😀 👩\u200d👩\u200d👧”\x00\x85\u2028'\ud800'"],
]


@RUN
@given(unicode_paragraphs)
@example(HARD[3])
def test_arbitrary_unicode_is_covered_exactly(paragraphs):
    check_tiling(paragraphs, segment(paragraphs))


@RUN
@given(soup_paragraphs)
@example(HARD[0])
@example(HARD[1])
@example(HARD[2])
def test_quote_mark_soup_is_covered_exactly(paragraphs):
    segs = segment(paragraphs)
    check_tiling(paragraphs, segs)
    assert rebuild(paragraphs, segs) == paragraphs


@RUN
@given(soup_text)
@example("\n\n".join(HARD[0] + HARD[1]))
def test_cleaned_soup_is_covered_exactly(text):
    paragraphs = cleaned(text)
    segs = segment(paragraphs)
    check_tiling(paragraphs, segs)
    assert all(any(s.paragraph == p for s in segs) for p in range(len(paragraphs)))  # cleaning leaves no blank


@RUN
@given(soup_paragraphs | unicode_paragraphs)
@example(HARD[0])
@example(HARD[1])
@example(HARD[2])
@example(HARD[3])
def test_attribute_keeps_every_segment_text(paragraphs):
    check_attribute_keeps_texts(paragraphs, segment(paragraphs))


@RUN
@given(soup_text)
@example("\n\n".join(HARD[0] + HARD[2]))
def test_attribute_on_cleaned_soup(text):
    paragraphs = cleaned(text)
    check_attribute_keeps_texts(paragraphs, segment(paragraphs))


ALNUM = re.compile(r"[^\W_]")
VOICES = {"narrator": VoiceSettings("narrator", "en"), "quote": VoiceSettings("quote", "en")}


@RUN
@given(soup_paragraphs | unicode_paragraphs | st.lists(long_paragraph, min_size=1, max_size=2))
def test_plan_hands_the_engine_every_letter(paragraphs):
    segs = attribute(paragraphs, segment(paragraphs))
    script = Script("t", tuple(ScriptSegment(s.kind, s.text, s.paragraph, "quote" if s.kind == QUOTE else "narrator",
                                             open=s.open, close=s.close) for s in segs), VOICES)
    utterances = plan(script)
    assert all(len(u.text) <= MAX_CHARS for u in utterances)
    heard = ALNUM.findall("".join(u.text for u in utterances))
    assert heard == ALNUM.findall("".join(s.text for s in segs))
