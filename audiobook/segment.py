"""Split cleaned paragraphs into narration and quote segments.

    paragraphs (one str each) -> [Segment(kind, text, paragraph, open, close)]

Steps, per paragraph:

1. ``_marks``: find every quote-mark character and decide from its neighbours
   whether it can open a quote, close one, or either.  A single mark is an
   apostrophe unless it starts a word (opening) or ends one (closing) and is
   not an elision (’90s, 'cause, rock 'n' roll).
2. ``quote_spans``: pair the marks with a small state machine.  Double marks
   are primary; single marks are primary only outside a double quote (British
   style), and inside a quote the other family is nested text.  A quote left
   open at the end of a paragraph is carried into the next one, whose leading
   mark then re-opens it (news style for multi-paragraph quotes).
3. ``_segments``: cut the paragraph at the spans; the gaps are narration.

Joining ``open + text + close`` of a paragraph's segments gives the paragraph
back exactly.  Quotes with blank contents (``“”``, ``" "``) are not quotes: their
marks stay in the narration.  Whitespace between two quotes is kept as its own
narration segment, and an empty paragraph gives no segment, so no segment
ever has empty text.
The function never raises: any string gives some valid segmentation.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Sequence

from . import patterns
from .models import NARRATION, QUOTE, Segment

logger = logging.getLogger(__name__)

# --- Patterns and constants -------------------------------------------------

DOUBLE = "double"
SINGLE = "single"
FAMILY = {'"': DOUBLE, "“": DOUBLE, "”": DOUBLE, "'": SINGLE, "‘": SINGLE, "’": SINGLE}

OPEN, CLOSE, EITHER = "open", "close", "either"
# What the glyph itself says; straight marks say nothing, context must decide.
GLYPH_ROLE = {'"': EITHER, "“": OPEN, "”": CLOSE, "'": EITHER, "‘": OPEN, "’": CLOSE}

# Characters after which a mark stands at the start of a word (and may open).
OPENING_CONTEXT = frozenset("([{<—–-/\"'“‘")
# Characters that cannot follow an opening mark.
CLOSING_PUNCT = frozenset(".,;:!?)]}")

# Words that begin with an apostrophe: a mark in front of them opens nothing.
ELISION = patterns.compile(r"(?:cause|cos|em|n|til|tis|twas|\d\ds)\b", re.IGNORECASE)
# The second mark of rock 'n' roll closes nothing either.
ELISION_TAIL = patterns.compile(r"(?:^|\s)['‘’]n$")
# A closing-shaped ’ after a plural that runs into the next word may be a
# possessive (the Joneses’ dog); a later candidate closer is preferred.
POSSESSIVE = patterns.compile(r"s['’]\s+\w", re.IGNORECASE)


@dataclass(frozen=True)
class Mark:
    """A quote-mark character that may open or close a quote."""

    pos: int
    """Index of the mark in the paragraph."""
    char: str
    """The mark itself."""
    family: str
    """DOUBLE or SINGLE."""
    role: str
    """OPEN, CLOSE or EITHER."""


@dataclass(frozen=True)
class QuoteSpan:
    """One quote found in a paragraph: ``paragraph[start:end]`` is its text."""

    start: int
    """Index just after the opening mark."""
    end: int
    """Index of the closing mark, or of the end of the text when it runs on."""
    open: str
    """The opening mark."""
    close: str
    """The closing mark ("" when the quote runs on to the next paragraph or quote)."""
    family: str
    """DOUBLE or SINGLE: which marks delimit it."""


# --- Step 1: marks ----------------------------------------------------------


def _shape(text: str, i: int) -> str | None:
    """What the neighbours of ``text[i]`` say: OPEN, CLOSE, EITHER or None."""
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    starts_word = before == "" or before.isspace() or before in OPENING_CONTEXT
    if starts_word and after and not after.isspace() and after not in CLOSING_PUNCT:
        return OPEN
    if before and not before.isspace() and not after.isalnum():
        return CLOSE
    if before.isalnum() and after.isalnum():
        return None  # inside a word: don't, o’clock
    return EITHER


def _role(text: str, i: int) -> str | None:
    """The role of the mark at ``text[i]``; None for an apostrophe."""
    char, shape = text[i], _shape(text, i)
    if FAMILY[char] == DOUBLE:
        # Context decides; the curly glyph only breaks ties (and also
        # rescues misused glyphs such as ”Hello” as an opener).
        return GLYPH_ROLE[char] if shape in (EITHER, None) else shape
    # A single mark doubles as the apostrophe, so it must look the part.
    if shape == OPEN and GLYPH_ROLE[char] != CLOSE and not ELISION.match(text, i + 1):
        return OPEN
    tail = text[max(0, i - 3):i]
    if shape == CLOSE and GLYPH_ROLE[char] != OPEN and not ELISION_TAIL.search(tail):
        return CLOSE
    return None


def _marks(text: str) -> list[Mark]:
    """The quote marks of ``text`` that are not apostrophes, in order."""
    marks = []
    for i, char in enumerate(text):
        if char in FAMILY:
            role = _role(text, i)
            if role is not None:
                marks.append(Mark(i, char, FAMILY[char], role))
    return marks


# --- Step 2: pairing --------------------------------------------------------


def _double_end(text: str, marks: list[Mark], k: int) -> tuple[int | None, int | None]:
    """For the double quote opened by ``marks[k]``: (closing mark, re-opening mark).

    ``text`` is unused; it keeps the signature of ``_single_end``.

    The first later double mark that can close, closes it.  A double mark that
    can only open means the quote ran on unclosed and a new one starts there.
    """
    for j in range(k + 1, len(marks)):
        if marks[j].family == DOUBLE:
            return (j, None) if marks[j].role != OPEN else (None, j)
    return None, None


def _single_end(text: str, marks: list[Mark], k: int) -> tuple[int | None, int | None]:
    """For the single quote opened by ``marks[k]``: (closing mark, next opener).

    Candidates run up to the next single opener.  The first candidate that does
    not look like a plural possessive wins, else the first one.
    """
    candidates: list[int] = []
    stop = None
    for j in range(k + 1, len(marks)):
        if marks[j].family != SINGLE:
            continue  # nested double quote: part of the text
        if marks[j].role == OPEN:
            stop = j
            break
        candidates.append(j)
    for j in candidates:
        if not POSSESSIVE.match(text, marks[j].pos - 1):
            return j, stop
    return (candidates[0] if candidates else None), stop


def quote_spans(text: str, continues: str | None = None) -> tuple[list[QuoteSpan], str | None]:
    """The quotes of one paragraph, and the family of a quote left open at its end.

    ``continues`` is the family of a quote left open by the previous paragraph:
    a mark of that family at the start of this one re-opens it whatever its shape.
    """
    marks = _marks(text)
    lead = len(text) - len(text.lstrip())
    reopens = bool(continues) and lead < len(text) and FAMILY.get(text[lead]) == continues
    if reopens:
        forced = Mark(lead, text[lead], continues, OPEN)
        if marks and marks[0].pos == lead:
            marks[0] = forced
        else:
            marks.insert(0, forced)
    spans: list[QuoteSpan] = []
    carried = None
    k = 0
    while k < len(marks):
        mark = marks[k]
        if mark.role == CLOSE:
            k += 1  # a closer with nothing open: a stray mark, left in the text
            continue
        find_end = _double_end if mark.family == DOUBLE else _single_end
        close, reopen = find_end(text, marks, k)
        if close is not None:
            spans.append(_span(mark, marks[close].pos, marks[close].char))
            k = close + 1
            continue
        if mark.char == "'" and not (reopens and k == 0):
            k += 1  # a lone straight ' is too likely an apostrophe
            continue
        # Unclosed: it runs on to the next opener, or to the end of the paragraph.
        end = marks[reopen].pos if reopen is not None else len(text)
        while end > mark.pos + 1 and text[end - 1].isspace():
            end -= 1  # the whitespace before the next quote is narration
        spans.append(_span(mark, end, ""))
        if reopen is None:
            carried = mark.family
            break
        k = reopen
    return spans, carried


def _span(mark: Mark, end: int, close: str) -> QuoteSpan:
    return QuoteSpan(mark.pos + 1, end, mark.char, close, mark.family)


# --- Step 3: segments -------------------------------------------------------


def _segments(text: str, index: int, spans: list[QuoteSpan]) -> list[Segment]:
    """Cut one paragraph at its quote spans; blank quotes stay narration."""
    segs: list[Segment] = []
    pos = 0
    for span in spans:
        if not text[span.start:span.end].strip():
            continue
        mark_at = span.start - len(span.open)
        if mark_at > pos:
            segs.append(Segment(NARRATION, text[pos:mark_at], index))
        segs.append(Segment(QUOTE, text[span.start:span.end], index, span.open, span.close))
        pos = span.end + len(span.close)
    if pos < len(text):
        segs.append(Segment(NARRATION, text[pos:], index))
    return segs


def segment(paragraphs: Sequence[str]) -> list[Segment]:
    """Split each paragraph into narration and quote segments (speaker left None)."""
    out: list[Segment] = []
    carried: str | None = None
    for index, text in enumerate(paragraphs):
        spans, carried = quote_spans(text, carried)
        out.extend(_segments(text, index, spans))
        if carried:
            logger.debug("paragraph %d ends inside a %s quote", index, carried)
    logger.info("segmented %d paragraphs into %d segments (%d quotes)",
                len(paragraphs), len(out), sum(s.kind == QUOTE for s in out))
    return out
