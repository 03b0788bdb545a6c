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
   (starts the sentence, or follows a colon or "he said," with the said-verb
   among the last words before the comma), when it continues a quote left
   open, or when an attribution follows it ("..., she said", "..., said
   harbour master Dan Reyes", or any verb when speaker and verb end the
   sentence: "..., he grumbled.").  A quote embedded mid-sentence (scare
   quote, title, a fragment completing the narrator's clause, after "is" or
   after a parenthetical "she says,") becomes narration: the narrator reads it.
4. ``_who``: the speaker from "X said", "said X", "X, 79, said", "her sister,
   Nell Crane, said", "said his mother, Becky Norcott, 38.", "X told the
   BBC:", "according to X", a participle ("..., saying:") whose subject starts
   the sentence, the subject of "X said ... but added:", or a pronoun or label
   resolved through ``focus.Focus``: the people, organisations, unnamed
   sources and documents most recently in subject position (a possessive
   "Smith's" gives way to the name in apposition, and "Smith's agent" is the
   agent; photo captions change nothing; "the release said" is whoever
   issued the release; "the coach" or "the 31-year-old" is the person the
   article gave that role or age).  A label is cut before its post-modifier
   ("a source close to Doolan" -> "source").  Subjects are a leading pronoun
   (also after an opening clause: "Asked why, he ..."), a topic ("As for
   Maya, she"), a role noun, or the first name not in object position.
   Without attribution a quote takes the speaker of its split twin, of its
   paragraph, of the attribution closing its multi-paragraph run, of the
   person the narration paragraph before it ends on, or of the quote before
   it (photo captions between them skipped); after a colon introduction with
   neither verb nor name ("Then, a little louder:") the last speaker goes on.
5. A quote nested in a speech quote, attributed inside it to a named person,
   is cut out and voiced as that person; otherwise it stays in the outer quote.

Every output paragraph still joins back exactly; the function never raises.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Sequence

from .focus import AUTHORS, DOCUMENT_WORDS, ORG_LABELS, PRONOUNS, Focus
from .models import NARRATION, QUOTE, Segment
from .names import (EPITHET, NAME, NOT_NAMES, OBJECT_MARKERS, PERSON_NOUNS, RELATIONS, THING_NOUNS, TITLE_ABBREVIATIONS,
                    TITLES, People, fold, people as find_people, split_title)
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
    "|shouting|yelling|screaming|whispering"
)
VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
PARTICIPLE = re.compile(rf"\b(?:{PARTICIPLES})\b", re.IGNORECASE)

ABBREVIATIONS = frozenset(
    "mr mrs ms dr st no prof gen sen rep gov lt col sgt capt jr sr vs mt ft rev inc ltd co corp".split()
) | frozenset(TITLE_ABBREVIATIONS.lower().split("|"))
# Words that start a label's post-modifier: "a source close to the star", "a
# spokesman for the council", "friends of the footballer", "a man who ...".
POST_MODIFIER = r"(?:for|of|at|from|in|with|who|whose|close|familiar|near|inside|within|involved|on|to|among)"
# "the report", "an official", "a spokesman for the firm", "critics", "The 79-year-old"
DESCRIPTOR = re.compile(
    r"(?P<det>(?:the|a|an|one|another|some|two|three|several|his|her|their|its)\s+)(?P<words>(?:[\w’'\-]+\s+){0,3}?[\w’'\-]+?)"
    rf"(?=\s*(?:,|\s{POST_MODIFIER}\b|$))",
    re.IGNORECASE,
)
# A bare plural opening its clause, before a post-modifier: "friends of " (the footballer).
BARE_HEAD = re.compile(r"(?:^|[,;:]\s*|\b(?:and|but)\s+)(?P<np>[A-Za-z][\w\-]*s)\s+"
                       r"(?:of|for|close\s+to|familiar\s+with|near|at|from)\s+$")
# "Doolan's agent", "Smith’s spokeswoman": a label owned by a name, never the name itself.
_OWNER = rf"(?:{NAME.pattern})(?:(?<=[’']s)|(?<=s)[’'])"
POSSESSIVE_LABEL = rf"{_OWNER}\s+(?:[a-z][\w\-]*\s+){{0,2}}?[a-z][\w\-]*"
OWNED = re.compile(rf"{_OWNER}\s+(?P<words>(?:[a-z][\w\-]*\s+){{0,2}}?[a-z][\w\-]*)")
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
# After "Smith's": "older sister, Ann Smith," or, without commas, "husband Keith".
POSSESSIVE_APPOSITIVE = re.compile(
    rf"\s+(?:(?:[a-z][\w\-]*\s+){{0,3}}?[a-z][\w\-]*,\s+(?P<name>{NAME.pattern}),"
    rf"|(?:[a-z][\w\-]*\s+)?(?:{'|'.join(sorted(RELATIONS))})\s+(?P<bare>{NAME.pattern}))")
APPOSITIVE = r"(?:\s*,\s*(?P<app>[^,:;“”\"]{1,90}?),)?"
ADVERB = (r"(?:\s+(?:also|later|then|previously|once|just|still|never|even|has|had|have|was|were|is|would|will"
          r"|had\s+earlier|\w+ly))*")
# "(Image: Kestrel FC)", "(Photo: AP)", "Picture: Ann Lee" closing a paragraph: a photo caption.
PICTURE_CREDIT = re.compile(
    r"(?:\((?:Image|Photo|Picture|Pic|Photograph|Credit)s?\s*:[^()]*\)|\b(?:Credit|Photo|Picture|Photograph)s?\s*:[^.!?]*)\s*$")
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


def _sentence_ends(text: str) -> list[re.Match]:
    """Sentence ends in ``text``, not counting abbreviations ("Sgt.") and
    initials ("U.S. District Judge", "J.K. Rowling")."""
    ends = []
    for m in SENTENCE_END.finditer(text):
        word = re.search(r"(\w+)\W*$", text[:m.start() + 1])
        if word and (word.group(1).lower() in ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
            continue
        ends.append(m)
    return ends


def _sentence_tail(text: str) -> tuple[str, bool]:
    """The part of ``text`` after its last sentence end, and whether one was found."""
    ends = _sentence_ends(text)
    return (text[ends[-1].end():], True) if ends else (text, False)


def _sentence_head(text: str) -> str:
    ends = _sentence_ends(text)
    return text[:ends[0].start() + 1] if ends else text


def _ends_sentence(seg: Segment) -> bool:
    return bool(CLAUSE_END.search(seg.text)) or (seg.kind == QUOTE and not seg.close)


# --- Step 4: who ------------------------------------------------------------


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
    owned = OWNED.fullmatch(text)
    if owned:  # "Doolan's agent": the agent, or whoever the article named as such
        return _label("his ", owned.group("words"), people, focus)
    for name in NAME.finditer(text):  # "Holtz", "Mr Fenwick"
        words, title = split_title(name.group())
        if words:
            return people.resolve(" ".join(words), title)
    bare = re.fullmatch(rf"([a-z][\w\-]+)(?:\s+{POST_MODIFIER}\b.*)?", text)
    if bare:  # "critics", "friends of the footballer"
        return bare.group(1)
    return None


def _head(words: str) -> str:
    """A label up to its head noun: "source close to Doolan" -> "source".

    Words before the head stay ("council spokesman", "Government spokesman"),
    so two unnamed sources of one article keep two voices."""
    kept = re.split(rf"\s+{POST_MODIFIER}\b", words.strip(), maxsplit=1)[0]
    return kept or words.strip()


def _is_person_noun(head: str, people: People) -> bool:
    """"coach", "star", "31-year-old", or a role the article wrote next to a name."""
    key = fold(head)
    return key in PERSON_NOUNS or key in people.roles or bool(EPITHET.match(key))


def _label(det: str, words: str, people: People, focus: Focus, sex: str | None = None) -> str:
    """Who "the treasurer", "the company" or "the forward" is; else the label up to its head noun."""
    words = _head(words)
    head = words.split()[-1].lower()
    known = people.by_role(head)
    if known:
        return known
    document = focus.document(head) if head in DOCUMENT_WORDS | AUTHORS else None
    if document:  # "the release said", "the authors wrote"
        return document
    org = focus.org(head) if head in ORG_LABELS or head in THING_NOUNS else None
    if org:
        return org
    if det.strip().lower() == "the" and _is_person_noun(head, people):
        who = focus.person_for(head, sex)  # "the coach", "the 31-year-old"
        if who:
            return who
    # A definite role the article uses only here is an epithet for the person
    # just named: "Echeverria smiled. 'Yes,' the forward said."
    if det.strip().lower() == "the" and head not in THING_NOUNS and focus.mentions.get(head, 0) <= 1:
        if people.is_person(focus.here):
            return focus.here
        if re.search(r"\d|-", head):  # "the 42-year-old", "the mother-of-two"
            return next((n for n in focus.recent if people.is_person(n)), words)
    return words


# A label never ends on a joining word: "he leaned over to his mother and whispered"
# has no subject "his mother and".
_LABEL_END = r"(?!(?:and|or|but|nor|then|to|of|for|with|at|in|on|from|by|who|that|as)\b)[\w’'\-]+"
SUBJECT_NP = (
    rf"(?P<np>{ROLE_NAME}|[Hh]e|[Ss]he|[Tt]hey|[Ii]t|I|[Ww]e|(?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)"
    rf"(?:[\w’'\-]+\s+){{0,3}}?{_LABEL_END}|{POSSESSIVE_LABEL}|{NAME.pattern}|[a-z]+s)"
)
# After the quote: ", he said", " Holtz said", " the report said", " Martin, 79, told"
AFTER_SUBJECT_VERB = re.compile(rf"^[\s,—–-]*{SUBJECT_NP}{APPOSITIVE}{ADVERB}\s+(?:{SPEECH_VERBS})\b")
# After the quote: ", said Mary Smith", ", added the minister"
AFTER_VERB_SUBJECT = re.compile(rf"^[\s,—–-]*(?:{SPEECH_VERBS})\s+{SUBJECT_NP}")
ACCORDING = re.compile(r"\b[Aa]ccording to\s+(?P<np>[^,.;:“”\"]{1,80})")
# “...,” he grumbled. / “...?” whispered Smith.: a clause that is nothing but a
# speaker and a verb and closes the sentence attributes the quote, whatever
# the verb (any -ed or -s form, or a common irregular past).
ANY_VERB = (r"(?!(?:is|was|has|does|as|its|this|thus|his|hers|yes|us|less|unless|perhaps|always|sometimes)\b)"
            r"(?:[a-z]+(?:ed|s)|spoke|wrote|swore|began|sang|thought|went\s+on|(?:shot|hit|fired)\s+back)")
BARE_END = r"(?:\s+[a-z]+ly)?\s*(?:[.!?…,:;—–]\W*)?$"
BARE_AFTER = (re.compile(rf"^[\s,—–-]*{SUBJECT_NP}\s+{ANY_VERB}{BARE_END}"),
              re.compile(rf"^[\s,—–-]*{ANY_VERB}\s+{SUBJECT_NP}{BARE_END}"))
# What may stand between the speech verb and the comma that opens the quote:
# the speaker or the audience ("said Judge Ann Lee,", "told reporters,") or
# where and when ("said in a statement on Tuesday,").
SAID_WHERE = (r"(?:statement|interview|release|conference|briefing|email|post|video|podcast|court|courthouse"
              r"|hearing|reporters|[A-Z]\w*day|today|yesterday|morning|afternoon|evening|night|week|month|year)")
# "..., she says, “": an attribution set off by commas in the middle of a narrator's sentence.
_NP = SUBJECT_NP.replace("(?P<np>", "(?:")
PARENTHETICAL = re.compile(rf",\s*(?:and\s+|but\s+)?(?:{_NP}\s+(?:{SPEECH_VERBS})|(?:{SPEECH_VERBS})\s+{_NP}),$")
# A quote right after these completes the narrator's clause: Charges are “not expected”.
LINKING_VERBS = frozenset(
    "is are was were be been being am remain remains remained seem seems seemed become becomes became".split())


# "..., said his mother, Becky Norcott, 38.": the name in apposition after the label.
APPOSITIVE_NAME = re.compile(rf"\s*,\s*(?:{ROLE_PREFIX})?(?P<name>{NAME.pattern})(?=\s*(?:[,.;:!?—–]|$))")
LABEL_START = re.compile(rf"(?i:the|an?|one|another|his|her|their|its)\s|{_OWNER}\s")


def _who_after(head: str, people: People, focus: Focus) -> str | None:
    for pattern in (AFTER_SUBJECT_VERB, AFTER_VERB_SUBJECT):
        m = pattern.match(head)
        if m and pattern is AFTER_VERB_SUBJECT and LABEL_START.match(m.group("np")):
            app = APPOSITIVE_NAME.match(head, m.end())
            words, title = split_title(app.group("name")) if app else ([], None)
            if words:
                return people.resolve(" ".join(words), title)
        if m:
            return _speaker(m, people, focus)
    m = ACCORDING.search(head)
    if m:
        return _np(m.group("np"), people, focus)
    m = _bare_attribution(head)
    return _np(m.group("np"), people, focus) if m else None


def _bare_attribution(head: str) -> re.Match | None:
    return BARE_AFTER[0].match(head) or BARE_AFTER[1].match(head)


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
    return (n <= 4 or bool(re.fullmatch(rf"\s+{SUBJECT_NP}", between))
            or n <= 7 and bool(re.search(rf"\b{SAID_WHERE}$", between)))


def _speaker(m: re.Match, people: People, focus: Focus) -> str | None:
    """The speaker of a matched attribution; a name in apposition beats a
    label ("her mother, Karen Hill, said", "the minister, Lady Hale, said")."""
    app = m.groupdict().get("app")
    name = re.match(rf"\s*({ROLE_PREFIX})?(?P<name>{NAME.pattern})\s*$", app or "")
    label = LABEL_START.match(m.group("np"))  # also "Lattimore's lawyer, Ann Lee, said"
    words, title = split_title(name.group("name")) if name else ([], None)
    if label and words:
        return people.resolve(" ".join(words), title)
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
        owner = BARE_HEAD.search(left[:m.start()]) if m else None
        if owner and m.group("np").lower() not in PRONOUNS:  # "friends of the footballer said"
            word = owner.group("np")
            return people.resolve(word) if people.knows(word) else word.lower()
        if m:
            return _speaker(m, people, focus)
        m = re.match(rf"\s+{SUBJECT_NP}", tail[verb.end():])  # said Smith: / told the BBC:
        if m and not re.match(r"\s*(?:the|a|an)\s", m.group(0), re.I):
            return _np(m.group("np"), people, focus)
        joined = re.search(r"(?:,\s*|\s)(?:and|but|then|yet|before)\s*$", left)
        if joined and len(verbs) > 1:  # "the minister said ... but added:": one subject, two verbs
            who = _who_before(left[:joined.start()], people, focus)
            if who:
                return who
        return _subject(left, people, focus)
    if PARTICIPLE.search(tail):
        return _subject(tail, people, focus)
    return None


# The pronoun subject of a sentence, after connectives or an opening clause
# without names: "Then he paused.", "Asked what he liked best, he leaned over".
_CONNECTIVES = r"(?:(?:but|and|so|yet|then|meanwhile|however|also)\b[\s,]*)*"
LEAD_PRONOUN = re.compile(rf"^[\s,]*{_CONNECTIVES}(?P<p>[Hh]e|[Ss]he|[Tt]hey)\b")
OPENING_PRONOUN = re.compile(rf"^[\s,]*[A-Za-z][^,;:“”\"A-Z]{{0,120}},\s*{_CONNECTIVES}(?P<p>he|she|they)\b")
# "As for Maya, she says ...": the topic is the subject.
TOPIC = re.compile(rf"^\W*(?:[Aa]nd\s+)?[Aa]s\s+(?:for|to)\s+(?P<name>{NAME.pattern}),\s*(?:he|she|they)\b")
# A sentence opening on a determiner: "The coach said ...", "However, the 31-year-old
# sparked ...", "The Island Escape star, 29, and ...", "A senior Western diplomat who ...".
ROLE_SUBJECT = re.compile(
    r"^\W*(?i:(?:but|and|yet|however|meanwhile|then|still|now|later),?\s+)?(?P<det>[Tt]he|[Aa]n?|[Aa]nother|[Oo]ne)\s+")


def _subject(sentence: str, people: People, focus: Focus) -> str | None:
    """Who a sentence is about: a leading pronoun, a topic ("As for Maya, she"),
    a person named by a role ("The coach said"), an unnamed source that speaks
    ("An official ... said"), its first name not in object position, or a name
    that heads a relative clause ("for islanders like Ann Lee, who commutes")."""
    lead = LEAD_PRONOUN.match(sentence)
    if lead:
        return focus.pronoun(lead.group("p"))
    topic = TOPIC.match(sentence)
    if topic and split_title(topic.group("name"))[0]:
        who = people.resolve(" ".join(split_title(topic.group("name"))[0]))
        if people.is_person(who):
            return who
    role = _role_subject(sentence, people, focus)
    if role:
        return role
    label = LEAD_LABEL.match(sentence)
    if label and VERB.search(sentence, label.end()) and not NAME.match(sentence, label.start("words")):
        return _label("a", label.group("words"), people, focus)
    lead = OPENING_PRONOUN.match(sentence)
    if lead:
        return focus.pronoun(lead.group("p"))
    relative = owner_of = None
    for m in NAME.finditer(sentence):
        words, title = split_title(m.group())
        if not words:
            continue
        possessive = re.match(r"[’']", sentence[m.end():]) and m.group().endswith("s")
        if possessive or re.search(r"[’']s$", m.group()):
            # "Lattimore's older sister, Shona Lattimore, sat ...": the owner is
            # not the subject; the name in apposition to the role is.  Without
            # one the owner is only a fallback ("Professor Lee's team has ...").
            app = POSSESSIVE_APPOSITIVE.match(sentence, m.end() + bool(possessive))
            app_words = split_title(app.group("name") or app.group("bare"))[0] if app else []
            if app_words:
                return people.resolve(" ".join(app_words))
            owned = OWNED.match(sentence, m.start())
            if owned and _is_person_noun(_head(owned.group("words")).split()[-1], people) \
                    and owned.start() == m.start():
                return _label("his ", owned.group("words"), people, focus)  # "Doolan's agent said"
            owner = re.sub(r"[’']s$", "", " ".join(words))
            if owner_of is None and (len(words) > 1 or title or fold(owner) in people.by_surname):
                owner_of = people.resolve(owner)
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
                relative = people.resolve(" ".join(words), title)
            continue
        return people.resolve(" ".join(words), title)
    return relative or owner_of


def _role_subject(sentence: str, people: People, focus: Focus) -> str | None:
    """The person (or unnamed source) a sentence opening on a role noun is about.

    "The coach ..." is the person the article gave that role, else the person
    in focus it fits; a following he/she tells the gender ("The star said she
    ..."), and an age in apposition is remembered ("The Island Escape star, 29,").
    "A diplomat who ..." is a new unnamed source when the article speaks of
    "the diplomat" again.
    """
    m = ROLE_SUBJECT.match(sentence)
    if not m:
        return None
    # The head is the first person noun among the next four words that ends
    # the noun phrase (a comma, a post-modifier or a lowercase verb follows).
    tokens = list(re.finditer(r"[\w’'\-]+", sentence[m.end():]))[:5]
    end = None
    for k, tok in enumerate(tokens[:4]):
        word, after = tok.group(), sentence[m.end() + tok.end():]
        if re.search(r"[’']s?$", word):
            return None  # "The coach's decision": not the coach
        nxt = tokens[k + 1].group() if k + 1 < len(tokens) else ""
        if word[:1].islower() or word[:1].isdigit():
            if (fold(word) in PERSON_NOUNS or EPITHET.match(word)) and (re.match(r"\s*,", after) or not nxt
                                                  or nxt[:1].islower() and not _is_person_noun(nxt, people)):
                end = m.end() + tok.end()
                break
        if re.match(r"\s*[,;:.!?]", after):
            return None
    if end is None:
        return None
    words = sentence[m.end():end]
    head = words.split()[-1].lower()
    if m.group("det").lower() != "the":
        return head if focus.mentions.get(head, 0) > 1 or VERB.search(sentence, end) else None
    pronoun = re.search(r"\b(he|she|his)\b", sentence[end:], re.IGNORECASE)
    sex = {"he": "m", "his": "m", "she": "f"}[pronoun.group(1).lower()] if pronoun else None
    who = _label("the ", words, people, focus, sex)
    age = re.match(r"\s*,\s*(\d{1,3}),", sentence[end:])
    if age and people.is_person(who):
        people.ages.setdefault(who, age.group(1))
    return who


def _update_focus(text: str, people: People, focus: Focus, continues: bool = False) -> str | None:
    """Push the people narration talks about; return the subject of its last sentence.

    ``continues``: the text goes on with a sentence begun before a partial
    quote ("The star said she had been ‘blindsided’ when ..."), whose subject
    is already in focus; its first piece names no new subject.
    """
    pos, who = 0, focus.here if continues else None
    for m in _sentence_ends(text) + [None]:
        sentence = text[pos:m.end() if m else len(text)]
        pos = m.end() if m else len(text)
        if continues:
            continues = False
            focus.note_documents(sentence)
            continue
        if not sentence.strip():
            continue
        focus.note_documents(sentence)
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
    if ctx.tail.endswith(",") and twin_speech:
        return True
    if ctx.tail.endswith(",") and _introduces(ctx.tail):
        # "She has written to the council and, she says, “shouted at a man”":
        # a lowercase fragment after a parenthetical attribution is the narrator's.
        return not (text[:1].islower() and PARENTHETICAL.search(ctx.tail))
    ends_clause = bool(re.search(r"[,?!]$", text) or re.match(r"^\s*[,?!]", ctx.head))
    after = _attribution_after(ctx.head) or ends_clause and bool(_bare_attribution(ctx.head))
    tail_words = ctx.tail.split()
    # “...,” said <anyone>: a quote that opens its sentence and hands over to a said-verb
    said_next = bool(re.search(r"[,?!]$", text) and re.match(rf"^\s*(?:{SPEECH_VERBS})\b", ctx.head))
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
    focus = Focus(people, mentions=mentions, salience=people.salience(paragraphs))
    people.recent = focus.recent  # a bare surname two people share is the one in focus
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
            focus.paragraph = seg.paragraph
        ends_in_narration[seg.paragraph] = seg.kind == NARRATION
        if seg.kind == NARRATION and seg.paragraph in captions:
            continue  # a photo caption names people without making them the subject
        if seg.kind == NARRATION:
            continues = i > 0 and segs[i - 1].paragraph == seg.paragraph and kinds[i - 1] == NARRATION \
                and segs[i - 1].kind == QUOTE and not _ends_sentence(segs[i - 1])
            subject[seg.paragraph] = _update_focus(seg.text, people, focus, continues)
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
        if not who and ctx.split_twin is not None and kinds[ctx.split_twin] == NARRATION:
            # the minister said all options “remain on the table,” but added: “...”
            who = _who_before(_sentence_before(segs, i), people, focus)
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
        if not who and _elliptical(ctx.tail) and last_speaker_para >= seg.paragraph - 1:
            who = last_speaker  # “The tips.” / Then, a little louder: “And helping people.”
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
    return _who_after(_context(segs, k).head, people, Focus(people, focus.recent[:], focus.mentions))


def _caption_like(paragraphs: Sequence[str], segs: list[Segment]) -> set[int]:
    """Paragraphs of narration only that end without a sentence mark or on a
    picture credit: photo captions and leftovers ("Advertisement") that
    interrupt a speaker's quotes."""
    quoted = {s.paragraph for s in segs if s.kind == QUOTE}
    return {i for i, text in enumerate(paragraphs)
            if i not in quoted and text.strip()
            and (not re.search(r"[.!?…:;\"”’')\]]\s*$", text) or PICTURE_CREDIT.search(text))}


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
