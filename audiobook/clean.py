"""Clean: raw Article -> Article holding only the words a listener should hear.

Steps:
1. metadata: a headline first line becomes the title (and stays as the first
   paragraph, so the episode opens with it); byline and dateline lines become
   the author and date and leave the body;
2. CLEANERS, an explicit list of small ``str -> str`` functions run in order on
   the body (paragraphs separated by blank lines): ad markers, boilerplate
   lines, whitespace, over-long paragraphs (a whole article on one line is cut
   at sentence ends, so the stages after this one never face a paragraph of
   megabytes).  Pass another list to ``clean`` to extend or skip some.

Everything else is the article's own words, kept as they are.
"""
from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from .load import split_paragraphs
from .models import Article

log = logging.getLogger(__name__)

Cleaner = Callable[[str], str]

# --- patterns and constants, together ----------------------------------------

AD_MARKER = re.compile(r"\[\s*(?:ad|ads|advert|advertisement)(?:[\s_-]*\d+)?\s*\]", re.I)

# Whole lines that are page furniture, never article text.  Each pattern must
# match the entire (stripped) line, so a sentence that merely mentions
# Facebook is kept.
BOILERPLATE_LINES = [
    r"advertisement|advert|sponsored( content)?|promoted( content)?",
    r"share( this)?( article| story| page| on \w+)?|share via \w+|shares?",
    r"(follow|like) us on \w+( and \w+)?",
    r"(share|post|tweet) (on|to) (facebook|twitter|x|whatsapp|linkedin|reddit|email|pinterest)",
    r"(facebook|twitter|whatsapp|linkedin|reddit|email|pinterest|print|copy link|comments?)",
    r"(click|tap) here.{0,60}",
    r"(sign up|subscribe)( now)?( for| to)? (our|the)? ?(free )?(daily |weekly )?newsletters?.{0,60}",
    r"(read|see) (more|also)(\s*:.{0,100})?",
    r"related( articles| stories| topics)?\s*:?",
    r"scroll down for (the )?video",
    r"(image|photo|picture)( copyright| credit| source)(\s*:.{0,80})?|(image|photo|picture)\s*:.{0,80}",
    r"(getty images|reuters|ap photo|afp)\S*",
    r"(\d+\s+)?comments?",
    r"skip (to|past) (main )?(content|advert(isement)?)",
]
BOILERPLATE = re.compile(r"^\W*(?:" + "|".join(BOILERPLATE_LINES) + r")\W*$", re.I)

BYLINE = re.compile(r"^\s*by\b[:\s]*(?P<rest>.*)$", re.I | re.S)
BYLINE_SPLIT = re.compile(r"\s*(?:\||•|·|,|\s-\s|\s–\s|\s—\s|\bpublished\b|\bupdated\b|\bposted\b)\s*", re.I)
DATELINE = re.compile(r"^\s*(?:published|updated|posted|last updated)\b[:\s]*(?P<rest>.*)$", re.I)
MONTHS = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{MONTHS})\.?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{MONTHS})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))(?!\d)",
    re.I,
)
NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|de|da|van|von|der|la|le|and|&)$")
HEADLINE_MAX_WORDS = 20
SENTENCE_END = ".!,;:"


# --- cleaners: str -> str -------------------------------------------------------


def drop_ad_markers(text: str) -> str:
    """Remove ``[ad_1]``-style markers that scrapers leave where adverts were."""
    return AD_MARKER.sub("", text)


def drop_boilerplate_lines(text: str) -> str:
    """Remove lines that are only page furniture (share bars, 'Advertisement', ...)."""
    return "\n".join(line for line in text.split("\n") if not BOILERPLATE.match(line.strip()))


def normalize_whitespace(text: str) -> str:
    """Join hard-wrapped lines, collapse runs of spaces, keep one blank line between paragraphs."""
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)  # zero-width characters
    text = re.sub(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text)
    paragraphs = (" ".join(line.strip() for line in block.split("\n") if line.strip()) for block in split_paragraphs(text))
    return "\n\n".join(p for p in paragraphs if p)


#: paragraphs longer than this (in characters) are cut into pieces no longer
#: than it; real paragraphs stay well below (the longest in tests/data is 580)
LONG_PARAGRAPH = 3000
_SPACE = re.compile(r"\s+")


def split_long_paragraphs(text: str) -> str:
    """Cut each paragraph longer than LONG_PARAGRAPH into pieces of about equal
    length: at sentence ends outside quotes if it can, else at sentence ends
    inside a quote (the next piece re-opens it with its mark, news style),
    else between words, else anywhere."""
    paragraphs = split_paragraphs(text)
    if all(len(p) <= LONG_PARAGRAPH for p in paragraphs):
        return text
    out = []
    for index, paragraph in enumerate(paragraphs):
        pieces = _cut_paragraph(paragraph) if len(paragraph) > LONG_PARAGRAPH else [paragraph]
        if len(pieces) > 1:
            log.info("clean: paragraph %d (%d characters) cut into %d", index, len(paragraph), len(pieces))
        out.extend(pieces)
    return "\n\n".join(out)


def _cut_paragraph(paragraph: str) -> list[str]:
    from .attribute import sentence_ends
    from .segment import quote_spans

    spans, _ = quote_spans(paragraph)
    quoted = [(s.start - len(s.open), s.end + len(s.close), s.open) for s in spans]
    starts = [q[0] for q in quoted]

    def quote_at(pos: int) -> str | None:
        """The opening mark of the quote ``pos`` falls inside (after its mark), if any."""
        k = bisect.bisect_left(starts, pos) - 1
        return quoted[k][2] if k >= 0 and pos < quoted[k][1] else None

    ends = [m.end() for m in sentence_ends(paragraph)]
    outside = [e for e in ends if quote_at(e) is None]
    spaces = [m.end() for m in _SPACE.finditer(paragraph)]
    pieces: list[str] = []
    start, reopen = 0, ""
    while len(paragraph) - start > LONG_PARAGRAPH - len(reopen):
        left = len(paragraph) - start
        target = start + left / -(-left // LONG_PARAGRAPH)  # equal shares
        low, high = start + LONG_PARAGRAPH // 4, start + LONG_PARAGRAPH - len(reopen)
        cut = high
        for candidates in (outside, ends, spaces):
            window = candidates[bisect.bisect_right(candidates, low) : bisect.bisect_right(candidates, high)]
            if window:
                cut = min(window, key=lambda c: abs(c - target))
                break
        piece = (reopen + paragraph[start:cut]).strip()
        if piece:
            pieces.append(piece)
        reopen = quote_at(cut) or ""
        start = cut
    rest = (reopen + paragraph[start:]).strip()
    if rest:
        pieces.append(rest)
    return pieces


CLEANERS: list[Cleaner] = [drop_ad_markers, drop_boilerplate_lines, normalize_whitespace, split_long_paragraphs]


# --- metadata ---------------------------------------------------------------------


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as YYYY-MM-DD, or None."""
    m = DATE.search(text)
    if not m:
        return None
    g = m.groupdict()
    try:
        if g["y3"]:
            return datetime(int(g["y3"]), int(g["m3"]), int(g["d3"])).date().isoformat()
        day, month, year = (g["d1"], g["m1"], g["y1"]) if g["y1"] else (g["d2"], g["m2"], g["y2"])
        month_no = datetime.strptime(month[:3].title(), "%b").month
        return datetime(int(year), month_no, int(day)).date().isoformat()
    except ValueError:
        return None


def _byline_author(rest: str) -> str | None:
    """The name part of a byline's remainder ("Jane Doe | Published ..." -> "Jane Doe")."""
    name = BYLINE_SPLIT.split(rest.replace("\n", " ").strip(), maxsplit=1)[0].strip()
    words = name.split()
    if not words or len(words) > 8 or not all(NAME_WORD.match(w) for w in words):
        return None
    return name


def _is_headline(paragraph: str) -> bool:
    line = paragraph.strip()
    words = line.split()
    return (
        "\n" not in line
        and 0 < len(words) <= HEADLINE_MAX_WORDS
        and line[-1] not in SENTENCE_END
        and any(c.isalpha() for c in line)
        and not BYLINE.match(line)
        and not BOILERPLATE.match(line)
    )


def extract_metadata(paragraphs: Sequence[str]) -> tuple[list[str], str | None, str | None, str | None]:
    """Find headline, byline and date near the top; return (body, title, author, date).

    Byline and date lines leave the body (they are read out, if at all, by the
    show's opening); the headline stays as the first paragraph.
    """
    title = author = date = None
    lines_seen = 0
    body: list[str] = []
    for index, para in enumerate(paragraphs):
        kept = []
        lines = para.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            near_top = lines_seen < 8
            lines_seen += 1
            m = BYLINE.match(line)
            if near_top and author is None and m:
                rest = m.group("rest")
                if not rest.strip() and i + 1 < len(lines):  # "By" alone, name on the next line
                    i += 1
                    rest = lines[i]
                found = _byline_author(rest)
                if found:
                    author = found
                    date = date or parse_date(rest)
                    i += 1
                    continue
            d = DATELINE.match(line)
            if near_top and d and parse_date(d.group("rest")) and len(line.split()) <= 12:
                date = date or parse_date(d.group("rest"))
                i += 1
                continue
            kept.append(line)
            i += 1
        if kept:
            body.append("\n".join(kept))
        if index == 0 and kept and _is_headline("\n".join(kept)) and len(paragraphs) > 1:
            title = " ".join(kept[0].split())
    return body, title, author, date


def clean(article: Article, cleaners: Sequence[Cleaner] = CLEANERS) -> Article:
    """Metadata out of the body, then each cleaner in turn over the body text."""
    body, title, author, date = extract_metadata(article.paragraphs)
    text = "\n\n".join(body)
    for cleaner in cleaners:
        text = cleaner(text)
    paragraphs = tuple(p for p in split_paragraphs(text) if p.strip())
    log.debug("clean: %d -> %d paragraphs", len(article.paragraphs), len(paragraphs))
    return replace(
        article,
        paragraphs=paragraphs,
        title=article.title or title,
        author=article.author or author,
        date=article.date or date,
    )
