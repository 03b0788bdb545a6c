"""Names: who the people and organisations of an article are, and their gender.

    paragraphs -> People (full names by surname, roles, gender, organisations)

Helper of the attribute stage.  ``people(paragraphs)`` collects every
capitalised name of the article once, so that a later "Mr Smith", "Smith", "the
treasurer" or "she" can be turned back into "Jane Smith".  Steps:

1. Capitalised runs of words (``NAME``) with leading sentence words and titles
   dropped; a title inside the run ends a role prefix (``Tamsen County Sheriff
   Linda Okafor`` is Linda Okafor).
2. A run is an organisation when its words say so (``Ltd``, ``Motors``,
   ``Council``), when it is written ``X said it`` or ``X and its``, or when
   it follows "the" (``the Industrial Safety Review Board``).  Everything else
   with two or more words, or one word and a title, is a person.
3. Gender comes from a title (Mrs, Sir), from a common given name, from a
   gendered role ("his mother, Jess Ward"), or later from a pronoun
   (``_learn_gender`` in attribute).
4. Role nouns and ages written next to a person (``co-chairman Liam Fox``,
   ``Liam Fox, the co-chairman of ...``, ``the health minister, Baroness
   Hale,``, ``Ann Lee, 31,``, ``31-year-old Ann Lee``).
5. Nicknames (``Ciara "Kiki" Brennan``, ``Brennan, known as Kiki,``) become
   aliases of the full name; a common given name written alone inside a
   sentence ("her brother, Eli,") is a person of its own.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

from . import patterns

TITLES = frozenset(
    "mr mrs ms miss mx dr sir lord lady dame baroness baron prof professor rev reverend father"
    " mother sister brother pope president senator sen gov governor judge coach st saint"
    " captain capt general gen colonel col sergeant sgt lieutenant lt rep representative"
    " chancellor minister cardinal bishop archbishop rabbi imam king queen prince princess"
    " officer detective inspector councilman councilwoman councillor councilor cllr alderman"
    " mayor commissioner superintendent chief sheriff deputy ambassador constable pc dc ds"
    " chairman chairwoman secretary cpl det insp supt cmdr hon atty attorney prosecutor".split()
)
GENERIC_TITLES = frozenset("mx dr prof st saint rev reverend".split())
MALE = frozenset("mr sir lord baron father brother pope king prince".split())
FEMALE = frozenset("mrs ms miss lady dame baroness mother sister queen princess".split())

# Common given names, English-language and international; a name on both
# lists (or on neither) says nothing about gender.
FEMALE_NAMES = frozenset("""
abigail ada adaeze adriana adrienne agnes aisha alice alicia alison amanda amara amber amelia amy
ana anastasia andrea angela angelina anita ann anna anne annette annie antonia anya april ariana
astrid audrey ava barbara beatrice beatriz becky belinda bella beth bethany betty beverley beverly
brenda bridget brigitte brittany camila carla carmen carol caroline carolyn catherine cecilia
celia charlotte chelsea cheryl chloe christina christine claire clara claudia colleen constance
cynthia daisy dana daniela danielle deborah debra deirdre denise diana diane dolores donna doris
dorothy eileen elaine eleanor elena elif elisabeth eliza elizabeth ella ellen eloise emily emma
erin esther eva evelyn fatima fatma felicity fiona florence frances francesca freya gabriela
gabrielle gemma georgia geraldine gillian gina giulia gloria grace greta gwen hannah harriet
hazel heather heidi helen helena hilary holly ingrid irene iris isabel isabella isabelle jacqueline
jane janet janice jasmine jean jeanette jennifer jenny jessica jill joan joanna joanne jocelyn
josephine joy joyce judith judy julia julie juliet june karen kate katherine kathleen kathryn
katie katrin kay kayla kelly kerry kim kirsten kristen laura lauren layla leah lena leticia lily
linda lisa liz lorna lorraine louise lucia lucy lydia lynn lynne mabel madeleine madison maeve
maggie malia mandy mara marcia margaret margarita maria marian marie marina marion marjorie
martha mary maureen maya megan melanie melissa meredith mia michelle mildred miriam moira molly
monica monique nadia nancy naomi natalia natalie natasha nell nicola nicole nina noor nora
norma olga olivia paige pamela patricia paula pauline penelope penny petra phoebe phyllis pia
polly priya priyanka rachel rebecca regina renee rita roberta rosa rosalind rose rosemary rosie
ruby ruth sabrina sally samantha sandra sara sarah sasha shannon sharon sheila shirley siobhan
simone sinead sofia sonia sophia sophie stacey stella stephanie susan suzanne sylvia tamara tanya
teresa theresa tina tracey tracy ursula valerie vanessa vera veronica victoria violet virginia
wanda wendy yasmin yolanda yvonne zainab zara zoe zoë aoife niamh ciara orla grainne
mei ling yuki keiko hana sakura aiko ana lucía sofía valentina ximena guadalupe leila amina
nisha anjali deepa sunita lakshmi kavita meera olena oksana svetlana irina tatiana ekaterina
agnieszka katarzyna malgorzata magdalena ewa zofia ingeborg sigrid solveig margit birgit
""".split())
MALE_NAMES = frozenset("""
aaron abdul adam adrian ahmed aidan alan alastair albert alberto alejandro alex alexander alfie
alfred ali alistair andre andreas andrew andy angus anthony antonio archie arjun arthur ashok
barry ben benjamin bernard bill billy bob bobby boris brandon brendan brent brett brian bruce
bryan callum calvin carl carlos charles charlie chris christopher clive colin conor craig curtis
dale damian dan daniel danny darren dave david dean declan dennis derek desmond diego dominic
don donald douglas duncan dylan eamon eddie edgar edward edwin eli elijah elliot emmanuel enrique
eric ernest ethan eugene evan felix fernando finn francis francisco frank fraser fred freddie
frederick gareth gary gavin geoff geoffrey george gerald gerard gordon graham grant greg gregory
guy hamish harold harry harvey hassan hector henry howard hugh hugo iain ian isaac ivan jack jacob
jake james jamie jason javier jeff jeffrey jeremy jerome jerry jim jimmy joe joel john johnny
jon jonathan jorge jose josé joseph josh joshua juan julian justin karl keith kenneth kevin kieran
kyle lachlan lance larry lee leo leon leonard lewis liam lloyd louis luca lucas luis luke malcolm
marco marcus mario mark martin mateo matt matthew maurice max michael miguel mike mohammed
muhammad murray nathan neil nicholas nick nigel noah norman oliver omar oscar owen pablo patrick
paul pedro peter philip phil pierre rafael ralph ramon raymond reginald rhys richard rick ricky
rob robert robin roger ronald rory ross roy rupert russell ryan sam samuel scott sean sebastian
sergio seth shane simon stanley stefan stephen steve steven stuart terence terry theo thomas tim
timothy toby todd tom tomás tomas tony trevor tyler victor vincent walter warren wayne wesley
william willie zach zachary ahmad mustafa yusuf ibrahim tariq rashid hiroshi takeshi kenji wei
jun hao raj rahul sanjay vikram arun rajesh dmitri sergei vladimir andrei mikhail oleksandr
piotr tomasz krzysztof pawel jan lars sven anders nils bjorn björn erik klaus jurgen jürgen
hans wolfgang dieter helmut giuseppe giovanni francesco paolo marcello
""".split())

# Words that make a capitalised run an organisation, not a person.
ORG_WORDS = frozenset("""
ltd limited inc incorporated plc llc llp corp corporation co company companies group holdings
partners associates industries enterprises systems solutions technologies technology motors
airlines airways bank banks trust trusts council councils agency agencies department ministry
office party university college school academy institute institution foundation association
society union federation league club committee commission board authority service services
network networks media news press times post herald guardian journal gazette telegraph tribune
links lines ferries rail railway railways transport energy power water foods securities capital
insurance fund funds church hospital clinic centre center court police army navy force forces
government parliament assembly senate congress organisation organization charity alliance
coalition network project museum gallery theatre theater studios records hotel hotels restaurant
cafe bakery market stores supermarket pharmaceuticals labs laboratories
city county united fc rovers athletic wanderers village island valley station airport stadium arena
""".split())

# Endings that make even "John Lewis Partnership"-like runs organisations.
CORPORATE = frozenset("ltd limited inc plc llc llp corp corporation co company group holdings".split())

# Heads of labels that name no person: "it", never "he" or "she".
THING_NOUNS = frozenset("""
report statement study survey review document letter notice filing ruling judgment judgement
email memo post tweet website site release paper analysis inquiry investigation audit
company firm agency board council department ministry government court union group business
carmaker operator manufacturer retailer bank airline club charity insurer supplier maker
developer chain brand organisation organization trust authority commission committee
office service hospital school university newspaper magazine broadcaster network website
""".split())

# Sentence words and other capitalised words that name no one.
NOT_NAMES = frozenset(
    "the a an and but or so yet if then when while as at in on of for to from by with after"
    " before during since until meanwhile however although though this that these those it its"
    " he she they we i you his her their our my your there here what who which where why how"
    " both all some many most one two three no not also only even still now today yesterday"
    " monday tuesday wednesday thursday friday saturday sunday january february march april"
    " june july august september october november december prior despite according"
    " unlike like instead earlier later last next new first asked told".split()
)
# Abbreviated titles keep their full stop inside the name: "Sgt. Kelly Ambrosetti", "Mr. Lum".
TITLE_ABBREVIATIONS = "Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Cpl|Det|Insp|Supt|Cmdr|Rev|St|Hon|Atty"
NAME_WORD = (rf"(?:\b(?:{TITLE_ABBREVIATIONS})\.(?=\s+[A-Z])|\b[JS]r\.|[A-Z][\w'’\-]*?[a-z\u00df-\u00ff]\w*(?:['’\-]\w+)*"
             r"|[A-Z]\.(?:[A-Z]\.)*|[IVX]+\b)")
NAME = patterns.compile(rf"{NAME_WORD}(?:\s+(?:(?:de|da|van|von|der|den|del|la|le|bin|al|du|dos|di|ter)\s+)?{NAME_WORD})*")

# Letters NFKD does not take apart.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})


@functools.lru_cache(maxsize=1 << 16)  # called for every word of the article, and again for each name
def fold(text: str) -> str:
    """Casefolded, diacritics removed, and German ue/oe/ae spelled as the bare vowel."""
    text = text.casefold().replace("ß", "ss").translate(_LETTERS)
    text = text.replace("ue", "u").replace("oe", "o").replace("ae", "a")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def given_name_gender(word: str) -> str | None:
    """"f" or "m" for a common given name, else None."""
    w = word.casefold()
    if w in FEMALE_NAMES and w not in MALE_NAMES:
        return "f"
    if w in MALE_NAMES and w not in FEMALE_NAMES:
        return "m"
    return None


def split_title(match_text: str) -> tuple[list[str], str | None]:
    """Words of a capitalised run with leading non-names and role words dropped, and its title.

    A title inside the run ends a capitalised role: "Tamsen County Sheriff
    Linda Okafor" -> (["Linda", "Okafor"], "sheriff").
    """
    words = match_text.split()
    if words:
        words[-1] = re.sub(r"(?<=\w)[’']s$", "", words[-1])  # "Halloran’s hands": Halloran
    while words and words[0].lower() in NOT_NAMES:
        words = words[1:]
    while len(words) > 1 and words[-1].lower().rstrip(".") in ("jr", "sr"):
        words = words[:-1]  # Martin Luther King Jr.
    # A capitalised role before a given name: "Prosecutor Ann Blake"
    given = [i for i, w in enumerate(words[:-1]) if given_name_gender(w)]
    if given and given[0] > 0 and len(words) - given[0] >= 2 and not any(
            w.lower().rstrip(".") in TITLES for w in words[:given[0]]):
        words = words[given[0]:]
    title = None
    for i in range(len(words) - 2, -1, -1):  # the last title before the name proper
        if words[i].lower().rstrip(".") in TITLES:
            title = words[i].lower().rstrip(".")
            words = words[i + 1:]
            break
    return words, title


@dataclass
class People:
    """Names found in the article, so a surname or a role finds the full name."""

    by_surname: dict[str, str] = field(default_factory=dict)
    """Folded surname -> the fullest name written with it."""
    gender: dict[str, str] = field(default_factory=dict)
    """Full name -> "m" or "f" when a title, a given name or a pronoun says so."""
    roles: dict[str, set[str]] = field(default_factory=dict)
    """Folded role noun ("prefect", "mp") -> the full names it describes."""
    by_first: dict[str, set[str]] = field(default_factory=dict)
    """Folded first name -> full names, for "Sir Anthony" or a friend's "Jose"."""
    orgs: set[str] = field(default_factory=set)
    """Full names that are organisations, not people."""
    full: set[str] = field(default_factory=set)
    """Every full name written, so two people who share a surname stay apart
    (a victim and "his older sister, Ann Lattimore")."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Folded nickname -> full name: ``Ciara "Kiki" Brennan``, "Brennan, known as Kiki"."""
    ages: dict[str, str] = field(default_factory=dict)
    """Full name -> age as written ("31", "nine"), from "Name, 31," or "31-year-old Name"."""
    recent: list[str] = field(default_factory=list)
    """People most recently in focus, newest first (the attribute stage keeps it):
    a bare "Benedetto" is whichever Benedetto the narration is about."""

    def add(self, words: list[str], title: str | None) -> str:
        full = " ".join(words)
        key = fold(words[-1])
        if len(words) > 1:
            self.full.add(full)
        known = self.by_surname.get(key)
        if known is None or len(full.split()) > len(known.split()):
            self.by_surname[key] = full
            if known and known in self.gender:
                self.gender.setdefault(full, self.gender[known])
            if known in self.orgs:
                self.orgs.add(full)
        if not self._other_person(words):
            full = self.by_surname[key]
        if len(words) > 1:
            self.by_first.setdefault(fold(words[0]), set()).add(full)
            if full not in self.orgs and given_name_gender(words[0]):
                self.gender.setdefault(full, given_name_gender(words[0]))
        if title in MALE or title in FEMALE:
            self.gender.setdefault(full, "m" if title in MALE else "f")
        return full

    def resolve(self, name: str, title: str | None = None) -> str:
        """The full name for a surname, a first name, a nickname or a full name.

        A gendered ``title`` picks among people who share a surname: "Mrs
        Norcott" is Becky Norcott, not her son Alfie Norcott.
        """
        words = [w for w in name.split() if w.lower().rstrip(".") not in TITLES]
        if not words:
            return name
        if self._other_person(words):
            return " ".join(words)
        key = fold(words[-1])
        if len(words) == 1 and key in self.aliases and key not in self.by_surname:
            return self.aliases[key]
        if key in self.by_surname:
            known = self.by_surname[key]
            sex = "m" if title in MALE else "f" if title in FEMALE else None
            if len(words) == 1 and sex and self.gender.get(known, sex) != sex:
                same = [f for f in self.full if fold(f.split()[-1]) == key and self.gender.get(f, sex) == sex]
                if len(same) == 1:
                    return same[0]
                self.gender.setdefault(words[0], sex)
                return words[0]  # "Mrs Smith" is not John Smith
            if len(words) == 1:
                return next((n for n in self.recent if n in self.full and fold(n.split()[-1]) == key), known)
            return known
        firsts = {self.by_surname.get(fold(f.split()[-1]), f) for f in self.by_first.get(key, ())}
        firsts = firsts if len(words) == 1 else set()
        return next(iter(firsts)) if len(firsts) == 1 else " ".join(words)

    def _other_person(self, words: list[str]) -> bool:
        """A full name whose given name differs from the one its surname is filed under."""
        known = self.by_surname.get(fold(words[-1]), "")
        return (len(words) > 1 and " ".join(words) in self.full
                and fold(known.split()[0] if known else "") != fold(words[0]))

    def salience(self, paragraphs: Sequence[str]) -> dict[str, int]:
        """Full name -> how often the article writes the person's surname, given name or
        nickname, or an organisation's first word ("Harwick" of "Harwick Provisions Inc")."""
        counts: dict[str, int] = {}
        for word in re.findall(r"[^\W\d_][\w’'\-]*", " ".join(paragraphs)):
            key = fold(re.sub(r"[’']s$", "", word))
            counts[key] = counts.get(key, 0) + 1
        out = {}
        for name in (set(self.by_surname.values()) | self.full) - self.orgs:
            words = name.split()
            keys = {fold(words[-1]), fold(words[0])} | {a for a, n in self.aliases.items() if n == name}
            out[name] = sum(counts.get(k, 0) for k in keys)
        for name in self.orgs:
            out[name] = counts.get(fold(name.split()[0]), 0)
        return out

    def knows(self, word: str) -> bool:
        """A surname, first name or nickname of someone in the article."""
        key = fold(word)
        return key in self.by_surname or key in self.by_first or key in self.aliases

    def by_role(self, words: str) -> str | None:
        head = fold(words.split()[-1]) if words.split() else ""
        names = self.roles.get(head, set())
        return next(iter(names)) if len(names) == 1 else None

    def is_person(self, name: str | None) -> bool:
        """A name of the article that is not an organisation."""
        return bool(name) and name not in self.orgs and fold(name.split()[-1]) in self.by_surname


def _looks_like_org(words: list[str], text: str, start: int, end: int) -> bool:
    person_like = given_name_gender(words[0]) is not None and len(words) <= 3
    if any(fold(w) in ORG_WORDS for w in words) and not (person_like and fold(words[-1]) not in CORPORATE):
        return True
    if re.match(r",?\s+(?:said|says|announced|confirmed|added)\s+(?:it|its)\b|,\s+which\s|\s+and\s+its\s", text[end:]):
        return True
    # "Kestrel Vale FC", and a team or firm taking a plural verb ("Kestrel Vale have
    # signed"), unless it is one of two people ("Ann Lee and Tom Ray have").
    if re.match(r"\s+(?:FC|AFC|RFC|CF|SC|PLC|LLC|LLP)\b", text[end:]):
        return True
    if re.match(r"\s+(?:have|are|were)\s", text[end:]) and not person_like \
            and not re.search(r"(?:\band|&|,)\s+$", text[:start]):
        return True
    return bool(re.search(r"\b[Tt]he\s+$", text[max(0, start - 4):start]))


# Ciara "Kiki" Brennan: a nickname in quote marks between given name and surname.
NICKNAME = patterns.compile(rf"\b(?P<given>{NAME_WORD})\s+[‘“\"'](?P<nick>{NAME_WORD})[’”\"']\s+(?P<rest>{NAME.pattern})")
# "Ciara Brennan, known as Kiki,", "Brennan – known to friends as Kiki –", "(better known as Kiki)"
KNOWN_AS = patterns.compile(
    rf"\s*(?:,|[–—-]|\()\s*(?:(?:also|better|widely)\s+)?known(?:\s+to(?:\s+[a-z]+){{1,3}}?)?\s+as\s+[‘“\"']?"
    rf"(?P<nick>{NAME_WORD})")
# "the 31-year-old", "nine-year-old", "the mother-of-two": an epithet for someone the article names.
EPITHET = patterns.compile(r"(?:(?P<age>\d{1,3}|[a-z]+(?:-[a-z]+)?)-year-old|(?:mother|father|mum|mom|dad)-of-[a-z]+)$")
# A capitalised adjective of nationality or origin: "Italian", "Scottish", "Congolese".
NATIONALITY = patterns.compile(r"[A-Z][a-z]+(?:an|ish|ese|ic|i|ch)")
# A given name written as a place: "in Florence", "from Georgia".
_PLACE_BEFORE = patterns.compile(r"\b(?:in|at|from|near|into|across|through|around|outside|inside|via)\s+$")


def people(paragraphs: Sequence[str]) -> People:
    """Every person and organisation named in the article."""
    found = People()
    singles: list[tuple[str, str | None, str, int, int]] = []
    for text in paragraphs:
        for m in NICKNAME.finditer(text):
            words, title = split_title(f"{m.group('given')} {m.group('rest')}")
            if len(words) > 1 and not any(fold(w) in ORG_WORDS for w in words):
                full = found.add(words, title)
                found.aliases.setdefault(fold(m.group("nick")), full)
        for m in NAME.finditer(text):
            words, title = split_title(m.group())
            if not words:
                continue
            if len(words) == 1:
                singles.append((words[0], title, text, m.start(), m.end()))
                continue
            full = found.add(words, title)
            if title and title not in MALE | FEMALE | GENERIC_TITLES:
                found.roles.setdefault(title, set()).add(full)  # Judge Ann Lee: "the judge"
            if not title and _looks_like_org(words, text, m.start(), m.end()):
                found.orgs.add(full)
            _note_roles(found, full, text, m.start(), m.end())
    for word, title, text, start, end in singles:  # "Mr Smith" with no first name anywhere
        if found.knows(word):  # "Mr Mitchell, 79,": the age of Austin Mitchell
            _note_roles(found, found.resolve(word, title), text, start, end)
            continue
        if title or _lone_given_name(word, singles):
            full = found.add([word], title)
            if not title and given_name_gender(word):
                found.gender.setdefault(full, given_name_gender(word))
            _note_roles(found, full, text, start, end)
    for name in found.full - found.orgs:  # "Kestrel Vale" is the club "Kestrel Vale FC"
        if any(org.startswith(name + " ") for org in found.orgs):
            found.orgs.add(name)
    for text in paragraphs:  # "Brennan – known to friends as Kiki –"
        for m in NAME.finditer(text):
            alias = KNOWN_AS.match(text, m.end())
            words, title = split_title(m.group())
            if alias and words and found.knows(words[-1]) and not found.knows(alias.group("nick")):
                found.aliases[fold(alias.group("nick"))] = found.resolve(" ".join(words), title)
    return found


def _lone_given_name(word: str, singles: list[tuple[str, str | None, str, int, int]]) -> bool:
    """A child or a first-name-only source ("her brother, Eli,", "9-year-old Maya"):
    a common given name written alone at least once inside a sentence and not
    as a place ("in Florence")."""
    if not given_name_gender(word) or fold(word) in NOT_NAMES:
        return False
    inside = [(text, start) for w, title, text, start, _ in singles if w == word and not title
              and not re.search(r"(?:^|[.!?:…][\"”’')\]]*\s+|[“‘\"(]\s*)$", text[:start])]
    return bool(inside) and not all(_PLACE_BEFORE.search(text[max(0, start - 12):start]) for text, start in inside)


def _note_roles(found: People, full: str, text: str, start: int, end: int) -> None:
    """Role nouns and ages written just before a name or in the appositive after it:
    "coach Ray Kimbrough", "his mother, Becky Norcott,", "Ray Kimbrough, the coach,",
    "Ann Lee, 31,", "31-year-old Ann Lee"."""
    window = text[max(0, start - 60):start]
    age = re.search(r"\b(\d{1,3}|[a-z]+(?:-[a-z]+)?)-year-old\s+$", window)
    if age:
        found.ages.setdefault(full, age.group(1).lower())
    before = (re.search(r"(?<![\w\-])([a-z][\w\-]+|[A-Z]{2,})\s+$", window)
              or re.search(r"(?:\b(?i:the|a|an|his|her|their)|[’']s?)\s+(?:[\w\-]+\s+){0,2}?([a-z][\w\-]+),\s+$",
                           window))
    if before and before.group(1).lower() not in NOT_NAMES | OBJECT_MARKERS | SAID \
            and not re.search(r"(?:ing|ed)$", before.group(1)) and not EPITHET.match(before.group(1)):
        role = fold(before.group(1))
        found.roles.setdefault(role, set()).add(full)
        if role in MALE_NOUNS or role in FEMALE_NOUNS:  # "his mother, Jess Ward"
            found.gender.setdefault(full, "m" if role in MALE_NOUNS else "f")
    after = re.match(r",\s+(?:the|a|an)\s+([^,.;:!?“”\"]{1,80}?)(?=,|\s(?:of|for|at|in|and|who|with)\b)", text[end:])
    if after:
        *modifiers, head = after.group(1).split()
        for word in modifiers + [head]:  # "Marco Santangelo, the Italian captain,": also "the Italian"
            if word is head or NATIONALITY.fullmatch(word):
                found.roles.setdefault(fold(word), set()).add(full)
    years = re.match(r",\s+(\d{1,3})(?=\s*[,.;)]|\s+(?:and|said|says|told|from|of)\b)", text[end:])
    if years and int(years.group(1)) < 120:
        found.ages.setdefault(full, years.group(1))


# People written "Smith's <relation> Keith": family, and those who speak for someone.
RELATIONS = frozenset(
    "husband wife son daughter brother sister mother father partner fiance fiancé fiancee fiancée girlfriend"
    " boyfriend friend uncle aunt cousin niece nephew grandson granddaughter grandmother grandfather widow"
    " widower stepfather stepmother stepson stepdaughter lawyer attorney solicitor barrister agent"
    " spokesman spokeswoman spokesperson".split()
)
# Nouns for a person, so that "the coach" or "the star" (never "the ball") can
# stand for someone the article named; some tell the gender.
MALE_NOUNS = frozenset(
    "man boy husband son brother father dad uncle nephew grandson grandfather boyfriend fiance fiancé widower"
    " stepfather stepson spokesman chairman businessman actor king prince sportsman policeman".split())
FEMALE_NOUNS = frozenset(
    "woman girl wife daughter sister mother mum mom aunt niece granddaughter grandmother girlfriend fiancee"
    " fiancée widow stepmother stepdaughter spokeswoman chairwoman businesswoman actress queen princess"
    " sportswoman policewoman".split())
PERSON_NOUNS = RELATIONS | MALE_NOUNS | FEMALE_NOUNS | TITLES - GENERIC_TITLES | frozenset("""
star celebrity presenter host singer musician rapper artist actor model influencer comedian author writer
novelist poet director producer designer chef player striker forward midfielder defender goalkeeper keeper
winger captain manager footballer athlete runner cyclist boxer fighter golfer driver rider jockey swimmer
skipper veteran rookie guard centre center pitcher quarterback teammate coach trainer owner founder boss
executive chief ceo chairperson president minister diplomat envoy ambassador official spokesperson
politician candidate leader lawmaker legislator mp councillor mayor governor senator judge magistrate
lawyer solicitor barrister attorney prosecutor defendant accused victim witness suspect survivor
officer detective teacher headteacher headmaster headmistress principal student pupil doctor surgeon
nurse paramedic scientist researcher professor economist analyst expert engineer farmer vicar priest
pastor resident neighbour neighbor homeowner tenant landlord shopkeeper customer passenger pilot
volunteer campaigner activist organiser organizer entrepreneur investor banker worker employee
source insider pal friend youngster teenager child kid toddler baby mother-of-two
fan follower supporter viewer listener reader critic commenter user shopper local
""".split())
# Nouns that bring a new person into a story rather than name again someone
# already there: "the judge said" after "Tom Reed admitted fraud" is not Tom Reed.
NEWCOMER_NOUNS = frozenset("""
judge magistrate coroner prosecutor officer detective police witness juror doctor surgeon nurse paramedic
firefighter referee umpire official spokesman spokeswoman spokesperson source insider pal friend neighbour
neighbor vicar priest pastor lawyer solicitor barrister attorney agent passerby bystander
fan follower supporter viewer listener reader critic commenter user shopper local
""".split())
SAID = frozenset("said says told tells wrote writes added adds asked".split())
# Words before a name that make it an object, not the subject of its sentence.
OBJECT_MARKERS = frozenset(
    "to of for with against by about after before than from at in on into over under between"
    " and or accused told asked thanked attacked criticised criticized urged met like whether"
    " as".split()
)
