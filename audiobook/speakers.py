"""Speakers: who says a quote, read from the narration around it.

    narration before or after a quote + People + Focus -> a speaker (name or label) or None

Helper of the attribute stage, plain-Python rules.  The patterns for speech
verbs, noun phrases and attributions live at the top.  Steps:

1. ``who_before``: the attribution that ends the narration before a quote
   ("Mr Smith said:", "X told the BBC:", "according to X", "said Smith:"), a
   participle ("..., saying:") whose subject starts the sentence, the subject of
   "X said ... but added:", the head of "a source close to the couple told",
   or a member of the group in focus ("Fans were ... One wrote:" -> "fan").
2. ``who_after``: the attribution after it ("..., he said", "said X", "X, 79,
   said", "said his mother, Becky Norcott, 38.", "the report said"), or any
   verb when speaker and verb end the sentence ("..., he grumbled.").
3. ``np`` and ``_label``: a noun phrase to a speaker.  A name (role words before
   it dropped); a pronoun through ``focus.Focus``; a label: "the coach" or "the
   31-year-old" is the person the article gave that role or age, "the Italian
   defender" whoever it called "the Italian", "the company" the organisation in
   focus, "the release" whoever issued it; else the label cut to its head noun
   ("a source close to Doolan" -> "source", "the victim's family" -> "family").
4. ``subject``: who a narration sentence is about, for the focus: a leading
   pronoun (also after an opening clause: "Asked why, he ..."), a topic ("As
   for Maya, she"), a role noun ("The coach said"; "The owner of the Golden Wok
   said" brings in someone new), "The company" (the organisation in focus), a
   group ("Fans were ..."), an unnamed source that speaks, else the first name
   not in object position.
"""
from __future__ import annotations

import re

from . import patterns
from .focus import AUTHORS, DOCUMENT_WORDS, ORG_LABELS, PRONOUNS, Focus
from .names import (EPITHET, NAME, NATIONALITY, NOT_NAMES, OBJECT_MARKERS, PERSON_NOUNS, RELATIONS, THING_NOUNS,
                    People, fold, split_title)

# --- Patterns: speech verbs, noun phrases, attributions ---------------------


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
VERB = patterns.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
PARTICIPLE = patterns.compile(rf"\b(?:{PARTICIPLES})\b", re.IGNORECASE)
# Words that start a label's post-modifier: "a source close to the star", "a
# spokesman for the council", "friends of the footballer", "a man who ...".
POST_MODIFIER = r"(?:for|of|at|from|in|with|who|whose|close|familiar|near|inside|within|involved|on|to|among)"
_BARE_HEAD_WORD = patterns.compile(rf"([a-z][\w\-]+)(?:\s+{POST_MODIFIER}\b.*)?")
_POST_MODIFIER_SPLIT = patterns.compile(rf"\s+{POST_MODIFIER}\b")
# "the report", "an official", "a spokesman for the firm", "critics", "The 79-year-old"
DESCRIPTOR = patterns.compile(
    r"(?P<det>(?:the|a|an|one|another|some|two|three|several|his|her|their|its)\s+)(?P<words>(?:[\w’'\-]+\s+){0,3}?[\w’'\-]+?)"
    rf"(?=\s*(?:,|\s{POST_MODIFIER}\b|$))",
    re.IGNORECASE,
)
# A bare plural opening its clause, before a post-modifier: "friends of " (the footballer).
BARE_HEAD = patterns.compile(r"(?:^|[,;:]\s*|\b(?:and|but)\s+)(?P<np>[A-Za-z][\w\-]*s)\s+"
                       r"(?:of|for|close\s+to|familiar\s+with|near|at|from)\s+$")
# A label opening its clause whose post-modifier is too long to match as one noun
# phrase: "a source close to " (the couple), "the lawyer for " (the victim's family).
OUTER_LABEL = patterns.compile(
    r"(?:^|[,;:(—–]|\b(?:[Bb]ut|[Aa]nd|[Yy]et)\b)\s*(?P<det>(?i:the|an?|another|one)\s+)"
    r"(?P<words>(?:[a-z][\w\-]*\s+){0,2}?[a-z][\w\-]*)\s+"
    r"(?:close\s+to|familiar\s+with|near\s+to|for|of|at|from|inside|within)\s+$")
# "Doolan's agent", "Smith’s spokeswoman": a label owned by a name, never the name itself.
_OWNER = rf"(?:{NAME.pattern})(?:(?<=[’']s)|(?<=s)[’'])"
POSSESSIVE_LABEL = rf"{_OWNER}\s+(?:[a-z][\w\-]*\s+){{0,2}}?[a-z][\w\-]*"
OWNED = patterns.compile(rf"{_OWNER}\s+(?P<words>(?:[a-z][\w\-]*\s+){{0,2}}?[a-z][\w\-]*)")
# A sentence that opens on an unnamed source: "Another analyst, who ..., said"
LEAD_LABEL = patterns.compile(
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
ROLE_LEAD = patterns.compile(rf"{ROLE_PREFIX}({NAME.pattern})")
_NAME_AT_END = patterns.compile(rf"{NAME.pattern}$")
_ROLE_NAME_WHOLE = patterns.compile(ROLE_NAME)
_APPOSITIVE_ROLE_NAME = patterns.compile(rf"\s*({ROLE_PREFIX})?(?P<name>{NAME.pattern})\s*$")
# After "Smith's": "older sister, Ann Smith," or, without commas, "husband Keith".
POSSESSIVE_APPOSITIVE = patterns.compile(
    rf"\s+(?:(?:[a-z][\w\-]*\s+){{0,3}}?[a-z][\w\-]*,\s+(?P<name>{NAME.pattern}),"
    rf"|(?:[a-z][\w\-]*\s+)?(?:{'|'.join(sorted(RELATIONS))})\s+(?P<bare>{NAME.pattern}))")
APPOSITIVE = r"(?:\s*,\s*(?P<app>[^,:;“”\"]{1,90}?),)?"
# An adverb in -ly, not a noun that happens to end so ("the victim's family said").
LY_ADVERB = r"(?!(?:family|ally|rally|supply|assembly|reply|anomaly|monopoly|belly|bully|jelly|folly|tally)\b)[a-z]+ly"
ADVERB = (r"(?:\s+(?:also|later|then|previously|once|just|still|never|even|has|had|have|was|were|is|would|will"
          rf"|had\s+earlier|{LY_ADVERB}))*")


# --- Noun phrases to speakers ----------------------------------------------

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
    last = _NAME_AT_END.search(text)  # "harbour master Daniel Reyes"
    if last and _ROLE_NAME_WHOLE.fullmatch(text):
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
    bare = _BARE_HEAD_WORD.fullmatch(text)
    if bare:  # "critics", "friends of the footballer"
        return bare.group(1)
    return None


def _head(words: str) -> str:
    """A label up to its head noun: "source close to Doolan" -> "source".

    Words before the head stay ("council spokesman", "Government spokesman"),
    so two unnamed sources of one article keep two voices."""
    kept = _POST_MODIFIER_SPLIT.split(words.strip(), maxsplit=1)[0] or words.strip()
    # "the victim's family": the family speaks, never the victim (as "Doolan's agent" is the agent)
    owned = re.match(r"(?:[\w\-]+\s+)*?[\w\-]+(?:[’']s|s[’'])\s+(?P<label>[a-z].*)$", kept)
    return owned.group("label") if owned else kept


def _is_person_noun(head: str, people: People) -> bool:
    """"coach", "star", "31-year-old", or a role the article wrote next to a name."""
    key = fold(head)
    return key in PERSON_NOUNS or key in people.roles or bool(EPITHET.match(key))


def _label(det: str, words: str, people: People, focus: Focus, sex: str | None = None) -> str:
    """Who "the treasurer", "the company" or "the forward" is; else the label up to its head noun."""
    words = _head(words)
    head = words.split()[-1].lower()
    # "the Italian defender": whoever the article called "the Italian" or "the Italian captain"
    known = people.by_role(head) or next(
        (people.by_role(w) for w in words.split()[:-1] if NATIONALITY.fullmatch(w) and people.by_role(w)), None)
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


# --- Attributions before and after a quote ---------------------------------

# A label never ends on a joining word: "he leaned over to his mother and whispered"
# has no subject "his mother and".
_LABEL_END = r"(?!(?:and|or|but|nor|then|to|of|for|with|at|in|on|from|by|who|that|as)\b)[\w’'\-]+"
SUBJECT_NP = (
    rf"(?P<np>{ROLE_NAME}|(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t|I|[Ww]e)\b|(?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts)\s+)"
    rf"(?:[\w’'\-]+\s+){{0,3}}?{_LABEL_END}|{POSSESSIVE_LABEL}|{NAME.pattern}|[a-z]+s)"
)
# After the quote: ", he said", " Holtz said", " the report said", " Martin, 79, told"
AFTER_SUBJECT_VERB = patterns.compile(rf"^[\s,—–-]*{SUBJECT_NP}{APPOSITIVE}{ADVERB}\s+(?:{SPEECH_VERBS})\b")
# After the quote: ", said Mary Smith", ", added the minister"
AFTER_VERB_SUBJECT = patterns.compile(rf"^[\s,—–-]*(?:{SPEECH_VERBS})\s+{SUBJECT_NP}")
# The same noun phrase right after a verb ("said Smith:"), and one ending a
# stretch of narration before its verb ("Smith, 41, later said").
SUBJECT_AFTER = patterns.compile(rf"\s+{SUBJECT_NP}")
_SUBJECT_BEFORE_VERB = patterns.compile(rf"{SUBJECT_NP}{APPOSITIVE}{ADVERB}\s*$")
ACCORDING = patterns.compile(r"\b[Aa]ccording to\s+(?P<np>[^,.;:“”\"]{1,80})")
# “...,” he grumbled. / “...?” whispered Smith.: a clause that is nothing but a
# speaker and a verb and closes the sentence attributes the quote, whatever
# the verb (any -ed or -s form, or a common irregular past).
ANY_VERB = (r"(?!(?:is|was|has|does|as|its|this|thus|his|hers|yes|us|less|unless|perhaps|always|sometimes)\b)"
            r"(?:[a-z]+(?:ed|s)|spoke|wrote|swore|began|sang|thought|went\s+on|(?:shot|hit|fired)\s+back)")
BARE_END = rf"(?:\s+{LY_ADVERB})?\s*(?:[.!?…,:;—–]\W*)?$"
BARE_AFTER = (patterns.compile(rf"^[\s,—–-]*{SUBJECT_NP}\s+{ANY_VERB}{BARE_END}"),
              patterns.compile(rf"^[\s,—–-]*{ANY_VERB}\s+{SUBJECT_NP}{BARE_END}"))


# "..., said his mother, Becky Norcott, 38.": the name in apposition after the label.
APPOSITIVE_NAME = patterns.compile(rf"\s*,\s*(?:{ROLE_PREFIX})?(?P<name>{NAME.pattern})(?=\s*(?:[,.;:!?—–]|$))")
# "..., said the head librarian, Ruth Caldwell.": the label's own words run on
# past where the subject pattern stopped ("the head"), then the name.
LABEL_THEN_NAME = patterns.compile(rf"(?:\s+[a-z][\w’'\-]*){{0,3}}{APPOSITIVE_NAME.pattern}")
LABEL_START = patterns.compile(rf"(?i:the|an?|one|another|his|her|their|its)\s|{_OWNER}\s")


def who_after(head: str, people: People, focus: Focus) -> str | None:
    for pattern in (AFTER_SUBJECT_VERB, AFTER_VERB_SUBJECT):
        m = pattern.match(head)
        if m and pattern is AFTER_VERB_SUBJECT and LABEL_START.match(m.group("np")):
            app = LABEL_THEN_NAME.match(head, m.end())
            words, title = split_title(app.group("name")) if app else ([], None)
            if words:
                return people.resolve(" ".join(words), title)
        if m:
            return _speaker(m, people, focus)
    m = ACCORDING.search(head)
    if m:
        return _np(m.group("np"), people, focus)
    m = bare_attribution(head)
    return _np(m.group("np"), people, focus) if m else None


def bare_attribution(head: str) -> re.Match | None:
    return BARE_AFTER[0].match(head) or BARE_AFTER[1].match(head)


def _speaker(m: re.Match, people: People, focus: Focus) -> str | None:
    """The speaker of a matched attribution; a name in apposition beats a
    label ("her mother, Karen Hill, said", "the minister, Lady Hale, said")."""
    app = m.groupdict().get("app")
    name = _APPOSITIVE_ROLE_NAME.match(app or "")
    label = LABEL_START.match(m.group("np"))  # also "Lattimore's lawyer, Ann Lee, said"
    words, title = split_title(name.group("name")) if name else ([], None)
    if label and words:
        return people.resolve(" ".join(words), title)
    return _np(m.group("np"), people, focus)


def attribution_after(head: str) -> bool:
    return bool(AFTER_SUBJECT_VERB.match(head) or AFTER_VERB_SUBJECT.match(head)
                or re.match(r"^[\s,—–-]*according to\b", head))


def who_before(tail: str, people: People, focus: Focus) -> str | None:
    """The speaker named in narration that introduces a quote ("Mr Smith said:")."""
    m = ACCORDING.search(tail)
    if m:
        return _np(m.group("np"), people, focus)
    verbs = list(VERB.finditer(tail))
    if verbs:
        verb = verbs[-1]
        left = tail[:verb.start()]
        m = _SUBJECT_BEFORE_VERB.search(left)
        owner = BARE_HEAD.search(left[:m.start()]) if m else None
        outer = OUTER_LABEL.search(left[:m.start()]) if m else None
        if outer and m.group("np").lower() not in PRONOUNS:  # "a source close to the couple told"
            return _label(outer.group("det"), outer.group("words"), people, focus)
        if owner and m.group("np").lower() not in PRONOUNS:  # "friends of the footballer said"
            word = owner.group("np")
            return people.resolve(word) if people.knows(word) else word.lower()
        if m:
            return _speaker(m, people, focus)
        m = SUBJECT_AFTER.match(tail[verb.end():])  # said Smith: / told the BBC:
        if m and not re.match(r"\s*(?:the|a|an)\s", m.group(0), re.I):
            return _np(m.group("np"), people, focus)
        joined = re.search(r"(?:,\s*|\s)(?:and|but|then|yet|before)\s*$", left)
        if joined and len(verbs) > 1:  # "the minister said ... but added:": one subject, two verbs
            who = who_before(left[:joined.start()], people, focus)
            if who:
                return who
        if ONE_OF_THEM.search(left):
            return focus.member()
        return subject(left, people, focus)
    if PARTICIPLE.search(tail):
        return subject(tail, people, focus)
    return None


# --- Subjects of narration sentences ---------------------------------------

# The pronoun subject of a sentence, after connectives or an opening clause
# without names: "Then he paused.", "Asked what he liked best, he leaned over".
_CONNECTIVES = r"(?:(?:but|and|so|yet|then|meanwhile|however|also)\b[\s,]*)*"
LEAD_PRONOUN = patterns.compile(rf"^[\s,]*{_CONNECTIVES}(?P<p>[Hh]e|[Ss]he|[Tt]hey)\b")
OPENING_PRONOUN = patterns.compile(rf"^[\s,]*[A-Za-z][^,;:“”\"A-Z]{{0,120}},\s*{_CONNECTIVES}(?P<p>he|she|they)\b")
# "As for Maya, she says ...": the topic is the subject.
TOPIC = patterns.compile(rf"^\W*(?:[Aa]nd\s+)?[Aa]s\s+(?:for|to)\s+(?P<name>{NAME.pattern}),\s*(?:he|she|they)\b")
# A sentence opening on a determiner: "The coach said ...", "However, the 31-year-old
# sparked ...", "The Island Escape star, 29, and ...", "A senior Western diplomat who ...".
_OPENING = r"^\W*(?i:(?:but|and|yet|however|meanwhile|then|still|now|later),?\s+)?"
ROLE_SUBJECT = patterns.compile(rf"{_OPENING}(?P<det>[Tt]he|[Aa]n?|[Aa]nother|[Oo]ne)\s+")
# "The company now expects ...": the organisation in focus is the subject (not "The company's shares").
ORG_SUBJECT = patterns.compile(rf"{_OPENING}[Tt]he\s+(?P<head>{'|'.join(sorted(ORG_LABELS))})\b(?![’'])")


def subject(sentence: str, people: People, focus: Focus) -> str | None:
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
    org = ORG_SUBJECT.match(sentence)  # "The company now expects ...": the organisation in focus
    if org and focus.org(org.group("head").lower()):
        return focus.org(org.group("head").lower())
    group = GROUP_SUBJECT.match(sentence)  # "Fans were quick to ...": a group, for "they" and "One wrote:"
    if group and fold(group.group("group")[:-1]) in PERSON_NOUNS and not people.knows(group.group("group")):
        return group.group("group").lower()
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


# A sentence opening on a bare plural of people: "Fans were quick to ...", "Critics say ...".
GROUP_SUBJECT = patterns.compile(rf"{_OPENING}(?P<group>[A-Z][a-z]+s)\s+(?:[a-z]+\s+)?[a-z]+")
# "One wrote:", "while another added:", "One of them said:": a member of the group in focus.
ONE_OF_THEM = patterns.compile(r"(?:^|\b(?:while|and|but|as|when)\s+|[,;]\s*)\W*(?i:one|another)(?:\s+of\s+them)?\s*$")
# A post-modifier that brings in someone new: "The owner of the Golden Wok", "the
# lawyer for the family" (not "the father of three", an epithet).
INTRODUCED = patterns.compile(r"\s+(?:of|for|at|from|close\s+to|inside|near)\s+"
                        r"(?!(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\b)[^,.;:!?“”\"‘’]*")


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
    if m.group("det").lower() != "the":  # "A representative for the singer ..., saying:"
        speaks = VERB.search(sentence, end) or PARTICIPLE.search(sentence, end)
        return head if focus.mentions.get(head, 0) > 1 or speaks else None
    introduced = INTRODUCED.match(sentence, end)
    if introduced and not people.by_role(head):
        # "The owner of the Golden Wok said": someone new, not the person in focus
        # (unless named in apposition: "The manager of the shop, Ann Lee, said").
        app = APPOSITIVE_NAME.match(sentence, introduced.end())
        name, title = split_title(app.group("name")) if app else ([], None)
        return people.resolve(" ".join(name), title) if name else _head(words)
    pronoun = re.search(r"\b(he|she|his)\b", sentence[end:], re.IGNORECASE)
    sex = {"he": "m", "his": "m", "she": "f"}[pronoun.group(1).lower()] if pronoun else None
    who = _label("the ", words, people, focus, sex)
    age = re.match(r"\s*,\s*(\d{1,3}),", sentence[end:])
    if age and people.is_person(who):
        people.ages.setdefault(who, age.group(1))
    return who


# A coordinated clause whose subject speaks: "..., and Santangelo said", "but coach Ann Lee told".
SPEAKING_CLAUSE = patterns.compile(rf"(?:,\s*|\s)(?:and|but|while)\s+(?:{ROLE_WORD}){{0,2}}(?P<name>{NAME.pattern})"
                             rf"{ADVERB}\s+(?:{SPEECH_VERBS})\b")
