"""Focus: who and what the narration is about, for pronouns and labels.

    narration sentences (fed in order) -> Focus (recent people, organisations, documents)

Helper of the attribute stage.  The attribution "he said" needs the person
most recently in subject position; "the company said" the organisation in
focus; "the document says" the document the article last mentioned.  Steps:

1. ``Focus.push`` keeps the people, organisations and unnamed sources most
   recently in subject position, newest first.
2. ``Focus.pronoun`` and ``Focus.org`` read them back: he/she only people of a
   compatible gender, "it" only organisations and documents; ``Focus.person_for``
   turns "the coach" or "the 31-year-old" into the person the article gave
   that role or age, else into the person in focus it fits (for an age: the
   person the narration just introduced, else the story's main person).
3. ``Focus.note_documents`` records every document a sentence mentions ("a
   police affidavit", "The Hartwell report", "a news release") with who
   issued it ("Police said in a news release") or who owns it ("a report by
   the Hartwell Institute"); ``Focus.document`` resolves "the release said",
   "the document says" or "the authors wrote" to the latest such mention.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import patterns
from .names import (EPITHET, FEMALE_NOUNS, MALE_NOUNS, NAME, NEWCOMER_NOUNS, NOT_NAMES, THING_NOUNS, People, fold,
                    split_title)

PRONOUNS = {"he": "m", "she": "f", "they": None, "it": None}
# Labels that stand for an organisation named in the article ("the company said").
ORG_LABELS = frozenset(
    "company firm carmaker operator manufacturer retailer airline insurer supplier maker developer"
    " chain brand business group organisation organization charity club lender bank".split()
)

# Words for a written source that can "say" something.
DOCUMENT_WORDS = frozenset(
    "document documents release statement report study filing affidavit memo letter ruling complaint"
    " indictment survey order review".split()
)
# Words that name no particular kind of document: they take the latest one of any kind.
GENERIC_DOCUMENTS = frozenset("document documents filing papers records".split())
# Kinds of document that are the same thing under another name.
SAME_DOCUMENT = {"release": "statement", "statement": "release"}
# "the authors wrote": whoever wrote the document in focus.
AUTHORS = frozenset("authors".split())
# A document stays in focus for this many paragraphs after its last mention.
DOCUMENT_SPAN = 3

_DOC = "|".join(sorted(DOCUMENT_WORDS))
DOC_MENTION = patterns.compile(
    rf"\b(?:[Aa]n?|[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)\s+(?P<mod>(?:[\w’'\-]+\s+){{0,2}}?)"
    rf"(?P<head>{_DOC})\b(?!\s+(?:{_DOC})\b)"
)
# "a report by the Hartwell Institute", "The report, released by the Safety Board"
DOC_OWNER = patterns.compile(
    rf"^,?\s+(?:(?:released|published|commissioned|written|compiled|issued|filed|prepared)\s+)?"
    rf"(?:by|from)\s+(?:the\s+)?(?P<name>{NAME.pattern})"
)
# "Port Harrow police said in a news release", "Smith said in a statement",
# "The club issued a statement", "Mr Hale wrote a letter"
ISSUED_IN = patterns.compile(
    r"^\W*(?P<np>(?:[\w’'\-.]+\s+){0,4}?[\w’'\-.]+)\s+(?:(?:said|says|announced|confirmed|added|wrote|stated)"
    r"(?:\s+\w+day)?\s+(?:in|on|via|through)|issued|released|sent|wrote|posted|published|put\s+out)"
    r"\s+(?:a|an|its|his|her|their)\s+$"
)
_WEEKDAYS_MONTHS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june"
    " july august september october november december".split()
)


@dataclass
class Document:
    """A document the article mentions."""

    head: str
    """Its kind: "report", "release", "affidavit"."""
    label: str
    """The fullest way the article names it: "police affidavit", "Hartwell report"."""
    issuer: str | None = None
    """Who put it out when written "X said in a statement": then X is the speaker."""
    owner: str | None = None
    """Whose it is ("by the Hartwell Institute"): the speaker for "the authors wrote"."""
    paragraph: int = 0
    """The paragraph of its latest mention."""


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
    documents: list[Document] = field(default_factory=list)
    """Documents mentioned so far, most recent first."""
    introduced: str | None = None
    """The subject of the latest narration sentence when no speech came after it
    ("Tully, who ..., made his debut."): who "said the 19-year-old" is."""
    paragraph: int = 0
    """The paragraph being read."""
    salience: dict[str, int] = field(default_factory=dict)
    """Full name -> how often the article names the person (surname, given name, nickname)."""

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

    def member(self) -> str | None:
        """"One wrote:" after "Fans were quick to ...": one of the group just in focus ("fan")."""
        group = next((name for name in self.recent[:3] if self.kind(name) == "group"), None)
        if not group or " " in group:
            return None
        for plural, singular in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("s", "")):
            if group.endswith(plural):
                return group[:-len(plural)] + singular
        return None

    def person_for(self, head: str, sex: str | None = None) -> str | None:
        """Who a definite role or epithet stands for: "the coach", "the star", "the 31-year-old".

        The one person the article gave that role (or age); among several, the
        one most recently in focus.  Failing that, a role goes to an unnamed
        source with the same noun ("a diplomat ... the diplomat said") or to the
        most recent person in focus it fits (gender), and is remembered for
        later -- unless it is a noun that brings in someone new ("the judge"); an age goes to the most talked-about person it
        fits, as news uses "the 31-year-old" for the people a story is about.
        """
        key = fold(head)
        epithet = EPITHET.match(key)
        age = epithet.group("age") if epithet else None
        sex = sex or ("m" if key in MALE_NOUNS else "f" if key in FEMALE_NOUNS else None)
        holders = ({n for n, a in self.people.ages.items() if a == age} if age
                   else self.people.roles.get(key, set()) - self.people.orgs)
        if len(holders) == 1:
            return next(iter(holders))
        if holders:
            return next((n for n in self.recent if n in holders), None)
        if epithet:
            # "Tully, who ..., made his debut. / “...,” said the 19-year-old.": the
            # person the narration just introduced, else the story's main person.
            if self.introduced and self._fits(self.introduced, sex, age):
                if age:
                    self.people.ages.setdefault(self.introduced, age)
                return self.introduced
            fits = [n for n in set(self.recent) | set(self.people.by_surname.values()) if self._fits(n, sex, age)]
            rank = {n: i for i, n in enumerate(reversed(self.recent))}
            best = max(fits, key=lambda n: (self.salience.get(n, 0), rank.get(n, -1)), default=None)
            if best and age:
                self.people.ages.setdefault(best, age)
            return best
        for name in self.recent:
            if not self.people.is_person(name):
                if name.split()[-1].lower() == key:
                    return name  # the unnamed source of that kind in focus
                continue
            if key not in NEWCOMER_NOUNS and self._fits(name, sex, None):
                self.people.roles.setdefault(key, set()).add(name)
                return name
        return None

    def _fits(self, name: str, sex: str | None, age: str | None) -> bool:
        """A person of the article whose known gender and age do not contradict ``sex`` and ``age``."""
        return (self.people.is_person(name) and (not sex or self.people.gender.get(name, sex) == sex)
                and (not age or self.people.ages.get(name, age) == age))

    def org(self, head: str) -> str | None:
        """The organisation "the company" or "the board" stands for: the latest
        one in subject position, else the one the article names most often (not
        one mentioned in passing: "according to LSEG data", "at Baxter Capital")."""
        fits = [name for name in self.recent + sorted(self.people.orgs)
                if name in self.people.orgs and (head in ORG_LABELS or head in fold(name).split())]
        in_focus = [name for name in fits if name in self.recent]
        if in_focus:
            return in_focus[0]
        return max(fits, key=lambda name: self.salience.get(name, 0), default=None)

    # --- documents ----------------------------------------------------------

    def note_documents(self, sentence: str) -> None:
        """Remember the documents a narration sentence mentions, newest last."""
        for m in DOC_MENTION.finditer(sentence):
            head = m.group("head").lower()
            mods = [re.sub(r"[’']s$", "", w) for w in m.group("mod").split()]
            mods = [w for w in mods if w and not w[0].isdigit() and fold(w) not in _WEEKDAYS_MONTHS | NOT_NAMES]
            doc = Document(head, " ".join(mods + [head]), paragraph=self.paragraph)
            doc.owner = self._owner(mods, sentence[m.end():])
            issued = ISSUED_IN.match(sentence[:m.start() + len(m.group().split()[0]) + 1])
            if issued:
                doc.issuer = self._issuer(issued.group("np"))
            self._remember(doc)

    def document(self, word: str) -> str | None:
        """Who "the release", "the document" or "the authors" stands for, if a
        document of that kind is in focus: its issuer, else its owner (for the
        authors), else its label."""
        word = word.lower()
        for doc in self.documents:
            if self.paragraph - doc.paragraph > DOCUMENT_SPAN:
                break
            if word in AUTHORS:
                return doc.owner or doc.issuer or doc.label
            if word in (doc.head, SAME_DOCUMENT.get(doc.head)) or word in GENERIC_DOCUMENTS:
                return doc.issuer or doc.label
        return None

    def _owner(self, mods: list[str], after: str) -> str | None:
        by = DOC_OWNER.match(after)
        if by:
            words, _ = split_title(by.group("name"))
            return self.people.resolve(" ".join(words)) if words else None
        names = [fold(w) for w in mods if w[:1].isupper()]  # "The Hartwell report"
        for name in sorted(self.people.orgs | set(self.people.by_surname.values())):
            if names and all(n in fold(name).split() for n in names):
                return name
        return None

    def _issuer(self, np: str) -> str:
        np = re.sub(r"^(?i:the)\s+", "", np.strip())
        if np.lower() in ORG_LABELS:  # "The company said in a statement"
            return self.org(np.lower()) or np
        if np.split()[-1].islower():  # "Port Harrow police", "officials"
            return np
        words, _ = split_title(np)
        return self.people.resolve(" ".join(words)) if words else np

    def _remember(self, doc: Document) -> None:
        for old in self.documents:
            if old.head == doc.head:
                self.documents.remove(old)
                if len(old.label.split()) > len(doc.label.split()):
                    doc.label = old.label
                doc.issuer = doc.issuer or old.issuer
                doc.owner = doc.owner or old.owner
                break
        self.documents.insert(0, doc)
