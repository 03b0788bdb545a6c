"""Clean: raw Article -> Article holding only the words a listener should hear.

Steps:
1. metadata: a headline first line becomes the title (and stays as the first
   paragraph, so the episode opens with it); byline and dateline lines become
   the author and date and leave the body (metadata the page itself stated,
   set by ``load``, wins);
2. cleaners, an explicit list of small named ``str -> str`` functions run in
   order on the body (paragraphs separated by blank lines): first the line
   cleaners, each dropping one kind of page furniture a scraper brings along
   (ad markers, photo captions and credits, video prompts, social and share
   prompts, byline and timestamp lines, advert labels, newsletter prompts,
   links and navigation), then whitespace, repeated pull quotes, and
   over-long paragraphs (a whole article on one line is cut at sentence
   ends, so the stages after this one never face a paragraph of megabytes).

``CLEANERS`` is the default list; ``build_cleaners`` makes another from a
voice profile's ``[clean]`` table: built-in cleaners switched off by name,
extra line patterns, extra functions.  A line cleaner drops whole lines only
(the entire stripped line must match), so a sentence that merely mentions
Facebook or an advertisement is kept.  Everything else is the article's own
words, kept as they are.
"""
from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from . import patterns
from .load import split_paragraphs
from .patterns import LazyPattern
from .models import Article

log = logging.getLogger(__name__)

Cleaner = Callable[[str], str]

# --- patterns and constants, together ----------------------------------------

AD_MARKER = patterns.compile(r"\[\s*(?:ad|ads|advert|advertisement)(?:[\s_-]*\d+)?\s*\]", re.I)


def _whole_lines(patterns: Sequence[str]) -> LazyPattern:
    """One pattern matching a stripped line that is entirely one of ``patterns``
    (bullets, brackets and punctuation around it allowed)."""
    return LazyPattern(r"^[\W_]*(?:" + "|".join(patterns) + r")[\W_]*$", re.I)


NETWORKS = (
    r"facebook|twitter|x|instagram|tiktok|youtube|linkedin|threads|bluesky|whatsapp|telegram|snapchat"
    r"|pinterest|mastodon|reddit|flipboard|messenger|google news|apple news"
)
AGENCIES = (
    r"getty images|getty|reuters|ap photo|ap|associated press|afp|pa media|pa wire|pa|epa(-efe)?|shutterstock"
    r"|alamy|istock(photo)?|rex features|rex|bloomberg|anadolu|xinhua|sipa|zuma( press)?|nurphoto|sopa images"
)

# Photo captions and credits: "Photo: Jane Doe/Agency", "(Image credit: ...)",
# "Getty Images", "Jane Doe/AFP via Getty Images", "Image caption, ...".
PHOTO_CREDIT_LINES = [
    r"(photo(graph)?|picture|pic|image|illustration|graphic|video|footage)s?(\s+(credit|copyright|source|courtesy))?\s*[:|]\s*.{0,100}",
    r"(photo(graph)?|picture|image|illustration)s?\s+(by|courtesy of|credit|copyright|source)\b.{0,80}",
    r"(image|media|photo|video|picture)\s+caption\b.{0,300}",
    r"(credits?|source|caption)\s*:\s*.{0,100}",
    r"([\w.'’ -]{1,50}\s*/\s*)?(" + AGENCIES + r")(\s+(via|for|/)\s+(" + AGENCIES + r"))?(\s+images?)?",
    r"(©|\(c\))\s*.{0,80}",
    r"copyright\s+(©\s*)?\d{4}.{0,80}|all rights reserved\.?",
]
PHOTO_CREDIT = _whole_lines(PHOTO_CREDIT_LINES)
# A picture's place in scraped text: "[Image]", "(Photo: the ferry)", "Image 2 of 9", "View gallery".
PICTURE_MARKER = _whole_lines([
    r"(image|photo|picture|img|gallery|slideshow|graphic)s?(\s*\d+\s*(of|/)\s*\d+)?",
    r"[\[(]\s*(image|photo|picture|img)s?\s*:[^\])]{0,120}[\])]",  # [Image: the quay at dawn]
    r"(view|open|see|launch|enlarge|expand)( this| the)? (image|photo|picture|gallery|slideshow)s?( in (a )?gallery| in full ?screen)?",
    r"\d+\s+(photos|images|pictures)",
])
#: the line after a picture marker is its caption when it is this short (and more, see _looks_like_caption)
CAPTION_MAX_WORDS = 25

VIDEO_PROMPT = _whole_lines([
    r"scroll (down|up) (for|to (watch|see|view)) (the )?(video|footage|clip)s?( below| above)?",
    r"(watch|see|view) (the )?(full )?(video|footage|clip)s?( below| above| here| now)?",
    r"(video|watch|footage)\s*:.{0,100}",
    r"(click|tap|press) (to|here to) (play|watch).{0,40}",
    r"play video|watch now|replay|video duration.{0,20}|duration\s*:?\s*\d{1,2}:\d{2}(:\d{2})?",
    r"media playback is (not supported|unsupported) on (this|your) device",
    r"(this|the) video (can ?not|cannot|can't) be played.{0,60}",
])

# Social prompts and share bars.
SOCIAL_PROMPT = _whole_lines([
    rf"(like|follow|join|find|friend|subscribe to|add) (us|me)( on| at| via)? ({NETWORKS})(\s*(,|and|&|or)\s*({NETWORKS}))*( for .{{0,60}})?",
    rf"follow (@\w+|[\w.'’ -]{{1,40}}) on ({NETWORKS})( for .{{0,60}})?",
    rf"(share|post|tweet|send|pin) (this|it)( (article|story|page|post|video|link|gallery))?( (on|to|via|with) ({NETWORKS}|e-?mail|friends?|family))?",
    rf"(share|post|tweet|send|pin) the (article|story|page|post|video|link|gallery)( (on|to|via|with) ({NETWORKS}|e-?mail|friends?|family))?",
    rf"(share|post|tweet|pin) (on|to|via) ({NETWORKS}|e-?mail|messenger|sms)",
    r"click to (share|post|email|print)( on| to| via)? .{0,40}",
    r"(copy( the)?|copied) link|link copied( to clipboard)?|\(?opens in (a )?new (window|tab)\)?",
    r"e-?mail (this|to a friend)( article| story)?|send to a friend",
])
#: a line made only of these words (and counts, bullets, bars) is a share bar
SHARE_WORDS = frozenset(
    "share shares shared tweet email e-mail mail whatsapp facebook twitter x linkedin reddit pinterest print copy link "
    "messenger telegram comment comments save flipboard bluesky threads sms gift article".split()
)

ADVERT_LABEL = _whole_lines([
    r"advertisements?|adverts?|ads?|advertising|ad feature|advertisement feature",
    r"(sponsored|promoted|paid)( content| post| story| stories| partnership| links?)?( by [^.,;:!?]{1,40})?",
    r"partner content|in partnership with [^.,;:!?]{1,40}|presented by [^.,;:!?]{1,40}|ads by \w+( \w+)?",
    r"(story|article|content|text) continues (below|after)( (this |the )?(advertisement|advert|ad))?",
    r"continue reading( the main story| below)?",
    r"skip (past )?(advert|advertisement|ad)s?|remove ads|report this ad|hide ads?",
])

NEWSLETTER_PROMPT = _whole_lines([
    r"(sign up|signup|subscribe|register)( now| today| here| free)?( for| to)?( our| the| my)?( free)?"
    r"( daily| weekly| morning| evening| lunchtime| breaking)?( [\w-]+){0,3} (newsletters?|e-?mails?|briefings?|alerts?|digest|updates)\b.{0,80}",
    r"(get|receive|have)\b.{0,80}\b(delivered |sent )?(straight |direct(ly)? )?(to|in|into) your inbox.{0,40}",
    r"newsletters?( sign[ -]?up)?|sign[ -]?up|subscribe( now)?|join (the|our) (newsletter|mailing list).{0,40}",
    r"enter your e-?mail( address)?.{0,60}|your e-?mail address|invalid e-?mail( address)?.{0,40}",
    r"(thank you|thanks) for (subscribing|signing up).{0,80}",
    r"(we use your sign-?up|by (signing up|subscribing|clicking)).{0,300}(privacy|consent|terms|agree).{0,200}",
    r"already (a subscriber|subscribed)\??.{0,40}|(you can )?unsubscribe at any time.{0,60}",
])

# Links and navigation, never article text.
NAVIGATION_LINES = [
    r"(click|tap) here.{0,60}",
    r"(read|see) (more|also)(\s*:.{0,100})?|read (the )?(full|whole) (story|article).{0,40}|more on this story",
    r"related( articles| stories| topics| content)?\s*:?|(most read|most popular|trending( now)?|top stories|more from .{1,40}|you may also like|recommended( for you)?)\s*:?",
    r"(\d+\s+)?comments?|(view|show|read|add|leave) (all )?(the )?comments?.{0,20}|join the (conversation|discussion)",
    r"skip (to|past) (main )?(content|navigation|article)",
    r"(back to top|home|menu|search|log ?in|sign ?in|register|more)",
]
BOILERPLATE = _whole_lines(NAVIGATION_LINES)

BYLINE = patterns.compile(r"^\s*by\b[:\s]*(?P<rest>.*)$", re.I | re.S)
BYLINE_SPLIT = patterns.compile(r"\s*(?:\||•|·|,|\s-\s|\s–\s|\s—\s|\bpublished\b|\bupdated\b|\bposted\b)\s*", re.I)
DATELINE = patterns.compile(r"^\s*(?:published|updated|posted|last updated)\b[:\s]*(?P<rest>.*)$", re.I)
MONTHS = "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
WEEKDAYS = r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
DATE = patterns.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{MONTHS})\.?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{MONTHS})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}}))(?!\d)",
    re.I,
)
PLACE_AFTER_NAME = LazyPattern(r"\s+(?:in|at)\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}$")
NAME_WORD = patterns.compile(r"^(?:[A-Z][\w'’.-]*|de|da|van|von|der|la|le|and|&)$")
#: "By Tuesday, ..." and "By Christmas ..." begin sentences, not bylines
NOT_NAMES = LazyPattern(rf"^(?:{WEEKDAYS}|{MONTHS}|christmas|easter|midnight|noon|dawn|then|now|today|tonight|tomorrow|law|contrast|comparison|far|all)$", re.I)
# What a timestamp line is made of: words, dates, times, zones, reading times.
TIMESTAMP_PARTS = LazyPattern(
    rf"\b(?:(?:first |last )?(?:published|updated|posted|modified|created|edited)|last|on|at|this article is more than|old"
    rf"|(?:\d+|one|two|three|four|five|ten)[ -]min(?:ute)?s?(?: read)\b|reading time|read time|min read"
    rf"|{WEEKDAYS}|yesterday|today|just now|ago|(?:\d+|an?|one) (?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)(?: ago)?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:[t ]\d{{2}}:\d{{2}}(?::\d{{2}})?(?:\.\d+)?(?:z|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\.?(?:,?\s+\d{{4}})?|(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}|\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?\s*(?:am|pm|a\.m\.|p\.m\.)?|\d{{1,2}}\s*(?:am|pm|a\.m\.|p\.m\.)"
    rf"|gmt|bst|utc|cet|cest|est|edt|cst|cdt|mst|mdt|pst|pdt|aest|aedt|ist|et|pt"
    rf")(?!\w)",
    re.I,
)
TIMESTAMP_ANCHOR = LazyPattern(
    r"\d{1,2}[:.]\d{2}|\d{4}|\bago\b|\b(?:published|updated|posted|modified)\b|\bmin(?:ute)?s? read\b|\breading time\b", re.I
)
HEADLINE_MAX_WORDS = 20
SENTENCE_END = ".!,;:"


# --- cleaners: str -> str -------------------------------------------------------


#: a line that reports speech is the article's, whatever else it looks like
REPORTED = LazyPattern(r"\b(?:said|says|told|tells|according to|added|adds|asked|explained|warned|joked)\b", re.I)


def _drop_lines(text: str, unwanted: Callable[[str], bool], reported_stays: bool = True) -> str:
    """``text`` without the lines ``unwanted`` says yes to (given the stripped line)."""
    return "\n".join(
        line for line in text.split("\n")
        if not (unwanted(line.strip()) and not (reported_stays and REPORTED.search(line)))
    )


def drop_ad_markers(text: str) -> str:
    """Remove ``[ad_1]``-style markers that scrapers leave where adverts were."""
    return AD_MARKER.sub("", text)


def _looks_like_caption(line: str) -> bool:
    """A line after a picture marker is its caption when it is short and does
    not end a sentence, or ends in a credit: the article's own first line
    after a picture without a caption must stay."""
    words = line.split()
    return 0 < len(words) <= CAPTION_MAX_WORDS and (
        line[-1] not in ".!?\"”’" or bool(re.search(r"(\(|\b(photo|picture|image)s?\b.{0,40}:|/)[^.!?]{0,60}[.)]?$", line, re.I))
    )


def drop_photo_captions(text: str) -> str:
    """Remove photo credits ("Photo: Jane Doe/Agency", "(Image credit: ...)",
    "Getty Images"), picture markers ("[Image]", "View gallery") and the short
    caption line right after a marker."""
    out: list[str] = []
    after_marker = False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            out.append(line)
            continue
        if PICTURE_MARKER.match(stripped):
            after_marker = True
            continue
        if PHOTO_CREDIT.match(stripped) and not REPORTED.search(stripped):
            continue  # a credit may stand between a marker and its caption
        if after_marker and _looks_like_caption(stripped):
            after_marker = False
            continue
        after_marker = False
        out.append(line)
    return "\n".join(out)


def drop_video_prompts(text: str) -> str:
    """Remove "Scroll down for video", "Watch the video below", "Video: ..." lines."""
    return _drop_lines(text, VIDEO_PROMPT.match)


#: furniture lines are short: longer lines are the article's, and are not searched
FURNITURE_MAX_CHARS = 300


def _share_bar(line: str) -> bool:
    if len(line) > FURNITURE_MAX_CHARS:
        return False
    words = re.findall(r"[a-z][a-z-]*", line.lower())
    return bool(words) and all(w in SHARE_WORDS for w in words) and not re.search(r"[.!?]\s*$", line.rstrip("\"”’ ") if len(words) > 3 else "")


def drop_social_prompts(text: str) -> str:
    """Remove social prompts ("Like us on Facebook", "Follow us on X", "Share
    this article") and share bars ("Share Tweet Email WhatsApp")."""
    return _drop_lines(text, lambda line: bool(SOCIAL_PROMPT.match(line)) or _share_bar(line))


def _byline_author(rest: str) -> str | None:
    """The name part of a byline's remainder ("Jane Doe | Published ..." -> "Jane Doe")."""
    name = BYLINE_SPLIT.split(rest.replace("\n", " ").strip(), maxsplit=1)[0].strip()
    name = PLACE_AFTER_NAME.sub("", name)  # "Jane Doe in Kelby"
    words = name.split()
    if not words or len(words) > 8 or not all(NAME_WORD.match(w) for w in words) or NOT_NAMES.match(words[0]):
        return None
    return name


def is_timestamp(line: str) -> bool:
    """True for a line that only says when: "Published 10:32, 3 March 2024 |
    Updated 11:05 GMT", "2 hours ago", "5 min read"."""
    if not TIMESTAMP_ANCHOR.search(line) and not DATE.search(line):
        return False
    rest = TIMESTAMP_PARTS.sub(" ", line)
    return not re.search(r"[^\W\d_]|\d", rest)


def is_byline(line: str) -> bool:
    """True for a byline line: "By Jane Doe", "By Jane Doe, Political Editor",
    "By Jane Doe | Published 10:32, 3 March 2024 | Updated 11:05"; not "By
    the time ..." nor "By Tuesday, the council had agreed."."""
    m = BYLINE.match(line)
    name = _byline_author(m.group("rest")) if m else None
    if not m or not name:
        return False
    rest = " ".join(m.group("rest").split())
    tail = rest[rest.index(name) + len(name):] if name in rest else ""
    ends_a_sentence = bool(re.search(r"[.!?][\"”’)]*\s*$", tail))
    for part in re.split(r"\s*(?:\||•|·|,|\s-\s|–|—|/)\s*", tail):
        part = part.strip(" .;:")
        if not part or is_timestamp(part) or re.match(r"^(?:published|updated|posted)\b", part, re.I):
            continue
        words = part.split()
        if len(words) > 6 or (ends_a_sentence and any(w[0].islower() for w in words)):
            return False  # a sentence goes on: "By Jane Doe, who ..." is not a byline
    return True


def drop_byline_lines(text: str) -> str:
    """Remove byline and timestamp lines anywhere in the body ("By Jane Doe |
    Published 10:32, 3 March 2024", "Updated 2 hours ago"); those near the top
    have already given the author and date (``extract_metadata``)."""
    return _drop_lines(text, lambda line: len(line) <= FURNITURE_MAX_CHARS and (is_byline(line) or is_timestamp(line)))


def drop_advert_labels(text: str) -> str:
    """Remove "Advertisement", "ADVERTISEMENT", "Sponsored", "Story continues below advertisement" lines."""
    return _drop_lines(text, ADVERT_LABEL.match)


def drop_newsletter_prompts(text: str) -> str:
    """Remove "Sign up to our newsletter", "Get the latest ... delivered to your inbox" and the like."""
    return _drop_lines(text, NEWSLETTER_PROMPT.match)


def drop_boilerplate_lines(text: str) -> str:
    """Remove links and navigation: "Read more: ...", "Related", "Click here ...", "12 comments", "Skip to content"."""
    return _drop_lines(text, BOILERPLATE.match)


def normalize_whitespace(text: str) -> str:
    """Join hard-wrapped lines, collapse runs of spaces, keep one blank line between paragraphs."""
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)  # zero-width characters
    text = re.sub(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text)
    paragraphs = (" ".join(line.strip() for line in block.split("\n") if line.strip()) for block in split_paragraphs(text))
    return "\n\n".join(p for p in paragraphs if p)


#: paragraphs longer than this (in characters) are cut into pieces no longer
#: than it; real paragraphs stay well below (the longest in tests/data is 580)
LONG_PARAGRAPH = 3000
_SPACE = patterns.compile(r"\s+")


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


# --- repeated pull quotes ----------------------------------------------------------

#: a repeated paragraph shorter than this (in words) is kept: "No." may well be said twice
PULL_QUOTE_MIN_WORDS = 5
#: a paragraph this long found word for word anywhere in the text before it is a pull quote
PULL_QUOTE_RUN_WORDS = 8
_APOSTROPHES = LazyPattern(r"(?<=\w)['’](?=\w)")
_NOT_WORDS = LazyPattern(r"[\W_]+")
_SENTENCES = LazyPattern(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_QUOTED = LazyPattern(r"[\"“«„]([^\"”»“]{10,}?)[\"”»]")
_TRAILING_CREDIT = LazyPattern(r"\s+[—–-]{1,2}\s*[A-Z][^.!?\"“”]{0,60}$")


def _words(text: str) -> str:
    """``text`` as lower-case words between single spaces: no punctuation, no quote marks."""
    return " ".join(_NOT_WORDS.sub(" ", _APOSTROPHES.sub("", text.lower())).split())


def _runs(words: list[str]) -> set[int]:
    """Hashes of every run of PULL_QUOTE_RUN_WORDS words in ``words``."""
    n = PULL_QUOTE_RUN_WORDS
    return {hash(tuple(words[i : i + n])) for i in range(len(words) - n + 1)}


def drop_repeated_pull_quotes(text: str) -> str:
    """Remove a paragraph that repeats earlier words word for word (a pull
    quote set in the page's margin): the repeat goes, the original stays.

    Case, punctuation and quote marks do not count, nor a trailing credit
    ("-- Ann Lee").  A paragraph is a repeat when it is an earlier sentence,
    quotation or paragraph (PULL_QUOTE_MIN_WORDS words or more), or when it
    is PULL_QUOTE_RUN_WORDS words or more found word for word in an earlier
    paragraph (every run of that many of its words was seen: linear time,
    however long the article).
    """
    paragraphs = split_paragraphs(text)
    seen: set[str] = set()
    runs: set[int] = set()
    pending: list[tuple[str, str | None]] = []  # kept, not yet indexed: an article of one paragraph costs nothing

    def index_pending() -> None:
        for flat, whole in pending:
            whole = whole if whole is not None else _words(flat)
            seen.add(whole)
            seen.update(_words(s) for s in _SENTENCES.split(flat))
            seen.update(_words(q) for q in _QUOTED.findall(flat))
            runs.update(_runs(whole.split()))
        pending.clear()

    out = []
    for index, paragraph in enumerate(paragraphs):
        flat = " ".join(paragraph.split())
        whole = _words(flat) if index else None
        if whole is not None:
            index_pending()
            credit = _TRAILING_CREDIT.search(flat)
            for candidate in {whole, _words(flat[: credit.start()]) if credit else whole}:
                words = candidate.split()
                if len(words) >= PULL_QUOTE_MIN_WORDS and (
                    candidate in seen or (len(words) >= PULL_QUOTE_RUN_WORDS and _runs(words) <= runs)
                ):
                    break
            else:
                candidate = None
            if candidate is not None:
                log.debug("clean: paragraph %d repeats earlier words (a pull quote): dropped", index)
                continue
        out.append(paragraph)
        pending.append((flat, whole))
    return "\n\n".join(out) if len(out) < len(paragraphs) else text


# --- the list of cleaners -----------------------------------------------------------

#: every built-in cleaner, in the order they run: the line cleaners first,
#: then whitespace (which joins a paragraph's lines), then what works on
#: whole paragraphs
CLEANERS: list[Cleaner] = [
    drop_ad_markers,
    drop_photo_captions,
    drop_video_prompts,
    drop_social_prompts,
    drop_byline_lines,
    drop_advert_labels,
    drop_newsletter_prompts,
    drop_boilerplate_lines,
    normalize_whitespace,
    drop_repeated_pull_quotes,
    split_long_paragraphs,
]
CLEANER_NAMES: tuple[str, ...] = tuple(c.__name__ for c in CLEANERS)


def _is_furniture(line: str) -> bool:
    """True when some built-in line cleaner would drop ``line``."""
    return any(
        p.match(line) for p in (PHOTO_CREDIT, PICTURE_MARKER, VIDEO_PROMPT, SOCIAL_PROMPT, ADVERT_LABEL, NEWSLETTER_PROMPT, BOILERPLATE)
    ) or _share_bar(line)


def lines_matching(patterns: Iterable[str]) -> Cleaner:
    """A cleaner that drops every line in which one of the regular expressions
    ``patterns`` is found (``re.search``, case-insensitive: anchor with ^ and $)."""
    compiled = [re.compile(p, re.I) for p in patterns]

    def extra_patterns(text: str) -> str:
        return _drop_lines(text, lambda line: any(p.search(line) for p in compiled))

    return extra_patterns


def build_cleaners(skip: Iterable[str] = (), patterns: Sequence[str] = (), extra: Sequence[Cleaner] = ()) -> list[Cleaner]:
    """The built-in cleaners less those named in ``skip``, with a cleaner for
    the line ``patterns`` and the ``extra`` functions added after the line
    cleaners (before whitespace is normalised, so they too see lines).

    ValueError names an unknown cleaner.
    """
    skip = set(skip)
    unknown = sorted(skip - set(CLEANER_NAMES))
    if unknown:
        raise ValueError(f"unknown cleaner(s) {', '.join(unknown)}; known: {', '.join(CLEANER_NAMES)}")
    kept = [c for c in CLEANERS if c.__name__ not in skip]
    added: list[Cleaner] = ([lines_matching(patterns)] if patterns else []) + list(extra)
    at = sum(1 for c in kept if CLEANERS.index(c) < CLEANERS.index(normalize_whitespace))
    return kept[:at] + added + kept[at:]


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


def _is_headline(paragraph: str) -> bool:
    line = paragraph.strip()
    words = line.split()
    return (
        "\n" not in line
        and 0 < len(words) <= HEADLINE_MAX_WORDS
        and line[-1] not in SENTENCE_END
        and any(c.isalpha() for c in line)
        and not BYLINE.match(line)
        and not _is_furniture(line)
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
    kept = set(paragraphs)
    return replace(
        article,
        paragraphs=paragraphs,
        headings=tuple(h for h in article.headings if h in kept),  # a heading a cleaner dropped is no section
        title=article.title or title,
        author=article.author or author,
        date=article.date or date,
    )
