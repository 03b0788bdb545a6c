"""Attribute: segments -> segments with a speaker, partial quotes handed to the narrator.

    paragraphs + [Segment] -> [Segment] (same text, same marks; kind and speaker decided)

Plain-Python rules, no model.  Steps:

1. ``_people``: collect the capitalised names of the article (``Tory co-chairman
   Liam Fox``, ``Gerhard Müller, the prefect for ...``), keyed by their folded
   surname, with the role nouns written next to them (``co-chairman``,
   ``prefect``) so that "the prefect said" finds Müller.
2. For each quote, its *tail* (the narration of its sentence before it) and its
   *head* (the narration after it, up to the end of that sentence).
3. ``_is_speech``: a quote is speech when it stands as a sentence of its own
   (starts the sentence, or follows a colon or "he said,"), when it continues
   a quote left open, or when an attribution follows it ("..., she said").
   A quote embedded mid-sentence (scare quote, title, a fragment completing
   the narrator's clause) becomes narration: the narrator reads it.
4. ``_who``: the speaker from "X said", "said X", "X, 79, said", "X told the
   BBC:", "according to X", a participle ("..., saying:") whose subject starts
   the sentence, or a pronoun resolved to the person most recently in focus
   (a sentence subject or the last speaker, honouring he/she when a title
   tells the gender).  Without attribution a quote takes the speaker of its
   split twin, of its paragraph, or of the quote it continues.
5. A quote nested in a speech quote, attributed inside it to a named person,
   is cut out and voiced as that person; otherwise it stays in the outer quote.

Every output paragraph still joins back exactly; the function never raises.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Sequence

from .models import NARRATION, QUOTE, Segment
from .segment import quote_spans

logger = logging.getLogger(__name__)

# --- Patterns and constants -------------------------------------------------

SPEECH_VERBS = (
    "said|says|say|told|tells|tell|added|adds|insisted|insists|warned|warns|explained|explains"
    "|argued|argues|claimed|claims|wrote|writes|asked|asks|replied|replies|continued|continues"
    "|noted|notes|recalled|recalls|admitted|admits|acknowledged|acknowledges|stated|states"
    "|declared|declares|tweeted|tweets|posted|announced|announces|confirmed|confirms|suggested"
    "|suggests|remarked|responded|responds|observed|commented|conceded|concedes|cautioned"
    "|stressed|stresses|urged|urges|joked|jokes|shouted|whispered|concluded|concludes"
    "|reported|reports|recounted|agreed|agrees|mused|quipped|boasted|complained|complains"
    "|pleaded|vowed|vows|predicted|exclaimed|sighed|answered|answers|testified|wondered"
)
PARTICIPLES = (
    "saying|adding|telling|insisting|warning|explaining|arguing|claiming|writing|asking"
    "|noting|recalling|admitting|acknowledging|stating|declaring|tweeting|announcing"
    "|stressing|urging|concluding|replying|responding|continuing|joking"
)
VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
PARTICIPLE = re.compile(rf"\b(?:{PARTICIPLES})\b", re.IGNORECASE)

TITLES = frozenset(
    "mr mrs ms miss mx dr sir lord lady dame baroness baron prof professor rev reverend father"
    " mother sister brother pope president senator sen gov governor judge coach st saint"
    " captain capt general gen colonel col sergeant sgt lieutenant lt rep representative"
    " chancellor minister cardinal bishop archbishop rabbi imam king queen prince princess"
    " officer detective inspector councilman councilwoman councillor councilor cllr alderman"
    " mayor commissioner superintendent chief sheriff deputy ambassador".split()
)
MALE = frozenset("mr sir lord baron father brother pope king prince".split())
FEMALE = frozenset("mrs ms miss lady dame baroness mother sister queen princess".split())
PRONOUNS = {"he": "m", "she": "f", "they": None, "it": None}

# Capitalised words that start sentences or name no one.
NOT_NAMES = frozenset(
    "the a an and but or so yet if then when while as at in on of for to from by with after"
    " before during since until meanwhile however although though this that these those it its"
    " he she they we i you his her their our my your there here what who which where why how"
    " both all some many most one two three no not also only even still now today yesterday"
    " monday tuesday wednesday thursday friday saturday sunday january february march april"
    " june july august september october november december prior despite according"
    " unlike like instead earlier later last next new first".split()
)
# Words before a name that make it an object, not the subject of its sentence.
OBJECT_MARKERS = frozenset(
    "to of for with against by about after before than from at in on into over under between"
    " and or accused told asked thanked attacked criticised criticized urged met like whether"
    " as".split()
)
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st no prof gen sen rep gov lt col sgt capt jr sr vs mt ft rev inc ltd co corp".split()
)
NAME_WORD = r"(?:[A-Z][\w'’\-]*?[a-z\u00df-\u00ff]\w*(?:['’\-]\w+)*|[A-Z]\.(?:[A-Z]\.)*|[IVX]+\b)"
NAME = re.compile(rf"{NAME_WORD}(?:\s+(?:(?:de|da|van|von|der|den|del|la|le|bin|al|du|dos|di|ter)\s+)?{NAME_WORD})*")
# "the report", "an official", "a spokesman for the firm", "critics", "The 79-year-old"
DESCRIPTOR = re.compile(
    r"(?:(?:the|a|an|one|another|some|two|three|several)\s+)(?P<words>(?:[\w’'\-]+\s+){0,3}?[\w’'\-]+?)"
    r"(?=\s*(?:,|\s(?:for|of|at|from|in|with|who)\b|$))",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[.!?…]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9]|$)")
APPOSITIVE = r"(?:\s*,\s*[^,:;“”\"]{1,90}?,)?"
ADVERB = r"(?:\s+(?:also|later|then|previously|once|has|had|have|was|were|is|would|will|had\s+earlier|\w+ly))*"
CLAUSE_END = re.compile(r"[.!?…]['\"”’)\]]*\s*$")


def fold(text: str) -> str:
    """Casefolded, diacritics removed, and German ue/oe/ae spelled as the bare vowel."""
    text = text.casefold().replace("ß", "ss")
    text = text.replace("ue", "u").replace("oe", "o").replace("ae", "a")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def speaker_key(name: str) -> str:
    """A stable key for a speaker: folded, titles and punctuation dropped.

    ``speaker_key("Mr Müller") == speaker_key("mueller")``; casting uses it so
    every spelling of one person gets one voice.
    """
    words = re.findall(r"[^\W_]+", fold(name or ""))
    kept = [w for w in words if w not in TITLES] or words
    return " ".join(kept)


# --- Step 1: the people of the article --------------------------------------


@dataclass
class People:
    """Names found in the article, so a surname or a role finds the full name."""

    by_surname: dict[str, str] = field(default_factory=dict)
    """Folded surname -> the fullest name written with it."""
    gender: dict[str, str] = field(default_factory=dict)
    """Full name -> "m" or "f" when a title says so."""
    roles: dict[str, set[str]] = field(default_factory=dict)
    """Folded role noun ("prefect", "mp") -> the full names it describes."""
    by_first: dict[str, set[str]] = field(default_factory=dict)
    """Folded first name -> full names, for "Sir Anthony" or a friend's "Jose"."""

    def add(self, words: list[str], title: str | None) -> str:
        full = " ".join(words)
        key = fold(words[-1])
        known = self.by_surname.get(key)
        if known is None or len(full.split()) > len(known.split()):
            self.by_surname[key] = full
            if known and known in self.gender:
                self.gender.setdefault(full, self.gender[known])
        full = self.by_surname[key]
        if len(words) > 1:
            self.by_first.setdefault(fold(words[0]), set()).add(full)
        if title in MALE or title in FEMALE:
            self.gender.setdefault(full, "m" if title in MALE else "f")
        return full

    def resolve(self, name: str) -> str:
        words = [w for w in name.split() if w.lower().rstrip(".") not in TITLES]
        if not words:
            return name
        key = fold(words[-1])
        if key in self.by_surname:
            return self.by_surname[key]
        firsts = {self.by_surname.get(fold(f.split()[-1]), f) for f in self.by_first.get(key, ())}
        firsts = firsts if len(words) == 1 else set()
        return next(iter(firsts)) if len(firsts) == 1 else " ".join(words)

    def by_role(self, words: str) -> str | None:
        head = fold(words.split()[-1]) if words.split() else ""
        names = self.roles.get(head, set())
        return next(iter(names)) if len(names) == 1 else None


def _split_title(match_text: str) -> tuple[list[str], str | None]:
    """Words of a capitalised run with leading non-names dropped, and its title."""
    words = match_text.split()
    while words and words[0].lower() in NOT_NAMES:
        words = words[1:]
    title = None
    while words and words[0].lower().rstrip(".") in TITLES:
        title = title or words[0].lower().rstrip(".")
        words = words[1:]
    return words, title


def _people(paragraphs: Sequence[str]) -> People:
    people = People()
    singles: list[tuple[str, str | None]] = []
    for text in paragraphs:
        for m in NAME.finditer(text):
            words, title = _split_title(m.group())
            if not words:
                continue
            if len(words) == 1:
                singles.append((words[0], title))
                continue
            full = people.add(words, title)
            _note_roles(people, full, text, m.start(), m.end())
    for word, title in singles:  # "Mr Smith" with no first name anywhere
        if title and fold(word) not in people.by_surname and fold(word) not in people.by_first:
            people.add([word], title)
    return people


def _note_roles(people: People, full: str, text: str, start: int, end: int) -> None:
    """Role nouns written just before a name or in the appositive after it."""
    before = re.search(r"([a-z][\w\-]+|[A-Z]{2,})\s+$", text[max(0, start - 40):start])
    if before and before.group(1).lower() not in NOT_NAMES | OBJECT_MARKERS:
        people.roles.setdefault(fold(before.group(1)), set()).add(full)
    after = re.match(r",\s+(?:the|a|an)\s+([^,]{1,80}?)(?=,|\s(?:of|for|at|in|and|who)\b)", text[end:])
    if after:
        head = after.group(1).split()[-1]
        people.roles.setdefault(fold(head), set()).add(full)


# --- Step 2: sentence context -----------------------------------------------


def _sentence_tail(text: str) -> tuple[str, bool]:
    """The part of ``text`` after its last sentence end, and whether one was found."""
    last = None
    for m in SENTENCE_END.finditer(text):
        word = re.search(r"(\w+)\W*$", text[:m.start() + 1])
        if word and word.group(1).lower() in ABBREVIATIONS:
            continue
        last = m
    return (text[last.end():], True) if last else (text, False)


def _sentence_head(text: str) -> str:
    for m in SENTENCE_END.finditer(text):
        word = re.search(r"(\w+)\W*$", text[:m.start() + 1])
        if word and word.group(1).lower() in ABBREVIATIONS:
            continue
        return text[:m.start() + 1]
    return text


def _ends_sentence(seg: Segment) -> bool:
    return bool(CLAUSE_END.search(seg.text)) or (seg.kind == QUOTE and not seg.close)


# --- Step 4: who ------------------------------------------------------------


@dataclass
class Focus:
    """Who the narration is about: the people most recently in subject position."""

    recent: list[str] = field(default_factory=list)

    def push(self, name: str) -> None:
        if name in self.recent:
            self.recent.remove(name)
        self.recent.insert(0, name)

    def pronoun(self, word: str, people: People) -> str | None:
        want = PRONOUNS.get(word.lower())
        for name in self.recent:
            if want is None or people.gender.get(name) in (None, want):
                return name
        return None


def _np(text: str, people: People, focus: Focus) -> str | None:
    """The speaker a noun phrase names: a person, a pronoun's person, or a label."""
    text = text.strip(" ,")
    if not text:
        return None
    first = text.split()[0].lower()
    if first in PRONOUNS and len(text.split()) == 1:
        return focus.pronoun(first, people)
    if first in ("i", "we", "you"):
        return None
    desc = DESCRIPTOR.match(text)
    if desc:
        words = desc.group("words")
        return people.by_role(words) or words
    for name in NAME.finditer(text):  # "Holtz", "agency spokesman Terrence Bell"
        words, _ = _split_title(name.group())
        if words:
            return people.resolve(" ".join(words))
    if re.fullmatch(r"[a-z][\w\-]+", text):  # "critics", "officials"
        return text
    return None


SUBJECT_NP = (
    rf"(?P<np>(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t|I|[Ww]e|(?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother)\s+)"
    rf"(?:[\w’'\-]+\s+){{0,3}}?[\w’'\-]+|{NAME.pattern}|[a-z]+s))"
)
# After the quote: ", he said", " Holtz said", " the report said", " Martin, 79, told"
AFTER_SUBJECT_VERB = re.compile(rf"^[\s,—–-]*{SUBJECT_NP}{APPOSITIVE}{ADVERB}\s+(?:{SPEECH_VERBS})\b")
# After the quote: ", said Mary Smith", ", added the minister"
AFTER_VERB_SUBJECT = re.compile(rf"^[\s,—–-]*(?:{SPEECH_VERBS})\s+{SUBJECT_NP}")
ACCORDING = re.compile(r"\b[Aa]ccording to\s+(?P<np>[^,.;:“”\"]{1,80})")


def _who_after(head: str, people: People, focus: Focus) -> str | None:
    for pattern in (AFTER_SUBJECT_VERB, AFTER_VERB_SUBJECT):
        m = pattern.match(head)
        if m:
            return _np(m.group("np"), people, focus)
    m = ACCORDING.search(head)
    return _np(m.group("np"), people, focus) if m else None


def _attribution_after(head: str) -> bool:
    return bool(AFTER_SUBJECT_VERB.match(head) or AFTER_VERB_SUBJECT.match(head)
                or re.match(r"^[\s,—–-]*according to\b", head))


def _who_before(tail: str, people: People, focus: Focus) -> str | None:
    """The speaker named in narration that introduces a quote ("Mr Smith said:")."""
    m = ACCORDING.search(tail)
    if m:
        return _np(m.group("np"), people, focus)
    verbs = list(VERB.finditer(tail))
    if verbs:
        verb = verbs[-1]
        left = tail[:verb.start()]
        m = re.search(rf"{SUBJECT_NP}{APPOSITIVE}{ADVERB}\s*$", left)
        if m:
            return _np(m.group("np"), people, focus)
        m = re.match(rf"\s+{SUBJECT_NP}", tail[verb.end():])  # said Smith: / told the BBC:
        if m and not re.match(r"\s*(?:the|a|an)\s", m.group(0), re.I):
            return _np(m.group("np"), people, focus)
        return _subject(left, people, focus)
    if PARTICIPLE.search(tail):
        return _subject(tail, people, focus)
    return None


def _subject(sentence: str, people: People, focus: Focus) -> str | None:
    """The person a sentence is about: its first name not in object position."""
    lead = re.match(r"^[\s,]*(?:(?:but|and|so|yet|then|meanwhile|however|also)\b[\s,]*)*"
                    r"(?P<p>[Hh]e|[Ss]he|[Tt]hey)\b", sentence)
    if lead:
        return focus.pronoun(lead.group("p"), people)
    for m in NAME.finditer(sentence):
        words, title = _split_title(m.group())
        if not words:
            continue
        prev = re.search(r"([\w\-]+)\W*$", sentence[:m.start()])
        if prev and prev.group(1).lower() in OBJECT_MARKERS:
            continue
        if len(words) == 1 and not title and fold(words[0]) not in people.by_surname:
            continue  # a place or an organisation, not a person
        return people.resolve(" ".join(words))
    return None


def _update_focus(text: str, people: People, focus: Focus) -> str | None:
    """Push the people narration talks about; return the subject of its last sentence."""
    pos, who = 0, None
    for m in list(SENTENCE_END.finditer(text)) + [None]:
        sentence = text[pos:m.end() if m else len(text)]
        pos = m.end() if m else len(text)
        if not sentence.strip():
            continue
        who = _subject(sentence, people, focus)
        if who and len(who.split()) > 1:
            focus.push(who)
            _learn_gender(sentence, who, people)
    return who


def _learn_gender(sentence: str, who: str, people: People) -> None:
    """Tony Blair lied when he ...: a lone person's later pronoun tells the gender."""
    named = {people.resolve(" ".join(_split_title(m.group())[0])) for m in NAME.finditer(sentence)}
    if who in people.gender or len(named & set(people.by_surname.values())) != 1:
        return
    at = sentence.find(who.split()[-1])
    m = re.search(r"\b(he|his|him|she|her)\b", sentence[at:], re.IGNORECASE)
    if m:
        people.gender[who] = "m" if m.group(1).lower() in ("he", "his", "him") else "f"


# --- Step 3 and the driver --------------------------------------------------


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


def _is_speech(seg: Segment, ctx: QuoteContext, twin_speech: bool) -> bool:
    text = seg.text.strip()
    words = len(text.split())
    if ctx.runs_on:
        return True
    if ctx.tail.endswith(":"):
        return True
    if ctx.tail.endswith(",") and (VERB.search(ctx.tail) or PARTICIPLE.search(ctx.tail)
                                   or ACCORDING.search(ctx.tail) or twin_speech):
        return True
    after = _attribution_after(ctx.head)
    tail_words = ctx.tail.split()
    if not tail_words:
        if after or ctx.head.strip() == "" and words >= 2 and (CLAUSE_END.search(text) or words >= 6):
            return True
        return after
    if len(tail_words) <= 2 and not VERB.search(ctx.tail) and re.search(r"[,?!]$", text):
        return after  # The “police have been…,” she says
    if VERB.search(tail_words[-1]) or VERB.search(" ".join(tail_words[-3:])):
        # said Smith “didn’t fight hard enough” is the narrator's; a whole
        # capitalised sentence after "told reporters" is speech.
        return text[:1].isupper() and bool(CLAUSE_END.search(text)) and words >= 4
    return False


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
            who = _who_before(tail, people, Focus()) if tail.strip() else _who_after(after, people, Focus())
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
    people = _people(paragraphs)
    focus = Focus()
    kinds: list[str] = [s.kind for s in segs]
    speakers: list[str | None] = [None] * len(segs)
    last_speaker: str | None = None
    last_speaker_para = -2
    subject: dict[int, str | None] = {}  # paragraph -> subject of its latest narration sentence
    for i, seg in enumerate(segs):
        if seg.kind == NARRATION:
            subject[seg.paragraph] = _update_focus(seg.text, people, focus)
            continue
        ctx = _context(segs, i)
        twin_speech = ctx.split_twin is not None and kinds[ctx.split_twin] == QUOTE
        if not _is_speech(seg, ctx, twin_speech):
            kinds[i] = NARRATION
            continue
        who = None
        if ctx.runs_on and i > 0 and segs[i - 1].kind == QUOTE:
            who = speakers[i - 1]
        elif ctx.runs_on and i > 1 and segs[i - 2].kind == QUOTE:
            who = speakers[i - 2]
        who = who or (_who_before(ctx.tail, people, focus) if ctx.tail else None)
        who = who or _who_after(ctx.head, people, focus)
        if not who and twin_speech:
            who = speakers[ctx.split_twin]
        if not who:
            who = _paragraph_speaker(segs, i, kinds, speakers, people, focus)
        if not who and last_speaker_para >= seg.paragraph - 1 and _quote_led(segs, i):
            who = last_speaker
        if not who and not ctx.tail:
            who = subject.get(seg.paragraph)  # Smith was defiant. “We will win.”
        speakers[i] = who
        if who:
            last_speaker, last_speaker_para = who, seg.paragraph
            if len(who.split()) > 1 or who in people.gender:
                focus.push(who)
    out: list[Segment] = []
    for seg, kind, who in zip(segs, kinds, speakers):
        seg = replace(seg, kind=kind, speaker=who if kind == QUOTE else None)
        out.extend(_split_nested(seg, people, focus) if kind == QUOTE else [seg])
    logger.info("attributed %d speech quotes, %d partial quotes to the narrator",
                sum(s.kind == QUOTE for s in out), sum(k != s.kind for k, s in zip(kinds, segs)))
    return out


def _quote_led(segs: list[Segment], i: int) -> bool:
    """The quote's paragraph opens with a quote (a speech paragraph)."""
    para = segs[i].paragraph
    first = next(s for s in segs if s.paragraph == para)
    return first.kind == QUOTE


def _paragraph_speaker(segs, i, kinds, speakers, people, focus) -> str | None:
    """A speaker named elsewhere in the quote's paragraph: earlier quotes first."""
    para = segs[i].paragraph
    for j in range(i - 1, -1, -1):
        if segs[j].paragraph != para:
            break
        if kinds[j] == QUOTE and speakers[j]:
            return speakers[j]
    for k in range(i + 1, len(segs)):
        if segs[k].paragraph != para:
            break
        if segs[k].kind == QUOTE and kinds[k] == QUOTE:
            ctx = _context(segs, k)
            who = _who_before(ctx.tail, people, focus) or _who_after(ctx.head, people, focus)
            if who:
                return who
    return None
