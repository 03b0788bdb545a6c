"""Attribute: segments -> segments with a speaker, partial quotes handed to the narrator.

    paragraphs + [Segment] -> [Segment] (same text, same marks; kind and speaker decided)

Plain-Python rules, no model.  This module is the driver and the speech or
partial decision; ``speakers`` reads who an attribution names, ``focus`` keeps
who the narration is about, ``names`` who the article's people are.  Steps:

1. ``names.people``: collect the people and organisations of the article
   (``Tory co-chairman Liam Fox``, ``Gerhard Müller, the prefect for ...``,
   ``Farrow Sea Links``), keyed by their folded surname, with their gender
   (title, given name) and the role nouns written next to them, so that "the
   prefect said" finds Müller.
2. For each quote, its *tail* (the narration of its sentence before it) and its
   *head* (the narration after it, up to the end of that sentence).  Each
   narration sentence's subject, and a speaker in a clause of its own ("...,
   and Santangelo said"), enter the ``focus.Focus`` (``_update_focus``).
3. ``_is_speech``: a quote is speech when it stands as a sentence of its own
   (starts the sentence, or follows a colon or "he said," with the said-verb
   among the last words before the comma), when it continues a quote left
   open, or when an attribution follows it ("..., she said", "..., said
   harbour master Dan Reyes", or any verb when speaker and verb end the
   sentence: "..., he grumbled.").  A quote embedded mid-sentence (scare
   quote, title, a fragment completing the narrator's clause, after "is" or
   after a parenthetical "she says,") becomes narration: the narrator reads it.
4. Who: ``speakers.who_before`` / ``who_after`` read the attribution before or
   after the quote.  Without attribution a quote takes the speaker of its
   split twin, of its paragraph, of the attribution closing its
   multi-paragraph run, of the person the narration paragraph before it ends
   on, or of the quote before it (photo captions between them skipped); after
   a colon introduction with neither verb nor name ("Then, a little louder:")
   the last speaker goes on.
5. A quote nested in a speech quote, attributed inside it to a named person,
   is cut out and voiced as that person; otherwise it stays in the outer quote.

Every output paragraph still joins back exactly; the function never raises.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Sequence

from . import patterns
from .focus import Focus
from .models import NARRATION, QUOTE, Segment
from .names import NAME, TITLE_ABBREVIATIONS, TITLES, People, fold, people as find_people, split_title
from .segment import quote_spans
from .speakers import (PARTICIPLE, SPEAKING_CLAUSE, SPEECH_VERBS, SUBJECT_AFTER, SUBJECT_NP, VERB, attribution_after,
                       bare_attribution, subject, who_after, who_before)

logger = logging.getLogger(__name__)

# --- Patterns: sentences, captions, attributions set off by commas ----------

ABBREVIATIONS = frozenset(
    "mr mrs ms dr st no prof gen sen rep gov lt col sgt capt jr sr vs mt ft rev inc ltd co corp".split()
) | frozenset(TITLE_ABBREVIATIONS.lower().split("|"))
SENTENCE_END = patterns.compile(r"[.!?…]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9]|$)")
# "(Image: Kestrel FC)", "(Photo: AP)", "Picture: Ann Lee" closing a paragraph: a photo caption.
PICTURE_CREDIT = patterns.compile(
    r"(?:\((?:Image|Photo|Picture|Pic|Photograph|Credit)s?\s*:[^()]*\)|\b(?:Credit|Photo|Picture|Photograph)s?\s*:[^.!?]*)\s*$")
CLAUSE_END = patterns.compile(r"[.!?…]['\"”’)\]]*\s*$")

# What may stand between the speech verb and the comma that opens the quote:
# the speaker or the audience ("said Judge Ann Lee,", "told reporters,") or
# where and when ("said in a statement on Tuesday,").
SAID_WHERE = (r"(?:statement|interview|release|conference|briefing|email|post|video|podcast|court|courthouse"
              r"|hearing|reporters|[A-Z]\w*day|today|yesterday|morning|afternoon|evening|night|week|month|year)")
# "..., she says, “": an attribution set off by commas in the middle of a narrator's sentence.
_NP = SUBJECT_NP.replace("(?P<np>", "(?:")
PARENTHETICAL = patterns.compile(rf",\s*(?:and\s+|but\s+)?(?:{_NP}\s+(?:{SPEECH_VERBS})|(?:{SPEECH_VERBS})\s+{_NP}),$")
_SAID_WHERE_AT_END = patterns.compile(rf"\b{SAID_WHERE}$")
_VERB_FIRST = patterns.compile(rf"^\s*(?:{SPEECH_VERBS})\b")
# A quote right after these completes the narrator's clause: Charges are “not expected”.
LINKING_VERBS = frozenset(
    "is are was were be been being am remain remains remained seem seems seemed become becomes became".split())


def speaker_key(name: str) -> str:
    """A stable key for a speaker: folded, titles and punctuation dropped.

    ``speaker_key("Mr Müller") == speaker_key("mueller")``; casting uses it so
    every spelling of one person gets one voice.
    """
    words = re.findall(r"[^\W_]+", fold(name or ""))
    kept = [w for w in words if w not in TITLES] or words
    return " ".join(kept)


# --- Sentences ----------------------------------------------------------------


_WORD_BEFORE = patterns.compile(r"(\w+)\W*$")
#: how far back from a full stop its word is looked for: a bounded look keeps
#: a paragraph of many sentences linear (a whole article on one line)
WORD_BEFORE_REACH = 64


def sentence_ends(text: str) -> list[re.Match]:
    """Sentence ends in ``text``, not counting abbreviations ("Sgt.") and
    initials ("U.S. District Judge", "J.K. Rowling")."""
    ends = []
    for m in SENTENCE_END.finditer(text):
        word = _WORD_BEFORE.search(text, max(0, m.start() + 1 - WORD_BEFORE_REACH), m.start() + 1)
        if word and (word.group(1).lower() in ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        ends.append(m)
    return ends


def _sentence_tail(text: str) -> tuple[str, bool]:
    """The part of ``text`` after its last sentence end, and whether one was found."""
    ends = sentence_ends(text)
    return (text[ends[-1].end():], True) if ends else (text, False)


def _sentence_head(text: str) -> str:
    ends = sentence_ends(text)
    return text[:ends[0].start() + 1] if ends else text


def _ends_sentence(seg: Segment) -> bool:
    return bool(CLAUSE_END.search(seg.text)) or (seg.kind == QUOTE and not seg.close)


# --- Step 2: narration feeds the focus; a quote's context ------------------

def _update_focus(text: str, people: People, focus: Focus, continues: bool = False) -> str | None:
    """Push the people narration talks about; return the subject of its last sentence.

    ``continues``: the text goes on with a sentence begun before a partial
    quote ("The star said she had been ‘blindsided’ when ..."), whose subject
    is already in focus; its first piece names no new subject.
    """
    pos, who = 0, focus.here if continues else None
    for m in sentence_ends(text) + [None]:
        sentence = text[pos:m.end() if m else len(text)]
        pos = m.end() if m else len(text)
        if continues:
            continues = False
            focus.note_documents(sentence)
            continue
        if not sentence.strip():
            continue
        focus.note_documents(sentence)
        who = subject(sentence, people, focus)
        if who:
            focus.push(who)
            _learn_gender(sentence, who, people)
        speaker = SPEAKING_CLAUSE.search(sentence)
        words, title = split_title(speaker.group("name")) if speaker else ([], None)
        if words:  # "Rovers led early, and Santangelo said they ...": the speaker is the latest in focus
            who = people.resolve(" ".join(words), title)
            focus.push(who)
    focus.here = who
    return who


def _learn_gender(sentence: str, who: str, people: People) -> None:
    """Tony Blair lied when he ...: a lone person's later pronoun tells the gender."""
    named = {people.resolve(" ".join(split_title(m.group())[0])) for m in NAME.finditer(sentence)}
    if who in people.gender or who in people.orgs or len(named & set(people.by_surname.values())) > 1:
        return
    at = max(sentence.find(who.split()[-1]), 0)
    m = re.search(r"\b(he|his|him|she|her)\b", sentence[at:], re.IGNORECASE)
    if m:
        people.gender[who] = "m" if m.group(1).lower() in ("he", "his", "him") else "f"


@dataclass
class QuoteContext:
    tail: str
    """Narration of the quote's sentence before it (stripped)."""
    head: str
    """Narration after it up to the end of its sentence."""
    runs_on: bool
    """It continues a quote left open just before it."""
    split_twin: int | None
    """Index of the quote closed just before it in the same sentence."""


def _context(segs: list[Segment], i: int) -> QuoteContext:
    seg = segs[i]
    tail, runs_on, twin = "", False, None
    j = i - 1
    if j >= 0 and segs[j].paragraph == seg.paragraph and segs[j].kind == NARRATION:
        tail, found = _sentence_tail(segs[j].text)
        if not found and j - 1 >= 0 and segs[j - 1].paragraph == seg.paragraph:
            prev = segs[j - 1]
            if not prev.close and not tail.strip():
                runs_on = True
            elif not _ends_sentence(prev):
                twin = j - 1
        j -= 1
    elif j >= 0 and segs[j].kind == QUOTE and not segs[j].close:
        runs_on = True  # continues the previous paragraph's (or piece's) open quote
    head = ""
    k = i + 1
    if k < len(segs) and segs[k].paragraph == seg.paragraph and segs[k].kind == NARRATION:
        head = _sentence_head(segs[k].text)
        if re.search(r"[.]\W*$", seg.text) and re.match(r"\s*[A-Z]", head):
            head = ""  # the quote ended its sentence; this is a new one
    return QuoteContext(tail.strip(), head, runs_on, twin)


# --- Step 3: speech or partial ------------------------------------------------


def _introduces(tail: str) -> bool:
    """The narration before a quote ends on its attribution and a comma:
    "he said,", "said Judge Ann Lee,", "she told reporters,", "according to
    police," -- not a said-verb far back in the sentence ("Prosecutors said he
    ran the charity, Rebuild Town, “...”")."""
    if re.search(r"\b[Aa]ccording to\s+[^,.;:“”\"]{1,60},$", tail):
        return True
    verbs = list(VERB.finditer(tail)) + list(PARTICIPLE.finditer(tail))
    if not verbs:
        return False
    between = tail[max(v.end() for v in verbs):-1]
    if "," in between:
        return False
    n = len(between.split())
    return (n <= 4 or bool(SUBJECT_AFTER.fullmatch(between))
            or n <= 7 and bool(_SAID_WHERE_AT_END.search(between)))


def _is_speech(seg: Segment, ctx: QuoteContext, twin_speech: bool) -> bool:
    text = seg.text.strip()
    words = len(text.split())
    if ctx.runs_on:
        return True
    if ctx.tail.endswith(":"):
        return True
    if ctx.tail.endswith(",") and twin_speech:
        return True
    if ctx.tail.endswith(",") and _introduces(ctx.tail):
        # "She has written to the council and, she says, “shouted at a man”":
        # a lowercase fragment after a parenthetical attribution is the narrator's.
        return not (text[:1].islower() and PARENTHETICAL.search(ctx.tail))
    ends_clause = bool(re.search(r"[,?!]$", text) or re.match(r"^\s*[,?!]", ctx.head))
    after = attribution_after(ctx.head) or ends_clause and bool(bare_attribution(ctx.head))
    tail_words = ctx.tail.split()
    # “...,” said <anyone>: a quote that opens its sentence and hands over to a said-verb
    said_next = bool(re.search(r"[,?!]$", text) and _VERB_FIRST.match(ctx.head))
    if not tail_words:
        if after or said_next or ctx.head.strip() == "" and words >= 2 and (CLAUSE_END.search(text) or words >= 6):
            return True
        return after
    if tail_words[-1].lower() in LINKING_VERBS:
        return False  # Charges are “not expected at this time,” police said.
    comma_next = bool(re.search(r"[,?!]$", text) or re.match(r"^\s*,", ctx.head) and words >= 3)
    if len(tail_words) <= 2 and not VERB.search(ctx.tail) and comma_next:
        return after  # The “police have been…,” she says / The ‘email came ...’, she said
    if VERB.search(tail_words[-1]) or VERB.search(" ".join(tail_words[-3:])):
        # said Smith “didn’t fight hard enough” is the narrator's; a whole
        # capitalised sentence after "told reporters" is speech.
        return text[:1].isupper() and bool(CLAUSE_END.search(text)) and words >= 4
    return False


# --- Step 5 and the driver ---------------------------------------------------


def _split_nested(seg: Segment, people: People, focus: Focus) -> list[Segment]:
    """Cut out a quote nested in ``seg`` when a named person inside says it."""
    spans, _ = quote_spans(seg.text)
    if not spans:
        return [seg]
    out: list[Segment] = []
    pos = 0
    open_mark = seg.open
    for span in spans:
        inner = seg.text[span.start:span.end]
        before = seg.text[pos:span.start - len(span.open)]
        tail, _ = _sentence_tail(seg.text[:span.start - len(span.open)])
        after = _sentence_head(seg.text[span.end + len(span.close):])
        who = None
        if tail.strip().endswith((":", ",")) or not tail.strip():
            who = who_before(tail, people, Focus(people)) if tail.strip() else who_after(after, people, Focus(people))
        if not who or not span.close or not inner.strip() or speaker_key(who) == speaker_key(seg.speaker or ""):
            continue
        if before:
            out.append(replace(seg, text=before, open=open_mark, close=""))
            open_mark = ""
        out.append(replace(seg, text=inner, open=open_mark + span.open, close=span.close, speaker=who))
        open_mark = ""
        pos = span.end + len(span.close)
    if not out:
        return [seg]
    rest = seg.text[pos:]
    if rest:
        out.append(replace(seg, text=rest, open=open_mark, close=seg.close))
    else:
        last = out[-1]
        out[-1] = replace(last, close=last.close + seg.close)
    return out


def attribute(paragraphs: Sequence[str], segments: Sequence[Segment]) -> list[Segment]:
    """Decide speech or partial for every quote, and who says each speech quote."""
    segs = list(segments)
    try:
        return _attribute(paragraphs, segs)
    except Exception:  # never fail the episode over attribution
        logger.exception("attribution failed; quotes left unattributed")
        return segs


def _attribute(paragraphs: Sequence[str], segs: list[Segment]) -> list[Segment]:
    people = find_people(paragraphs)
    mentions: dict[str, int] = {}
    for word in re.findall(r"[a-z][\w\-]*", " ".join(paragraphs)):
        mentions[word] = mentions.get(word, 0) + 1
    focus = Focus(people, mentions=mentions, salience=people.salience(paragraphs))
    people.recent = focus.recent  # a bare surname two people share is the one in focus
    kinds: list[str] = [s.kind for s in segs]
    speakers: list[str | None] = [None] * len(segs)
    last_speaker: str | None = None
    last_speaker_para = -2
    subject: dict[int, str | None] = {}  # paragraph -> subject of its latest narration sentence
    ends_in_narration: dict[int, bool] = {}
    spoken: set[int] = set()  # paragraphs with a speech quote
    captions = _caption_like(paragraphs, segs)
    first_of: dict[int, int] = {}  # paragraph -> index of its first segment
    for i, seg in enumerate(segs):
        first_of.setdefault(seg.paragraph, i)
    for i, seg in enumerate(segs):
        if i == 0 or segs[i - 1].paragraph != seg.paragraph:
            if i and segs[i - 1].paragraph in spoken:
                focus.introduced = None
            focus.here = None
            focus.paragraph = seg.paragraph
        ends_in_narration[seg.paragraph] = seg.kind == NARRATION
        if seg.kind == NARRATION and seg.paragraph in captions:
            continue  # a photo caption names people without making them the subject
        if seg.kind == NARRATION:
            continues = i > 0 and segs[i - 1].paragraph == seg.paragraph and kinds[i - 1] == NARRATION \
                and segs[i - 1].kind == QUOTE and not _ends_sentence(segs[i - 1])
            subject[seg.paragraph] = _update_focus(seg.text, people, focus, continues)
            if seg.paragraph not in spoken:
                focus.introduced = focus.here
            continue
        ctx = _context(segs, i)
        twin_speech = ctx.split_twin is not None and kinds[ctx.split_twin] == QUOTE
        if not _is_speech(seg, ctx, twin_speech):
            kinds[i] = NARRATION
            ends_in_narration[seg.paragraph] = True
            continue
        who = None
        if ctx.runs_on and i > 0 and segs[i - 1].kind == QUOTE:
            who = speakers[i - 1]
        elif ctx.runs_on and i > 1 and segs[i - 2].kind == QUOTE:
            who = speakers[i - 2]
        who = who or (who_before(ctx.tail, people, focus) if ctx.tail else None)
        if not who and ctx.split_twin is not None and kinds[ctx.split_twin] == NARRATION:
            # the minister said all options “remain on the table,” but added: “...”
            who = who_before(_sentence_before(segs, i), people, focus)
        who = who or who_after(ctx.head, people, focus)
        if not who and twin_speech:
            who = speakers[ctx.split_twin]
        if not who:
            who = _paragraph_speaker(segs, i, kinds, speakers, people, focus)
        if not who and segs[first_of[seg.paragraph]].kind == QUOTE:
            # News style: an unattributed quote paragraph belongs to the person
            # the narration paragraph before it ends on, else to the last speaker.
            who = _later_attribution(segs, i, people, focus)
            before = seg.paragraph - 1
            while before in captions:
                before -= 1
            if who:
                pass
            elif ends_in_narration.get(before) and subject.get(before) and focus.kind(subject[before]) == "person":
                who = subject[before]
            elif last_speaker_para >= before:
                who = last_speaker
        if not who and not ctx.tail:
            who = subject.get(seg.paragraph)  # Smith was defiant. “We will win.”
        if not who and _elliptical(ctx.tail) and last_speaker_para >= seg.paragraph - 1:
            who = last_speaker  # “The tips.” / Then, a little louder: “And helping people.”
        speakers[i] = who
        spoken.add(seg.paragraph)
        focus.introduced = None
        if who:
            last_speaker, last_speaker_para = who, seg.paragraph
            focus.push(who)
    out: list[Segment] = []
    for seg, kind, who in zip(segs, kinds, speakers):
        seg = replace(seg, kind=kind, speaker=who if kind == QUOTE else None)
        out.extend(_split_nested(seg, people, focus) if kind == QUOTE else [seg])
    logger.info("attributed %d speech quotes, %d partial quotes to the narrator",
                sum(s.kind == QUOTE for s in out), sum(k != s.kind for k, s in zip(kinds, segs)))
    return out


def _sentence_before(segs: list[Segment], i: int) -> str:
    """The whole sentence before quote ``i``, partial quotes and their marks included."""
    para = segs[i].paragraph
    j = i
    while j > 0 and segs[j - 1].paragraph == para:
        j -= 1
    before = "".join(s.open + s.text + s.close for s in segs[j:i])
    return _sentence_tail(before)[0].strip()


def _elliptical(tail: str) -> bool:
    """A colon introduction with neither verb nor name ("Then, a little louder:"):
    the last speaker goes on."""
    return (tail.endswith(":") and not VERB.search(tail) and not PARTICIPLE.search(tail)
            and not any(split_title(m.group())[0] for m in NAME.finditer(tail))
            and not re.search(r"\b(?:he|she|they|it|we|I)\b", tail, re.IGNORECASE))


def _later_attribution(segs: list[Segment], i: int, people: People, focus: Focus) -> str | None:
    """The attribution after the end of a quote that runs on over paragraphs."""
    k = i
    while k < len(segs) and segs[k].kind == QUOTE and not segs[k].close:
        k += 1
        while k < len(segs) and segs[k].kind != QUOTE:
            if segs[k].text.strip():
                return None  # narration between the pieces: not one quote
            k += 1
    if k == i or k >= len(segs):
        return None
    return who_after(_context(segs, k).head, people, Focus(people, focus.recent[:], focus.mentions))


def _caption_like(paragraphs: Sequence[str], segs: list[Segment]) -> set[int]:
    """Paragraphs of narration only that end without a sentence mark or on a
    picture credit: photo captions and leftovers ("Advertisement") that
    interrupt a speaker's quotes."""
    quoted = {s.paragraph for s in segs if s.kind == QUOTE}
    return {i for i, text in enumerate(paragraphs)
            if i not in quoted and text.strip()
            and (not re.search(r"[.!?…:;\"”’')\]]\s*$", text) or PICTURE_CREDIT.search(text))}


#: how many later quotes of its paragraph an unattributed quote looks at for a
#: speaker: news paragraphs hold a few; looking at all would make a paragraph
#: of thousands of quotes (a whole article on one line) quadratic
LATER_QUOTES_LOOKED_AT = 6


def _paragraph_speaker(segs, i, kinds, speakers, people, focus) -> str | None:
    """A speaker named elsewhere in the quote's paragraph: earlier quotes first."""
    para = segs[i].paragraph
    for j in range(i - 1, -1, -1):
        if segs[j].paragraph != para:
            break
        if kinds[j] == QUOTE and speakers[j]:
            return speakers[j]
    looked_at = 0
    for k in range(i + 1, len(segs)):
        if segs[k].paragraph != para or looked_at == LATER_QUOTES_LOOKED_AT:
            break
        if segs[k].kind == QUOTE and kinds[k] == QUOTE:
            looked_at += 1
            ctx = _context(segs, k)
            who = who_before(ctx.tail, people, focus) or who_after(ctx.head, people, focus)
            if who:
                return who
    return None
