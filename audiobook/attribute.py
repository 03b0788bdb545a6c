"""Attribute: segments -> segments with a speaker, partial quotes handed to the narrator.

    paragraphs + [Segment] -> [Segment] (same text, same marks; kind and speaker decided)

Plain-Python rules, no model.  Steps:

1. ``names.people``: collect the people and organisations of the article
   (``Tory co-chairman Liam Fox``, ``Gerhard Müller, the prefect for ...``,
   ``Farrow Sea Links``), keyed by their folded surname, with their gender
   (title, given name) and the role nouns written next to them, so that "the
   prefect said" finds Müller.
2. For each quote, its *tail* (the narration of its sentence before it) and its
   *head* (the narration after it, up to the end of that sentence).
3. ``_is_speech``: a quote is speech when it stands as a sentence of its own
   (starts the sentence, or follows a colon or "he said,"), when it continues
   a quote left open, or when an attribution follows it ("..., she said",
   "..., said harbour master Dan Reyes").  A quote embedded mid-sentence
   (scare quote, title, a fragment completing the narrator's clause) becomes
   narration: the narrator reads it.
4. ``_who``: the speaker from "X said", "said X", "X, 79, said", "her sister,
   Nell Crane, said", "X told the BBC:", "according to X", a participle
   ("..., saying:") whose subject starts the sentence, or a pronoun resolved
   through ``Focus``: the people, organisations and unnamed sources most
   recently in subject position (he/she only people of a compatible gender,
   "it" only organisations and documents; "the company" the organisation in
   focus; an epithet used once, "the forward", the person just named).
   Without attribution a quote takes the speaker of its split twin, of its
   paragraph, of the attribution closing its multi-paragraph run, of the
   person the narration paragraph before it ends on, or of the quote before
   it (photo captions between them skipped).
5. A quote nested in a speech quote, attributed inside it to a named person,
   is cut out and voiced as that person; otherwise it stays in the outer quote.

Every output paragraph still joins back exactly; the function never raises.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Sequence

from .models import NARRATION, QUOTE, Segment
from .names import (NAME, NOT_NAMES, OBJECT_MARKERS, THING_NOUNS, TITLES, People, fold,
                    people as find_people, split_title)
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
    "|revealed|reveals|laughed|laughs|gushed|fumed|raged|blasted|slammed|countered|counters"
    "|retorted|snapped|yelled|screamed|cried|begged|demanded|demands|promised|promises"
    "|pledged|emphasised|emphasized|reflected|reflects|remembered|remembers"
    "|emailed|texted|messaged|shared|captioned|assured|assures|protested|objected"
)
PARTICIPLES = (
    "saying|adding|telling|insisting|warning|explaining|arguing|claiming|writing|asking"
    "|noting|recalling|admitting|acknowledging|stating|declaring|tweeting|announcing"
    "|stressing|urging|concluding|replying|responding|continuing|joking|revealing|posting"
)
VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
PARTICIPLE = re.compile(rf"\b(?:{PARTICIPLES})\b", re.IGNORECASE)

PRONOUNS = {"he": "m", "she": "f", "they": None, "it": None}
# Labels that stand for an organisation named in the article ("the company said").
ORG_LABELS = frozenset(
    "company firm carmaker operator manufacturer retailer airline insurer supplier maker developer"
    " chain brand business group organisation organization charity club lender bank".split()
)
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st no prof gen sen rep gov lt col sgt capt jr sr vs mt ft rev inc ltd co corp".split()
)
# "the report", "an official", "a spokesman for the firm", "critics", "The 79-year-old"
DESCRIPTOR = re.compile(
    r"(?P<det>(?:the|a|an|one|another|some|two|three|several|his|her|their|its)\s+)(?P<words>(?:[\w’'\-]+\s+){0,3}?[\w’'\-]+?)"
    r"(?=\s*(?:,|\s(?:for|of|at|from|in|with|who)\b|$))",
    re.IGNORECASE,
)
# A sentence that opens on an unnamed source: "Another analyst, who ..., said"
LEAD_LABEL = re.compile(
    r"^\W*(?i:(?:but|and|yet|however|meanwhile),?\s+)?(?i:an?|another|one|the)\s+"
    rf"(?P<words>(?:[a-z][\w\-]*\s+){{0,2}}?[a-z][\w\-]*)(?=,|\s+(?:for|of|at|from|in|with|who|{SPEECH_VERBS})\b)"
)
# Lowercase role words (and the organisation) before a name: "harbour master
# Daniel Reyes", "Calder spokeswoman Adrienne Kowalczyk", "the Tory leader Ann Lee".
_NOT_ROLE = "|".join(sorted(OBJECT_MARKERS | NOT_NAMES | set(
    "is was are were has had have will would could can may might must did does do met saw".split())))
ROLE_WORD = rf"(?!(?:{SPEECH_VERBS}|{_NOT_ROLE})\b|[a-z]\w*(?:ed|ing)\b)[a-z][\w’'\-]*\s+"
ROLE_PREFIX = rf"(?:[Tt]he\s+)?(?:[A-Z][\w&’'\-]*\s+){{0,3}}(?:{ROLE_WORD}){{1,3}}"
ROLE_NAME = (
    rf"{ROLE_PREFIX}({NAME.pattern})"
    rf"(?=\s*(?:[,.;:!?)\]—–]|$)|\s+(?:of|for|at|from|in|on|who|and|with|to|during|after|{SPEECH_VERBS})\b)"
)
ROLE_LEAD = re.compile(rf"{ROLE_PREFIX}({NAME.pattern})")
SENTENCE_END = re.compile(r"[.!?…]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9]|$)")
APPOSITIVE = r"(?:\s*,\s*(?P<app>[^,:;“”\"]{1,90}?),)?"
ADVERB = r"(?:\s+(?:also|later|then|previously|once|has|had|have|was|were|is|would|will|had\s+earlier|\w+ly))*"
CLAUSE_END = re.compile(r"[.!?…]['\"”’)\]]*\s*$")


def speaker_key(name: str) -> str:
    """A stable key for a speaker: folded, titles and punctuation dropped.

    ``speaker_key("Mr Müller") == speaker_key("mueller")``; casting uses it so
    every spelling of one person gets one voice.
    """
    words = re.findall(r"[^\W_]+", fold(name or ""))
    kept = [w for w in words if w not in TITLES] or words
    return " ".join(kept)


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
    """Who the narration is about: the people (and sources) most recently in subject position."""

    people: People = field(default_factory=People)
    recent: list[str] = field(default_factory=list)
    """Most recent first: people, organisations and labels ("analyst", "report")."""
    mentions: dict[str, int] = field(default_factory=dict)
    """Lowercased word -> how often the article uses it (tells an epithet from a known label)."""
    here: str | None = None
    """The subject of the latest narration sentence in the current paragraph."""

    def push(self, name: str) -> None:
        if name in self.recent:
            self.recent.remove(name)
        self.recent.insert(0, name)

    def kind(self, name: str) -> str:
        """"person", "org", "thing" (a report, a firm) or "group" (critics)."""
        if name in self.people.orgs:
            return "org"
        if self.people.is_person(name):
            return "person"
        head = name.split()[-1].lower()
        if head in THING_NOUNS or head in ORG_LABELS:
            return "thing"
        return "group" if re.search(r"[^su]s$", head) or head == "people" else "person"

    def pronoun(self, word: str) -> str | None:
        """He and she are people of a compatible gender; it is an organisation or a thing."""
        word = word.lower()
        for name in self.recent:
            kind = self.kind(name)
            if word in ("he", "she"):
                if kind == "person" and self.people.gender.get(name) in (None, PRONOUNS[word]):
                    return name
            elif word == "it":
                if kind in ("org", "thing"):
                    return name
            else:
                return name
        return None

    def org(self, head: str) -> str | None:
        """The organisation "the company" or "the board" stands for."""
        for name in self.recent + sorted(self.people.orgs):
            if name in self.people.orgs and (head in ORG_LABELS or head in fold(name).split()):
                return name
        return None


def _np(text: str, people: People, focus: Focus) -> str | None:
    """The speaker a noun phrase names: a person, a pronoun's person, or a label."""
    text = text.strip(" ,")
    if not text:
        return None
    first = text.split()[0].lower()
    if first in PRONOUNS and len(text.split()) == 1:
        return focus.pronoun(first)
    if first in ("i", "we", "you"):
        return None
    last = re.search(rf"{NAME.pattern}$", text)  # "harbour master Daniel Reyes"
    if last and re.fullmatch(ROLE_NAME, text):
        words, _ = split_title(last.group())
        if words:
            return people.resolve(" ".join(words))
    desc = DESCRIPTOR.match(text)
    if desc:
        return _label(desc.group("det"), desc.group("words"), people, focus)
    for name in NAME.finditer(text):  # "Holtz", "Mr Fenwick"
        words, _ = split_title(name.group())
        if words:
            return people.resolve(" ".join(words))
    if re.fullmatch(r"[a-z][\w\-]+", text):  # "critics", "officials"
        return text
    return None


def _label(det: str, words: str, people: People, focus: Focus) -> str:
    """Who "the treasurer", "the company" or "the forward" is; else the label itself."""
    head = words.split()[-1].lower()
    known = people.by_role(words)
    if known:
        return known
    org = focus.org(head) if head in ORG_LABELS or head in THING_NOUNS else None
    if org:
        return org
    # A definite role the article uses only here is an epithet for the person
    # just named: "Echeverria smiled. 'Yes,' the forward said."
    if det.strip().lower() == "the" and head not in THING_NOUNS and focus.mentions.get(head, 0) <= 1:
        if people.is_person(focus.here):
            return focus.here
        if re.search(r"\d|-", head):  # "the 42-year-old", "the mother-of-two"
            return next((n for n in focus.recent if people.is_person(n)), words)
    return words


SUBJECT_NP = (
    rf"(?P<np>{ROLE_NAME}|[Hh]e|[Ss]he|[Tt]hey|[Ii]t|I|[Ww]e|(?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)"
    rf"(?:[\w’'\-]+\s+){{0,3}}?[\w’'\-]+|{NAME.pattern}|[a-z]+s)"
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
            return _speaker(m, people, focus)
    m = ACCORDING.search(head)
    return _np(m.group("np"), people, focus) if m else None


def _speaker(m: re.Match, people: People, focus: Focus) -> str | None:
    """The speaker of a matched attribution; a name in apposition beats a
    label ("her mother, Karen Hill, said", "the minister, Lady Hale, said")."""
    app = m.groupdict().get("app")
    name = re.match(rf"\s*({ROLE_PREFIX})?(?P<name>{NAME.pattern})\s*$", app or "")
    label = re.match(r"(?i:the|an?|one|another|his|her|their|its)\s", m.group("np"))
    if name and label and split_title(name.group("name"))[0]:
        return people.resolve(" ".join(split_title(name.group("name"))[0]))
    return _np(m.group("np"), people, focus)


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
            return _speaker(m, people, focus)
        m = re.match(rf"\s+{SUBJECT_NP}", tail[verb.end():])  # said Smith: / told the BBC:
        if m and not re.match(r"\s*(?:the|a|an)\s", m.group(0), re.I):
            return _np(m.group("np"), people, focus)
        return _subject(left, people, focus)
    if PARTICIPLE.search(tail):
        return _subject(tail, people, focus)
    return None


def _subject(sentence: str, people: People, focus: Focus) -> str | None:
    """Who a sentence is about: a leading pronoun, its first name not in object
    position, an unnamed source that speaks ("An official ... said"), or a name
    that heads a relative clause ("for islanders like Ann Lee, who commutes")."""
    lead = re.match(r"^[\s,]*(?:(?:but|and|so|yet|then|meanwhile|however|also)\b[\s,]*)*"
                    r"(?P<p>[Hh]e|[Ss]he|[Tt]hey)\b", sentence)
    if lead:
        return focus.pronoun(lead.group("p"))
    label = LEAD_LABEL.match(sentence)
    if label and VERB.search(sentence, label.end()) and not NAME.match(sentence, label.start("words")):
        return _label("a", label.group("words"), people, focus)
    relative = None
    for m in NAME.finditer(sentence):
        words, title = split_title(m.group())
        if not words:
            continue
        if len(words) == 1 and not title and people.resolve(words[0]) == words[0] \
                and fold(words[0]) not in people.by_surname:
            continue  # a place, not a person or an organisation of the article
        role = ROLE_LEAD.match(sentence, m.start())  # "Redfield coach Freya Solberg"
        if role and not m.group().startswith(role.group(1)):
            words, title = split_title(role.group(1))
        prev = re.search(r"([\w\-]+)\W*$", sentence[:m.start()])
        if prev and prev.group(1).lower() in OBJECT_MARKERS:
            if relative is None and re.match(r",\s+who\b", sentence[m.end():]):
                relative = people.resolve(" ".join(words))
            continue
        return people.resolve(" ".join(words))
    return relative


def _update_focus(text: str, people: People, focus: Focus) -> str | None:
    """Push the people narration talks about; return the subject of its last sentence."""
    pos, who = 0, None
    for m in list(SENTENCE_END.finditer(text)) + [None]:
        sentence = text[pos:m.end() if m else len(text)]
        pos = m.end() if m else len(text)
        if not sentence.strip():
            continue
        who = _subject(sentence, people, focus)
        if who:
            focus.push(who)
            _learn_gender(sentence, who, people)
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
    # “...,” said <anyone>: a quote that opens its sentence and hands over to a said-verb
    said_next = bool(re.search(r"[,?!]$", text) and re.match(rf"^\s*(?:{SPEECH_VERBS})\b", ctx.head))
    if not tail_words:
        if after or said_next or ctx.head.strip() == "" and words >= 2 and (CLAUSE_END.search(text) or words >= 6):
            return True
        return after
    comma_next = bool(re.search(r"[,?!]$", text) or re.match(r"^\s*,", ctx.head) and words >= 3)
    if len(tail_words) <= 2 and not VERB.search(ctx.tail) and comma_next:
        return after  # The “police have been…,” she says / The ‘email came ...’, she said
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
            who = _who_before(tail, people, Focus(people)) if tail.strip() else _who_after(after, people, Focus(people))
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
    focus = Focus(people, mentions=mentions)
    kinds: list[str] = [s.kind for s in segs]
    speakers: list[str | None] = [None] * len(segs)
    last_speaker: str | None = None
    last_speaker_para = -2
    subject: dict[int, str | None] = {}  # paragraph -> subject of its latest narration sentence
    ends_in_narration: dict[int, bool] = {}
    captions = _caption_like(paragraphs, segs)
    for i, seg in enumerate(segs):
        if i == 0 or segs[i - 1].paragraph != seg.paragraph:
            focus.here = None
        ends_in_narration[seg.paragraph] = seg.kind == NARRATION
        if seg.kind == NARRATION:
            subject[seg.paragraph] = _update_focus(seg.text, people, focus)
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
        who = who or (_who_before(ctx.tail, people, focus) if ctx.tail else None)
        who = who or _who_after(ctx.head, people, focus)
        if not who and twin_speech:
            who = speakers[ctx.split_twin]
        if not who:
            who = _paragraph_speaker(segs, i, kinds, speakers, people, focus)
        if not who and _quote_led(segs, i):
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
        speakers[i] = who
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
    return _who_after(_context(segs, k).head, people, Focus(people, focus.recent[:], focus.mentions))


def _caption_like(paragraphs: Sequence[str], segs: list[Segment]) -> set[int]:
    """Paragraphs of narration only that end without a sentence mark: photo
    captions and leftovers ("Advertisement") that interrupt a speaker's quotes."""
    quoted = {s.paragraph for s in segs if s.kind == QUOTE}
    return {i for i, text in enumerate(paragraphs)
            if i not in quoted and text.strip() and not re.search(r"[.!?…:;\"”’')\]]\s*$", text)}


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
