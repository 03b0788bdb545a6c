"""Speech: display text -> the text the engine hears.

The script keeps the article's own words; this stage only rewrites what is
sent to the engine, so that marks a reader sees silently are not read out and
symbols, numbers and abbreviations are said the way a newsreader says them.
The output is plain English words (plus dotted letters such as "B.B.C" for
acronyms), never engine markup, so eSpeak NG, SAPI5 and NSSpeechSynthesizer
all read it the same way.

``spoken(text)`` applies these steps in order (each a small function of its
own, tested on its own in tests/test_speech.py):

 1. punctuation: typographic apostrophes to plain ones, brackets and inner
    quote marks dropped ("’90s" keeps its apostrophe)
 2. urls and emails: "bbc.co.uk/news" -> "B.B.C dot co dot U.K slash news",
    "name@example.org" -> "name at example dot org" (first, so no later rule
    fires inside an address)
 3. lexicon: whole-word, case-aware entries from voices/lexicon.toml and the
    user's lexicon ("NATO" -> "Nato", "Keir" -> "Keer")
 4. abbreviations: Mr/Mrs/Ms/Dr/Prof... before a name; "St" as Saint before a
    name and Street after one; Rd, Ave, Jr after a name; "No 10" as
    Number 10 before a numeral only; e.g., i.e., etc., vs
 5. initials: "J.K. Rowling" -> "J.K Rowling", "George W. Bush" -> "George W
    Bush", "U.S." -> "U.S" (a final dot before more words reads as a pause)
 6. ISO dates ("2024-03-03"), phone numbers digit by digit ("0800 123
    4567"), then ranges ("5-6", "9am–5pm", "2019/20", "3:1" -> "5 to 6"...)
 7. currency: "£5m" -> "five million pounds", "$2.3bn", "€40", "50p", "US$",
    "£5-6m" -> "five to six million pounds", "£2.50" -> "two pounds fifty"
 8. percentages: "3.5%" -> "three point five per cent"
 9. times: "9am", "9.30pm", "21:45", "10:30", "1030 GMT", and "at 10.30"
    (British style)
10. dates: "3 March 2024" -> "the third of March twenty twenty-four",
    "March 3, 2024" -> "March third, twenty twenty-four"
11. decades: "1990s" -> "nineteen nineties", "’90s" -> "nineties"
12. ordinals: "22nd" -> "twenty-second"
13. numbers: a four-digit number from 1000 to 2099 without a comma is a
    year ("in 1995" -> "nineteen ninety-five") unless a plural noun follows
    it with no cue word before ("2024 people"); "bn"/"tn", and "m" before a
    plural ("2m people"), as multipliers; everything else as a quantity
    ("2,000" -> "two thousand", "2.5" -> "two point five", "007" digit by
    digit)
14. Roman numerals after a name: "Henry VIII" -> "Henry the Eighth",
    "World War II" -> "World War Two"
15. acronyms: an all-capitals word the lexicon did not settle is spelled
    letter by letter ("BBC" -> "B.B.C", "MPs" -> "M.P.'s") when it has 2-3
    letters or cannot be pronounced as an English word ("HMRC", "UNHCR");
    pronounceable ones ("OPEC", "UNESCO", a shouted "HOLD") are left as they
    are, see ``spelled_by_default``; a sentence with capitalised function
    words (a headline or a shout: "THE PM HAS RESIGNED") is left alone
16. dashes read as a pause, whitespace collapsed

What eSpeak NG already reads right is still written out in words here when
another engine might not (plain numbers, "3.5%"), but nothing relies on
eSpeak's own expansions.

``AUDIOBOOK_NO_NORMALISE=1`` in the environment turns steps 2-15 off (only the
punctuation is tidied), to compare before and after (bench/wer.py).
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from . import patterns
from .errors import ProfileError

#: set to 1 to send the engine the display text with only its punctuation tidied
NO_NORMALISE_ENV = "AUDIOBOOK_NO_NORMALISE"
#: a user lexicon file, read after the bundled one and the one in the config folder
LEXICON_ENV = "AUDIOBOOK_LEXICON"
LEXICON_NAME = "lexicon.toml"

# --- 1. punctuation --------------------------------------------------------------

# (pattern, replacement) in order; each one small and separately testable
RULES: list[tuple[re.Pattern[str], str]] = [
    (patterns.compile(r"(?<=\w)[\u2019\u02bc](?=\w)|[\u2019'](?=\d0s\b)"), "'"),  # it’s, ’90s
    (patterns.compile(r"[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\"]"), ""),  # stray double marks
    # inner single marks, but not the apostrophe of "U.S.'s"
    (patterns.compile(r"(?<!\w)(?<![A-Z]\.)[\u2018\u2019'](?=\w)(?!\d0s\b)|(?<=[\w.,!?])[\u2018\u2019'](?!\w)"), ""),
    (patterns.compile(r"[\[\]{}]"), ""),  # brackets: their words stay
]
DASHES = patterns.compile(r"(?:\s*[\u2013\u2014]|\s+-(?=\s))+\s*")  # a run of dashes reads as one pause
COMMAS = patterns.compile(r",(?:\s*,)+")
SPACES = patterns.compile(r"\s+")


def punctuation(text: str) -> str:
    for pattern, repl in RULES:
        text = pattern.sub(repl, text)
    return text


def pauses(text: str) -> str:
    return SPACES.sub(" ", COMMAS.sub(",", DASHES.sub(", ", text))).strip()


# --- numbers as words ---------------------------------------------------------------

ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
_ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
                  "nine": "ninth", "twelve": "twelfth"}


def _under_thousand(n: int) -> str:
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + (f"-{ONES[n % 10]}" if n % 10 else "")
    rest = n % 100
    return f"{ONES[n // 100]} hundred" + (f" and {_under_thousand(rest)}" if rest else "")


def cardinal(n: int) -> str:
    """``n`` in words, British style: 1205 -> "one thousand two hundred and five"."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n >= 1000 * SCALES[0][0]:
        return digit_words(str(n))
    words = []
    for size, name in SCALES:
        if n >= size:
            words.append(f"{_under_thousand(n // size)} {name}")
            n %= size
    if n:
        # "two thousand and five": the "and" goes before a last group under a hundred
        words.append(("and " if words and n < 100 else "") + _under_thousand(n))
    return " ".join(words) or "zero"


def ordinal(n: int) -> str:
    """``n`` as an ordinal in words: 22 -> "twenty-second"."""
    words = cardinal(n)
    head, sep, last = max(words.rpartition(" "), words.rpartition("-"), key=lambda p: len(p[0]))
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def digit_words(digits: str) -> str:
    """Each digit on its own: "007" -> "zero zero seven"."""
    return " ".join(ONES[int(d)] for d in digits if d.isdigit())


def number_words(text: str) -> str:
    """A written number ("2,000", "2.5", "0.75") in words."""
    whole, _, frac = text.replace(",", "").partition(".")
    out = cardinal(int(whole or "0"))
    return out + (" point " + digit_words(frac) if frac else "")


def year(n: int) -> str:
    """A year as said aloud: 1995 -> "nineteen ninety-five", 2005 -> "two thousand and five"."""
    if not 1000 <= n <= 9999 or 2000 <= n <= 2009 or n % 1000 == 0:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    return f"{cardinal(high)} {'oh ' + ONES[low] if low < 10 else cardinal(low)}"


# --- 2. urls and emails ---------------------------------------------------------------

_TLDS = ("com|org|net|gov|edu|int|info|biz|news|app|dev|io|ai|tv|me|ly|co|uk|us|eu|de|fr|es|it|nl|"
         "ie|au|nz|ca|in|jp|cn|ru|ch|se|no|dk|be|at|pl")
URL = patterns.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    rf"|(?<![\w@.\-/])(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+(?:{_TLDS})(?![\w@-])(?:/[^\s<>\"]*)?"
)
EMAIL = patterns.compile(r"(?<![\w.+-])[A-Za-z0-9][\w.+-]*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")
_URL_MARKS = {".": "dot", "/": "slash", "-": "dash", "_": "underscore", "@": "at", "+": "plus",
              "?": "question mark", "=": "equals", "&": "and", "#": "hash", ":": "colon", "~": "tilde"}
#: address parts said as letters although they have a vowel
_SPELLED_PARTS = {"uk", "us", "eu", "io", "ai", "tv", "de", "fr", "es", "it", "nl", "ie", "au", "nz",
                  "ca", "jp", "cn", "ru", "ch", "se", "dk", "pl", "www"}
_VOWEL = patterns.compile(r"[aeiouy]", re.IGNORECASE)


def letters(word: str) -> str:
    """A word said letter by letter, written as dotted capitals: "bbc" -> "B.B.C".

    Dots and no spaces: every engine reads these as letter names, with a
    lone "A" read as the letter rather than the article, and without the
    pause a final dot would make.
    """
    return ".".join(word.upper())


def _address_part(part: str) -> str:
    out = []
    for chunk in re.findall(r"[A-Za-z]+|\d+", part):
        if chunk.isdigit():
            out.append(cardinal(int(chunk)) if len(chunk) <= 2 and chunk[0] != "0" else digit_words(chunk))
        elif not _VOWEL.search(chunk) or chunk.lower() in _SPELLED_PARTS:
            out.append(letters(chunk))
        else:
            out.append(chunk)
    return " ".join(out)


def say_address(address: str) -> str:
    """A URL or email address in words; the scheme ("https://") is not said."""
    address = re.sub(r"^https?://", "", address, flags=re.IGNORECASE).rstrip("/")
    pieces = re.split(r"([./\-_@+?=&#:~])", address)
    words = [_URL_MARKS[p] if p in _URL_MARKS else _address_part(p) for p in pieces if p]
    return " ".join(w for w in words if w)


def _trim_address(match: re.Match[str]) -> str:
    address = match.group()
    kept = address.rstrip(".,;:!?)'")
    return say_address(kept) + address[len(kept):]


def addresses(text: str) -> str:
    text = EMAIL.sub(_trim_address, text)
    return URL.sub(_trim_address, text)


# --- 3. lexicon -------------------------------------------------------------------------


class Lexicon:
    """Whole-word replacements: what is written -> what the engine should hear.

    Case-aware: a key with a capital letter matches only as written ("US"
    never touches "us"); an all-lower-case key also matches with a capital
    first letter (the start of a sentence).  An all-capitals key also
    matches its plural ("NGO" -> "NGOs").
    """

    def __init__(self, entries: dict[str, str]):
        self.entries = dict(entries)
        surfaces: dict[str, str] = {}
        for key, value in self.entries.items():
            surfaces[key] = value
            if key.islower():
                surfaces.setdefault(key[0].upper() + key[1:], value[:1].upper() + value[1:])
            if key.isupper() and key.isalpha() and len(key) > 1:
                surfaces.setdefault(key + "s", value + (".'s" if _is_letters(value) else "s"))
        self._surfaces = surfaces
        # longest first, so "Sinn Fein" wins over a "Sinn" entry
        alternatives = sorted(surfaces, key=len, reverse=True)
        self._pattern = patterns.compile("|".join(_whole(k) for k in alternatives)) if surfaces else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._surfaces[m.group()], text)


def _is_letters(value: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z](?:\.[A-Za-z])+", value))


def _whole(key: str) -> str:
    before = r"(?<![\w'’.])" if re.match(r"\w", key) else ""
    after = r"(?![\w&]|\.\w)" if re.search(r"\w$", key) else ""
    return before + re.escape(key) + after


def bundled_lexicon_path() -> Path | None:
    """voices/lexicon.toml beside the source tree, else the installed copy."""
    from .profile import profile_dirs

    for folder in profile_dirs():
        path = folder / LEXICON_NAME
        if path.is_file():
            return path
    return None


def user_lexicon_paths() -> list[Path]:
    """The user's lexicons, lowest priority first: the config folder's, then $AUDIOBOOK_LEXICON."""
    out = []
    try:
        from platformdirs import user_config_dir

        path = Path(user_config_dir("audiobook")) / LEXICON_NAME
        if path.is_file():
            out.append(path)
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        pass
    named = os.environ.get(LEXICON_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ProfileError(
                f"lexicon {path} (from {LEXICON_ENV}): no such file",
                f"fix the path in {LEXICON_ENV}, or unset it",
            )
        out.append(path)
    return out


def lexicon_paths() -> list[Path]:
    """Every lexicon file in effect, lowest priority first (later entries win)."""
    bundled = bundled_lexicon_path()
    return ([bundled] if bundled else []) + user_lexicon_paths()


def _key_line(text: str, key: str) -> str:
    """' (line N)' for the line that defines ``key``, to point at the problem."""
    quoted = re.escape(key)
    pattern = patterns.compile(rf"""^\s*(?:(?:{quoted}|"{quoted}"|'{quoted}')\s*=|\[\s*{quoted}\s*\])""")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return f" (line {number})"
    return ""


def _bad_entry(path: Path, text: str, key: str, what: str, fix: str) -> NoReturn:
    raise ProfileError(f"lexicon {path}: words.{key}{_key_line(text, key)} {what}", fix)


def read_lexicon(path: Path) -> dict[str, str]:
    """One lexicon file's [words] table; a malformed one raises ProfileError
    naming the file, the key and the line.  An empty value means "no entry"
    (it removes a bundled entry)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    hint = 'entries look like NATO = "Nato" under [words]; see voices/lexicon.toml'
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ProfileError(f"lexicon {path}: not UTF-8 text", "re-save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"lexicon {path}: {exc}", "fix the TOML syntax there") from exc
    except OSError as exc:
        raise ProfileError(f"lexicon {path}: cannot be read ({exc.strerror or exc})", "check the file") from exc
    for key in data:
        if key != "words":
            raise ProfileError(f"lexicon {path}: {key}{_key_line(text, key)} is not a known table", hint)
    words = data.get("words", {})
    if not isinstance(words, dict):
        raise ProfileError(f"lexicon {path}: words{_key_line(text, 'words')} must be a table", hint)
    out = {}
    for key, value in words.items():
        # the key's line is looked up only for an error: a regex per key made
        # loading the lexicon cost ~60 ms, on the way to the first utterance
        if not key.strip() or key != key.strip() or "\n" in key:
            _bad_entry(path, text, key, "is not a word or phrase", "remove the spaces around it")
        if not isinstance(value, str):
            _bad_entry(path, text, key, f"must be a string, not {value!r}", hint)
        if value and not value.strip():
            _bad_entry(path, text, key, "is blank", 'write what to say, or "" to drop the entry')
        out[key] = value.strip()
    return out


def load_lexicon(paths: list[Path] | None = None) -> Lexicon:
    """The bundled lexicon with the user's on top (later files win; "" removes an entry)."""
    merged: dict[str, str] = {}
    for path in lexicon_paths() if paths is None else paths:
        merged.update(read_lexicon(path))
    return Lexicon({k: v for k, v in merged.items() if v})


_lexicon: Lexicon | None = None


def lexicon() -> Lexicon:
    """The process's lexicon, read once on first use."""
    global _lexicon
    if _lexicon is None:
        _lexicon = load_lexicon()
    return _lexicon


def reset_lexicon() -> None:
    """Forget the loaded lexicon (after the files or $AUDIOBOOK_LEXICON change)."""
    global _lexicon
    _lexicon = None


def apply_lexicon(text: str) -> str:
    return lexicon()(text)


# --- 4. abbreviations -------------------------------------------------------------------

TITLES = {
    "Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Dr": "Doctor", "Prof": "Professor",
    "Rev": "Reverend", "Revd": "Reverend", "Gen": "General", "Lt": "Lieutenant", "Col": "Colonel",
    "Capt": "Captain", "Sgt": "Sergeant", "Insp": "Inspector", "Det": "Detective",
    "Supt": "Superintendent", "Cllr": "Councillor", "Sen": "Senator", "Gov": "Governor",
}
#: read after a name: "Baker St", "Abbey Rd", "Martin Luther King Jr"
AFTER_NAME = {"St": "Street", "Rd": "Road", "Ave": "Avenue", "Dr": "Drive", "Jr": "Junior", "Sr": "Senior"}
#: capitalised words that are not names: "In St Ives" is not a street
FUNCTION_WORDS = frozenset(
    "a an the in at on of to from for by with and or but as into onto near past outside inside "
    "opposite off via up down this that these those its his her their our my your said says".split()
)
#: capitalised words that still follow a street's name: "Baker St Station"
STREET_FOLLOWERS = frozenset("Station Market Bridge Tube Underground Car Park Stop".split())

_TITLE_NAMES = "|".join(sorted(TITLES, key=len, reverse=True))
# a title, then (after more titles: "Det Insp") a capitalised word or an initial
_TITLE = patterns.compile(rf"(?<![\w.])({_TITLE_NAMES})\.?(?=\s+(?:(?:{_TITLE_NAMES})\.?\s+)*[A-Z](?:[\w'’-]|\.))")
_AFTER = patterns.compile(rf"(?<![\w.])({'|'.join(AFTER_NAME)})\.?(?![\w'’])")
_NUMBER_SIGN = patterns.compile(r"(?<![\w.])(No|Nos)\.?\s?(?=\d)")
_LATIN = [
    (patterns.compile(r"(?<!\w)e\.\s?g\.?(?!\w)", re.IGNORECASE), "for example"),
    (patterns.compile(r"(?<!\w)i\.\s?e\.?(?!\w)", re.IGNORECASE), "that is"),
    (patterns.compile(r"(?<!\w)etc\b\.?"), "et cetera"),
    (patterns.compile(r"(?<=\w )(?:vs\.?|v\.?)(?= [A-Z\d])"), "versus"),
    (patterns.compile(r"(?<!\w)approx\b\.?"), "approximately"),
]


def _word_before(text: str, pos: int) -> tuple[str, bool]:
    """The word before ``pos`` and whether it opens the sentence."""
    before = text[:pos].rstrip()
    match = re.search(r"([\w'’]+)$", before)
    if not match:
        return "", True
    start = before[: match.start()].rstrip()
    return match.group(1), (not start or start[-1] in ".!?:;\"“(")


def _is_name(word: str, opens: bool) -> bool:
    """A capitalised word that is not an initial, a function word or the sentence's first."""
    return len(word) > 1 and word[0].isupper() and not opens and word.lower() not in FUNCTION_WORDS


def _after_name(match: re.Match[str]) -> str:
    text, abbr = match.string, match.group(1)
    prev, _ = _word_before(text, match.start())
    after = text[match.end():]
    nxt = re.match(r"\s+([A-Z][\w'’]+)", after)
    next_is_name = bool(nxt) and nxt.group(1) not in STREET_FOLLOWERS
    end = _final_dot(match)
    # a capitalised word before, even the sentence's first: "Oxford St is shut"
    prev_is_name = _is_name(prev, False) or bool(re.fullmatch(r"\d+\w*", prev))
    if abbr == "St":
        if prev_is_name and not next_is_name:
            return "Street" + end
        if next_is_name:
            return "Saint"
        return match.group()
    if prev_is_name and not next_is_name:
        return AFTER_NAME[abbr] + end
    return match.group()


def _final_dot(m: re.Match[str]) -> str:
    """The full stop an abbreviation's dot also stood for, at the end of the text ("etc.")."""
    return "." if m.group().endswith(".") and not m.string[m.end():].strip() else ""


def abbreviations(text: str) -> str:
    text = _TITLE.sub(lambda m: TITLES[m.group(1)], text)
    text = _AFTER.sub(_after_name, text)
    text = _NUMBER_SIGN.sub(lambda m: "Numbers " if m.group(1) == "Nos" else "Number ", text)
    for pattern, words in _LATIN:
        text = pattern.sub(lambda m, words=words: words + _final_dot(m), text)
    return text


# --- 5. initials -----------------------------------------------------------------------

# "U.S", "U.S." or "J. K." (spaced initials each with their dot)
_DOTTED = patterns.compile(r"(?<![\w.])(?:[A-Z](?:\.[A-Z])+\.?|[A-Z]\.(?:\s[A-Z]\.)+)(?![\w])")
_INITIAL = patterns.compile(r"(?<![\w.])([A-Z])\.\s+(?=[A-Z][a-z])")


def initials(text: str) -> str:
    def dotted(m: re.Match[str]) -> str:
        rest = m.string[m.end():]
        # the dot stays at the end of the text, and before "'s" ("U.S.'s": "U.S's" reads "U dot S")
        keep = not rest.strip() or rest.startswith(("'s", "’s"))
        return ".".join(re.findall("[A-Z]", m.group())) + ("." if m.group().endswith(".") and keep else "")

    def single(m: re.Match[str]) -> str:
        # "J. Smith" opening the text, or "George W. Bush" after a name
        prev, _ = _word_before(m.string, m.start())
        if not m.string[: m.start()].strip() or (prev[:1].isupper() and prev.lower() not in FUNCTION_WORDS):
            return m.group(1) + " "
        return m.group()

    return _INITIAL.sub(single, _DOTTED.sub(dotted, text))


# --- 6. ISO dates and ranges -------------------------------------------------------------

MONTHS = "January February March April May June July August September October November December".split()
_MONTH_ABBR = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9,
               "Oct": 10, "Nov": 11, "Dec": 12}
_MONTH_NUMBER = {**{m: i for i, m in enumerate(MONTHS, 1)}, **_MONTH_ABBR}
_MONTH = "(" + "|".join(MONTHS) + "|(?:" + "|".join(sorted(_MONTH_ABBR, key=len, reverse=True)) + r")\.?)"
_ISO = patterns.compile(r"(?<![\w\-/.])(\d{4})-(\d{2})-(\d{2})(?![\w\-/])")
_RANGE = patterns.compile(r"(?<=\d)([a-zA-Z%]{0,3})(?:\s?[-–]\s?|\s[-–]\s)(?=[£$€]?\d)")
_SEASON = patterns.compile(r"(?<![\w.])((?:19|20)\d\d)/(\d\d(?:\d\d)?)(?![\w/])")
_PHONE = patterns.compile(r"(?<![\w.,+])(?:\+\d{1,3}\s?(?:\(0\)\s?)?|0)\d{2,4}(?:[\s-]?\d{3,4}){1,3}(?![\w.,]?\d)")
_RATIO = patterns.compile(r"(?<![\w.:])(\d{1,3}):(\d{1,2})(?![\d:])")


def _day_of(day: int, month: int) -> str:
    return f"the {ordinal(day)} of {MONTHS[month - 1]}"


def iso_dates(text: str) -> str:
    def say(m: re.Match[str]) -> str:
        y, mo, d = (int(g) for g in m.groups())
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return m.group()
        return f"{_day_of(d, mo)} {year(y)}"

    return _ISO.sub(say, text)


def phone_numbers(text: str) -> str:
    """A phone number digit by digit, a pause between its groups: "0800 123 4567"."""
    def say(m: re.Match[str]) -> str:
        groups = re.findall(r"\d+", m.group().replace("(0)", ""))
        return ", ".join(digit_words(g) for g in groups)

    return _PHONE.sub(say, text)


def ranges(text: str) -> str:
    """"5-6", "9am–5pm", "2019/20" -> "5 to 6"...; "3:1" (not a time) -> "3 to 1"."""
    text = _RATIO.sub(lambda m: m.group() if len(m.group(2)) == 2 else f"{m.group(1)} to {m.group(2)}", text)
    text = _SEASON.sub(r"\1 to \2", text)
    return _RANGE.sub(lambda m: m.group(1) + " to ", text)


# --- 7. currency -----------------------------------------------------------------------

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
#: symbol -> (one, many, one hundredth, many hundredths)
CURRENCIES = {
    "£": ("pound", "pounds", "penny", "pence"),
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("U.S dollar", "U.S dollars", "cent", "cents"),
    "A$": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "AU$": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "C$": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "CA$": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "NZ$": ("New Zealand dollar", "New Zealand dollars", "cent", "cents"),
    "HK$": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "sen", "sen"),
}
MULTIPLIERS = {"k": "thousand", "m": "million", "bn": "billion", "tn": "trillion",
               "thousand": "thousand", "million": "million", "billion": "billion", "trillion": "trillion"}
_SYM = "(" + "|".join(re.escape(s) for s in sorted(CURRENCIES, key=len, reverse=True)) + ")"
_MULT = r"(?:\s?(bn|tn|m|k)(?![A-Za-z])|\s(thousand|million|billion|trillion)\b)?"
_MONEY = patterns.compile(
    rf"(?<![\w$£€¥]){_SYM}\s?({NUM}){_MULT}"
    rf"(?:\s?(?:-|–|to)\s?(?:{_SYM}\s?)?({NUM}){_MULT})?"
)
_PENCE = patterns.compile(r"(?<![\w.£$€])(\d+(?:\.\d+)?)p(?![\w'’])")


def _money(amount: str, sym: str, attributive: bool = False) -> str:
    one, many, small_one, small_many = CURRENCIES[sym]
    if attributive:  # "a £5 fee" -> "a five pound fee"
        many, small_many = one, small_one
    whole, _, frac = amount.replace(",", "").partition(".")
    units = int(whole or "0")
    if frac and len(frac) != 2:
        return f"{number_words(amount)} {many}"
    cents = int(frac or "0")
    if units == 0 and cents:
        return f"{cardinal(cents)} {small_one if cents == 1 else small_many}"
    out = f"{cardinal(units)} {one if units == 1 else many}"
    return out + (f" {cardinal(cents)}" if cents else "")


def _say_money(m: re.Match[str]) -> str:
    sym, a, mult_a, word_a, sym_b, b, mult_b, word_b = m.groups()
    mult_a = MULTIPLIERS.get(mult_a or word_a or "", "")
    mult_b = MULTIPLIERS.get(mult_b or word_b or "", "")
    # after "a"/"an" the amount describes a noun: "a $2.3bn probe" -> "a ... billion dollar probe"
    attributive = _word_before(m.string, m.start())[0].lower() in ("a", "an")
    unit = 0 if attributive else 1

    def many(symbol: str) -> str:
        return CURRENCIES[symbol][unit]

    if b is None:
        return f"{number_words(a)} {mult_a} {many(sym)}" if mult_a else _money(a, sym, attributive)
    if mult_b and (not mult_a or mult_a == mult_b):
        return f"{number_words(a)} to {number_words(b)} {mult_b} {many(sym)}"
    if mult_a or mult_b:
        first = f"{number_words(a)} {mult_a} {many(sym)}" if mult_a else _money(a, sym, attributive)
        return f"{first} to {number_words(b)} {mult_b} {many(sym_b or sym)}"
    if "." not in a + b:
        return f"{number_words(a)} to {number_words(b)} {many(sym)}"
    return f"{_money(a, sym, attributive)} to {_money(b, sym_b or sym, attributive)}"


def currency(text: str) -> str:
    text = _MONEY.sub(_say_money, text)

    def pence(m: re.Match[str]) -> str:
        amount = m.group(1)
        return f"{number_words(amount)} {'penny' if amount == '1' else 'pence'}"

    return _PENCE.sub(pence, text)


# --- 8. percentages ----------------------------------------------------------------------

_PERCENT = patterns.compile(rf"(?<![\w.])({NUM})(?:\s?(?:-|–|to)\s?({NUM}))?\s?%")


def percentages(text: str) -> str:
    def say(m: re.Match[str]) -> str:
        a, b = m.groups()
        return number_words(a) + (f" to {number_words(b)}" if b else "") + " per cent"

    return _PERCENT.sub(say, text)


# --- 9. times ----------------------------------------------------------------------------

_CLOCK12 = patterns.compile(r"(?<![\w.:])(\d{1,2})(?:[.:]?(\d{2}))?\s?([ap])\.?m\b\.?", re.IGNORECASE)  # 9am, 9.30pm, 930pm
#: "1030 GMT", as news wires write times
_ZONED = patterns.compile(r"(?<![\w.:,])([01]\d|2[0-3])([0-5]\d)(?=\s?(?:GMT|BST|UTC|CET|CEST|EST|EDT|ET|PST|PDT|PT)\b)")
_CLOCK24 = patterns.compile(r"(?<![\w.:,])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])")
# British "at 10.30": a time only after a word that introduces one, and not before a unit
_DOT_TIME = patterns.compile(
    r"\b(at|from|until|till|before|after) ([01]?\d|2[0-3])\.([0-5]\d)"
    r"(?![\d%]|\.\d|\s?(?:per|percent|pc|points?|times|m|bn|million|billion|pounds|dollars|euros)\b)"
)


def _minutes(mm: int) -> str:
    return f"oh {ONES[mm]}" if mm < 10 else cardinal(mm)


def times(text: str) -> str:
    def twelve(m: re.Match[str]) -> str:
        hour, mm, half = int(m.group(1)), m.group(2), m.group(3).lower()
        if not 1 <= hour <= 12 or (mm and int(mm) > 59):
            return m.group()
        words = cardinal(hour) + (f" {_minutes(int(mm))}" if mm and int(mm) else "")
        return f"{words} {half}.m."  # a sentence's full stop after "9am" is inside the match

    def twentyfour(m: re.Match[str]) -> str:
        hour, mm = int(m.group(m.lastindex - 1)), int(m.group(m.lastindex))
        lead = m.group(1) + " " if m.lastindex == 3 else ""
        if mm == 0:
            return lead + (f"{cardinal(hour)} o'clock" if 1 <= hour <= 12 else f"{cardinal(hour)} hundred")
        return f"{lead}{cardinal(hour)} {_minutes(mm)}"

    text = _CLOCK12.sub(twelve, text)
    return _DOT_TIME.sub(twentyfour, _CLOCK24.sub(twentyfour, _ZONED.sub(twentyfour, text)))


# --- 10. dates ---------------------------------------------------------------------------

_SUFFIX = r"(?:st|nd|rd|th)?"
_DMY = patterns.compile(
    rf"(?<![\w.,])(\d{{1,2}}){_SUFFIX}(?:\s?(?:-|–|to)\s?(\d{{1,2}}){_SUFFIX})?\s+(?:of\s+)?{_MONTH}"
    rf"(?:,?\s+(\d{{4}}))?(?![\w])"
)
_MDY = patterns.compile(rf"(?<![\w]){_MONTH}\s+(\d{{1,2}}){_SUFFIX}(?![\d,.]\d|\w)(?:(,?\s+)(\d{{4}})(?!\w))?")


def dates(text: str) -> str:
    def dmy(m: re.Match[str]) -> str:
        d1, d2, month, y = m.groups()
        if not 1 <= int(d1) <= 31 or (d2 and not 1 <= int(d2) <= 31):
            return m.group()
        prev, _ = _word_before(m.string, m.start())
        the = prev.lower() != "the"
        out = f"{'the ' if the else ''}{ordinal(int(d1))}"
        if d2:
            out += f" to the {ordinal(int(d2))}"
        out += f" of {MONTHS[_MONTH_NUMBER[month.rstrip('.')] - 1]}"
        return out + (f" {year(int(y))}" if y else "") + ("" if y else _final_dot(m))

    def mdy(m: re.Match[str]) -> str:
        month, day, sep, y = m.groups()
        if not 1 <= int(day) <= 31:
            return m.group()
        out = f"{MONTHS[_MONTH_NUMBER[month.rstrip('.')] - 1]} {ordinal(int(day))}"
        return out + (f"{sep}{year(int(y))}" if y else "")

    return _MDY.sub(mdy, _DMY.sub(dmy, text))


# --- 11. decades -------------------------------------------------------------------------

_DECADE = patterns.compile(r"(?<![\w'’])(?:'(\d)0s|(\d{2})?(\d)0s)(?![\w])")


def _decade_word(tens: int, bare: bool) -> str:
    if tens == 0:
        return "noughties" if bare else "hundreds"
    if tens == 1:
        return "tens"
    return TENS[tens][:-1] + "ies"


def decades(text: str) -> str:
    def say(m: re.Match[str]) -> str:
        short, century, tens = m.groups()
        if short is not None:
            return _decade_word(int(short), bare=True)
        t = int(tens)
        if century is None:
            return _decade_word(t, bare=True)
        if century == "20" and t == 0:
            return "two thousands"
        return f"{cardinal(int(century))} {_decade_word(t, bare=False)}"

    return _DECADE.sub(say, text)


# --- 12. ordinals ------------------------------------------------------------------------

_ORDINAL = patterns.compile(r"(?<![\w.,])(\d+)(st|nd|rd|th)(?![A-Za-z])")


def ordinals(text: str) -> str:
    return _ORDINAL.sub(lambda m: ordinal(int(m.group(1))), text)


# --- 13. numbers -------------------------------------------------------------------------

#: words after which a four-digit number is a year even before a plural: "in 2024 prices rose"
YEAR_CUES = frozenset(
    ("in since by from until till before after during circa c. early late mid year "
     "summer spring autumn winter").split()
) | {m.lower() for m in _MONTH_NUMBER}
#: words ending in s that are not plural nouns: "1995 was", "2012 has"
NOT_PLURAL = frozenset("was has is does this its his as us yes always perhaps unless across whereas series news thus plus".split())
#: plurals without an s that say a four-digit number counts something: "2024 people"
COUNTED_NOUNS = frozenset("people children men women staff police sheep fish cattle".split())
_LETTERS_DIGITS = patterns.compile(r"(?<![\w.])([A-Z]{1,4})(\d+)(?![\w])")
_BIG = patterns.compile(rf"(?<![\w.])({NUM})\s?(bn|tn)(?![A-Za-z])")
_MILLIONS = patterns.compile(rf"(?<![\w.])({NUM})m(?=\s+(?:[a-z]+s|people|children|men|women)\b)")
_NUMBER = patterns.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")


def _is_year(m: re.Match[str]) -> bool:
    """A four-digit number from 1000 to 2099 without a comma is a year, unless a
    plural noun follows it ("2024 people") and no cue word comes before it."""
    raw = m.group(1)
    if not re.fullmatch(r"1\d{3}|20\d{2}", raw):
        return False
    before = re.split(r"[\s\-–]+", m.string[: m.start()].rstrip(" -–"))[-1].lower().strip("(,\"'")
    if before in YEAR_CUES:
        return True
    nxt = re.match(r"\s+([a-z]+)\b", m.string[m.end():])
    if nxt is None:
        return True
    word = nxt.group(1)
    plural = word in COUNTED_NOUNS or (
        len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) and word not in NOT_PLURAL
    )
    return not plural


def numbers(text: str) -> str:
    text = _LETTERS_DIGITS.sub(r"\1-\2", text)  # "G7" -> "G-7": the letter stays a letter
    text = _BIG.sub(lambda m: f"{number_words(m.group(1))} {MULTIPLIERS[m.group(2)]}", text)
    text = _MILLIONS.sub(lambda m: f"{number_words(m.group(1))} million", text)

    def say(m: re.Match[str]) -> str:
        raw = m.group(1)
        if _is_year(m):
            words = year(int(raw))
        elif raw[0] == "0" and len(raw) > 1 and raw[1].isdigit():
            words = digit_words(raw)  # "007", "0800"
        else:
            words = number_words(raw)
        nxt = m.string[m.end():m.end() + 1]
        return words + (" " if nxt.isalpha() else "")

    return _NUMBER.sub(say, text)


# --- 14. Roman numerals -----------------------------------------------------------------

_ROMANS = {r: i for i, r in enumerate(
    "_ I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX".split()) if len(r) > 1 and r != "_"}
#: after these a numeral is a number ("World War Two"); after other names, a ruler's ("Henry the Eighth")
COUNTED = frozenset("War Part Phase Type Class Grade Stage Chapter Volume Act Book Apollo Schedule Category Tier Level".split())
_ROMAN = patterns.compile(r"\b([A-Z][a-z]+)\s+(" + "|".join(sorted(_ROMANS, key=len, reverse=True)) + r")(?![\w]|\.\w)")


def roman_numerals(text: str) -> str:
    def say(m: re.Match[str]) -> str:
        name, numeral = m.groups()
        n = _ROMANS[numeral]
        return f"{name} {cardinal(n).capitalize()}" if name in COUNTED else f"{name} the {ordinal(n).capitalize()}"

    return _ROMAN.sub(say, text)


# --- 15. acronyms -----------------------------------------------------------------------

_CAPS = patterns.compile(r"(?<![\w.'’&])([A-Z]{2,})(s|'s|’s)?(?![\w&]|\.[A-Za-z])")
_VOWELS = set("AEIOU")
_CONSONANTS = set("BCDFGHJKLMNPQRSTVWXYZ")
#: consonants that can open an English syllable: "STR" in STRIKE, not "DVL" in DVLA
ONSETS = _CONSONANTS | {""} | set(
    "BL BR CH CL CR DR DW FL FR GL GN GR KL KN KR PH PL PR PS SC SCH SCR SH SHR SK SL SM SN SP SPL SPR "
    "SQ ST STR SW TH THR TR TW WH WR".split()
)
_CODA_BASE = _CONSONANTS - {"Y"} | {""} | set(
    "CH CK CT FF FT GHT LB LD LF LK LL LM LN LP LT LTH MB MP MPT NCH ND NG NK NT NTH PH PT RB RC RD RF RG "
    "RK RL RM RN RP RT RTH SH SK SP SS ST TCH TH XT ZZ".split()
)
#: consonants that can close one, with a plural s: "LD" in HOLD, "DS" in AIDS, not "CD" in OECD
CODAS = _CODA_BASE | {c + "S" for c in _CODA_BASE if c}


#: function words: one of these in capitals means the capitals are a headline or a shout
SHOUTED = frozenset("THE AND OF TO IN IS ARE WAS FOR WITH FROM THIS THAT HAS HAVE WILL NOT BUT SAYS SAID".split())


def pronounceable(word: str) -> bool:
    """Whether an all-capitals word can be read as an English word: it has a
    vowel, no three vowels in a row, and its consonants open and close
    syllables the way English ones do (NATO, HOLD, UNESCO; not HMRC, DVLA, OECD)."""
    vowel = [c in _VOWELS or (c == "Y" and i > 0 and word[i + 1 : i + 2] not in _VOWELS) for i, c in enumerate(word)]
    runs = re.findall(r"V+|C+", "".join("V" if v else "C" for v in vowel))
    if not any(vowel) or any(len(r) > 2 for r in runs if r[0] == "V"):
        return False
    pos = 0
    for index, run in enumerate(runs):
        cluster, pos = word[pos : pos + len(run)], pos + len(run)
        if run[0] == "V":
            continue
        if index == 0:
            ok = cluster in ONSETS
        elif index == len(runs) - 1:
            ok = cluster in CODAS
        else:  # between vowels: the end of one syllable and the start of the next
            ok = any(cluster[:i] in CODAS and cluster[i:] in ONSETS for i in range(len(cluster) + 1))
        if not ok:
            return False
    return True


def spelled_by_default(word: str) -> bool:
    """Whether an all-capitals word is said letter by letter: with 2-3 letters
    always (BBC, UN, WHO), longer ones unless they are pronounceable (HMRC and
    UNHCR spelled; NATO, UNESCO and a shouted HOLD left as words)."""
    return len(word) <= 3 or not pronounceable(word)


def shouting(text: str) -> bool:
    """Capitals used for a headline or a shout ("THE PM HAS RESIGNED"): their words are words."""
    caps = [w for w in re.findall(r"[A-Za-z]{2,}", text) if w.isupper()]
    return len(caps) >= 2 and any(w in SHOUTED for w in caps)


def acronyms(text: str) -> str:
    if shouting(text):
        return text

    def say(m: re.Match[str]) -> str:
        word, plural = m.groups()
        if not spelled_by_default(word):
            return m.group()  # a word, in capitals: every engine reads it as one
        return letters(word) + (".'s" if plural else "")

    return _CAPS.sub(say, text)


# --- the whole thing ---------------------------------------------------------------------

#: steps 2-15, in order; each takes and returns text
STEPS: list[tuple[str, Callable[[str], str]]] = [
    ("addresses", addresses),
    ("lexicon", apply_lexicon),
    ("abbreviations", abbreviations),
    ("initials", initials),
    ("iso_dates", iso_dates),
    ("phone_numbers", phone_numbers),
    ("ranges", ranges),
    ("currency", currency),
    ("percentages", percentages),
    ("times", times),
    ("dates", dates),
    ("decades", decades),
    ("ordinals", ordinals),
    ("numbers", numbers),
    ("roman_numerals", roman_numerals),
    ("acronyms", acronyms),
]


def normalising() -> bool:
    """False when $AUDIOBOOK_NO_NORMALISE asks for the display text as it is."""
    return os.environ.get(NO_NORMALISE_ENV, "").strip().lower() not in {"1", "true", "yes", "on"}


def spoken(text: str) -> str:
    """The text as the engine should hear it."""
    text = punctuation(text)
    if normalising():
        for _, step in STEPS:
            text = step(text)
    return pauses(text)
