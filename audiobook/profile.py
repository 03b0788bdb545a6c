"""Voice profiles: voices/*.toml -> Profile -> resolved VoiceSettings.

A profile names a narrator and a pool of quote voices by portable criteria
(engine voice id, name pattern, language, gender, eSpeak variant) plus rate,
pitch and volume.  ``resolve`` matches the criteria against the voices the
engine on this machine offers; the file format is documented in
voices/default.toml.
"""
from __future__ import annotations

import fnmatch
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import ProfileError
from .models import VoiceSettings

log = logging.getLogger(__name__)

CANDIDATE_KEYS = {"id", "name", "language", "gender", "variant"}
VOICE_KEYS = {"candidates", "rate", "pitch", "volume"}
TOP_KEYS = {"rate", "pitch", "volume", "narrator", "quotes", "description", "show", "clean"}
SHOW_KEYS = {"opening", "article_opening"}
OPENING_FIELDS = {"show", "weekday", "day", "month", "year", "title"}
#: what an article's opening may name; a line naming one the article lacks is left out
ARTICLE_OPENING_FIELDS = {"title", "author", "date", "site", "show"}
CLEAN_KEYS = {"skip", "extra_patterns", "extra_cleaners"}
RATE_RANGE = (80, 500)
DEFAULT_RATE = 170


@dataclass(frozen=True)
class VoiceSpec:
    """A voice as the profile asks for it, before matching against the engine."""

    name: str
    """"narrator" or "quote-N"."""
    candidates: tuple[dict[str, str], ...]
    """Criteria tables, tried in order."""
    rate: int = DEFAULT_RATE
    """Words per minute."""
    pitch: int | None = None
    """0-100 on eSpeak's scale, None for the voice's own."""
    volume: float = 1.0
    """0.0-1.0."""


@dataclass(frozen=True)
class Profile:
    """A parsed voice profile."""

    path: str
    """Where it was read from, for error messages."""
    narrator: VoiceSpec
    """The voice that reads everything that is not a quote."""
    quotes: tuple[VoiceSpec, ...]
    """The pool quoted speakers are cast from, in order."""
    opening: str | None = None
    """What the narrator says to open a digest episode, with {show}, {weekday},
    {day}, {month}, {year} and {title} filled in; None for no opening."""
    article_opening: tuple[str, ...] = ()
    """Lines the narrator says before a single article's body (after its
    headline), with {title}, {author}, {date}, {site} and {show} filled in;
    a line naming a field the article lacks is left out.  Empty: none."""
    clean_skip: tuple[str, ...] = ()
    """Built-in cleaners switched off, by name ([clean] skip)."""
    clean_patterns: tuple[str, ...] = ()
    """Regular expressions: a line in which one is found is dropped ([clean] extra_patterns)."""
    clean_extra: tuple[str, ...] = ()
    """"module:function" cleaners run after the built-in line cleaners ([clean] extra_cleaners)."""

    def article_opening_text(self, *, title: str | None, author: str | None, date: str | None, site: str | None, show: str | None) -> str | None:
        """The opening of a one-article episode; None when the profile has none
        or every line names something the article lacks."""
        values = {"title": title, "author": author, "date": spoken_date(date) if date else None, "site": site, "show": show}
        said = []
        for line in self.article_opening:
            names = {name for _, name, _, _ in _formatter().parse(line) if name is not None}
            if all(values.get(name) for name in names):
                said.append(" ".join(line.format(**values).split()))
        return " ".join(s for s in said if s) or None

    def cleaners(self) -> list:
        """The cleaners to run on an article, as this profile's [clean] table asks."""
        from .clean import build_cleaners

        extra = [_import_cleaner(spec, self.path) for spec in self.clean_extra]
        return build_cleaners(self.clean_skip, self.clean_patterns, extra)

    def opening_text(self, show: str | None, title: str, day: date) -> str | None:
        """The opening line for ``show`` on ``day``; None without a show or an opening."""
        if not self.opening or not show:
            return None
        return self.opening.format(
            show=show, title=title, weekday=f"{day:%A}", day=day.day, month=f"{day:%B}", year=day.year
        )


def profile_dirs() -> list[Path]:
    """Where named profiles are looked for: the source tree, then the installed copy."""
    here = Path(__file__).resolve().parent
    return [here.parent / "voices", Path(sys.prefix) / "share" / "audiobook" / "voices"]


def find_profile(name_or_path: str | Path) -> Path:
    """A profile name ("default") or a path to a .toml file -> an existing path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ProfileError(f"voice profile {path}: no such file", "check the path given to --profile")
        return path
    for folder in profile_dirs():
        candidate = folder / f"{name_or_path}.toml"
        if candidate.is_file():
            return candidate
    names = sorted({p.stem for d in profile_dirs() if d.is_dir() for p in d.glob("*.toml")} - {"lexicon"})
    raise ProfileError(
        f"no voice profile named {name_or_path!r}",
        f"use one of: {', '.join(names) or 'none found'}, or give a path to a .toml file",
    )


def load_profile(name_or_path: str | Path = "default") -> Profile:
    """Read and validate a profile; errors name the file, the key and the line."""
    path = find_profile(name_or_path)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ProfileError(f"voice profile {path}: not UTF-8 text", "re-save it as UTF-8") from exc
    except OSError as exc:
        raise ProfileError(f"voice profile {path}: cannot be read ({exc.strerror or exc})", "check the file's permissions") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"voice profile {path}: {exc}", "fix the TOML syntax there") from exc
    return parse_profile(data, str(path), text)


def parse_profile(data: dict[str, Any], where: str = "<profile>", text: str = "") -> Profile:
    """Validate a profile's parsed TOML; every problem names the offending key."""
    _check_keys(data, TOP_KEYS, "", where, text)
    defaults = {k: data[k] for k in ("rate", "pitch", "volume") if k in data}
    if "narrator" not in data:
        raise ProfileError(f"voice profile {where}: no [narrator] table", "add one; see voices/default.toml")
    narrator = _voice_spec("narrator", data["narrator"], defaults, where, text)
    pool = data.get("quotes", [])
    if not isinstance(pool, list) or not pool:
        raise _fail(where, text, "quotes", "must be a list of [[quotes]] tables with at least one voice", "add [[quotes]] tables; see voices/default.toml")
    quotes = tuple(_voice_spec(f"quote-{i + 1}", q, defaults, where, text, key=f"quotes[{i}]") for i, q in enumerate(pool))
    show = data.get("show", {})
    return Profile(
        path=where, narrator=narrator, quotes=quotes, opening=_opening(show, where, text),
        article_opening=_article_opening(show, where, text), **_clean_table(data.get("clean", {}), where, text),
    )


def _opening(table: Any, where: str, text: str) -> str | None:
    if not isinstance(table, dict):
        raise _fail(where, text, "show", "must be a table", 'e.g. [show] opening = "This is {show}."')
    _check_keys(table, SHOW_KEYS, "show.", where, text)
    opening = table.get("opening")
    if opening is None:
        return None
    if not isinstance(opening, str):
        raise _fail(where, text, "show.opening", f"must be a string, not {opening!r}", 'e.g. opening = "This is {show}."')
    import string

    names = {name for _, name, _, _ in string.Formatter().parse(opening) if name is not None}
    unknown = names - OPENING_FIELDS
    if unknown:
        raise _fail(where, text, "show.opening", f"names unknown field(s) {', '.join(sorted(unknown))}", f"use {', '.join('{' + f + '}' for f in sorted(OPENING_FIELDS))}")
    return opening


def _formatter():
    import string

    return string.Formatter()


def spoken_date(value: str) -> str:
    """An ISO date as said aloud ("2026-03-03" -> "3 March 2026"); other text as it is."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def _article_opening(table: Any, where: str, text: str) -> tuple[str, ...]:
    value = table.get("article_opening") if isinstance(table, dict) else None
    if value is None:
        return ()
    lines = [value] if isinstance(value, str) else value
    example = 'e.g. article_opening = ["By {author}.", "Published {date}."]'
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise _fail(where, text, "show.article_opening", f"must be a string or a list of strings, not {value!r}", example)
    for line in lines:
        try:
            names = {name for _, name, _, _ in _formatter().parse(line) if name is not None}
        except ValueError as exc:  # an unmatched brace
            raise _fail(where, text, "show.article_opening", f"is not a template: {exc} in {line!r}", "write fields as {author}; double a brace to say it") from exc
        unknown = names - ARTICLE_OPENING_FIELDS
        if unknown:
            raise _fail(
                where, text, "show.article_opening", f"names unknown field(s) {', '.join(sorted(unknown))}",
                f"use {', '.join('{' + f + '}' for f in sorted(ARTICLE_OPENING_FIELDS))}",
            )
    return tuple(lines)


def _clean_table(table: Any, where: str, text: str) -> dict[str, tuple[str, ...]]:
    """The [clean] table: cleaners to skip, extra line patterns, extra cleaner functions."""
    if not isinstance(table, dict):
        raise _fail(where, text, "clean", "must be a table", 'e.g. [clean] skip = ["drop_repeated_pull_quotes"]')
    _check_keys(table, CLEAN_KEYS, "clean.", where, text)
    found: dict[str, tuple[str, ...]] = {}
    for key, field, example in (
        ("skip", "clean_skip", 'skip = ["drop_repeated_pull_quotes"]'),
        ("extra_patterns", "clean_patterns", 'extra_patterns = ["^Read more:"]'),
        ("extra_cleaners", "clean_extra", 'extra_cleaners = ["mycleaners:drop_weather"]'),
    ):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise _fail(where, text, f"clean.{key}", f"must be a list of non-empty strings, not {value!r}", f"e.g. {example}")
        found[field] = tuple(value)
    from .clean import CLEANER_NAMES

    unknown = [name for name in found["clean_skip"] if name not in CLEANER_NAMES]
    if unknown:
        raise _fail(where, text, "clean.skip", f"names unknown cleaner(s) {', '.join(unknown)}", f"known cleaners: {', '.join(CLEANER_NAMES)}")
    for pattern in found["clean_patterns"]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(where, text, "clean.extra_patterns", f"has a bad regular expression {pattern!r}: {exc}", "fix it (Python re syntax; escape a literal . ( [ with a backslash)") from exc
    for spec in found["clean_extra"]:
        try:
            _import_cleaner(spec, where)
        except ProfileError as exc:
            raise _fail(where, text, "clean.extra_cleaners", exc.message, exc.hint or "") from exc
    return found


def _import_cleaner(spec: str, where: str):
    """The function "package.module:function" names; a module beside the profile file is found too."""
    import importlib

    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ProfileError(f"names {spec!r}, not module:function", 'e.g. "mycleaners:drop_weather"')
    folder = str(Path(where).resolve().parent) if where and Path(where).is_file() else None
    if folder and folder not in sys.path:
        sys.path.append(folder)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or the module's own error
        raise ProfileError(f"cannot import {module_name!r} for {spec!r} ({type(exc).__name__}: {exc})", "check the module is importable, or put it beside the profile") from exc
    function = getattr(module, attr, None)
    if not callable(function):
        raise ProfileError(f"{spec!r}: {module_name} has no function {attr!r}", "name a function that takes the article's text and returns it cleaned")
    return _guarded(function, spec)


def _guarded(function, spec: str):
    """``function`` as a cleaner whose failures name it."""

    def cleaner(text: str) -> str:
        try:
            result = function(text)
        except Exception as exc:
            raise ProfileError(f"cleaner {spec} failed: {type(exc).__name__}: {exc}", "fix it, or remove it from [clean] extra_cleaners in the profile") from exc
        if not isinstance(result, str):
            raise ProfileError(f"cleaner {spec} returned {type(result).__name__}, not the text", "make it return the cleaned text (a str)")
        return result

    cleaner.__name__ = spec
    return cleaner


_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w.-]+)\s*\]")
_KEY_PART = re.compile(r"([\w-]+)(?:\[(\d+)\])?")


def _line_of(text: str, key: str) -> str:
    """' (line N)' for the line that defines ``key`` ("quotes[1].rate",
    "narrator.candidates[0].idd", "colour"), to point at the problem.

    Reads the text's table headers, so that the rate of the second
    ``[[quotes]]`` is not found on the narrator's line; a value the table
    inherits from the top of the file is found there.
    """
    parts = [(name, int(index or 0)) for name, index in _KEY_PART.findall(key)]
    if not parts:
        return ""
    if len(parts) == 1:
        table, leaf, inner = None, parts[0][0], None
    else:
        table, leaf, inner = parts[0], parts[1][0], (parts[2][0] if len(parts) > 2 else None)
    lines = text.splitlines()
    current: tuple[str, int] | None = None
    seen: dict[str, int] = {}
    header_line = top_line = None
    leaf_at = None
    for number, line in enumerate(lines, 1):
        header = _HEADER.match(line)
        if header:
            name = header.group(2)
            if header.group(1) == "[[":
                current = (name, seen.get(name, 0))
                seen[name] = seen.get(name, 0) + 1
            else:
                current = (name, 0)
            if table is None and name == leaf and header_line is None:
                header_line = number  # the key is a table: its header
            if current == table and header_line is None:
                header_line = number
            continue
        if current is None and top_line is None and re.match(rf"\s*{re.escape(leaf)}\s*=", line):
            top_line = number
        if current != table or table is None:
            continue
        if leaf_at is None and re.match(rf"\s*{re.escape(leaf)}\s*=", line):
            leaf_at = number
            if inner is None:
                return f" (line {number})"
        if leaf_at is not None and inner is not None and re.search(rf"(?:^|[{{,\s]){re.escape(inner)}\s*=", line):
            return f" (line {number})"
    found = leaf_at or (top_line if table is None or leaf in ("rate", "pitch", "volume") else None) or header_line
    if found:
        return f" (line {found})"
    return _line_of_loosely(text, key)


def _line_of_loosely(text: str, key: str) -> str:
    """The first line that mentions the key's last part (dotted keys, inline tables)."""
    leaf = key.rsplit(".", 1)[-1].split("[")[0]
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*(\[+\s*)?([\w.-]+\.)?{re.escape(leaf)}\b", line) or re.search(rf"[{{,]\s*{re.escape(leaf)}\s*=", line):
            return f" (line {number})"
    return ""


def _fail(where: str, text: str, key: str, problem: str, hint: str) -> ProfileError:
    return ProfileError(f"voice profile {where}: {key}{_line_of(text, key)} {problem}", hint)


def _check_keys(table: dict[str, Any], allowed: set[str], prefix: str, where: str, text: str) -> None:
    for key in table:
        if key not in allowed:
            raise _fail(where, text, prefix + key, "is not a known setting", f"use one of: {', '.join(sorted(allowed))}")


def _voice_spec(name: str, table: Any, defaults: dict[str, Any], where: str, text: str, key: str | None = None) -> VoiceSpec:
    key = key or name
    if not isinstance(table, dict):
        raise _fail(where, text, key, "must be a table", "see voices/default.toml")
    _check_keys(table, VOICE_KEYS, f"{key}.", where, text)
    values = {**defaults, **table}

    def named(setting: str) -> str:  # a value inherited from the top of the file is named there
        return f"{key}.{setting}" if setting in table else setting

    rate = values.get("rate", DEFAULT_RATE)
    if isinstance(rate, bool) or not isinstance(rate, int) or not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
        raise _fail(where, text, named("rate"), f"must be a whole number of words per minute from {RATE_RANGE[0]} to {RATE_RANGE[1]}, not {rate!r}", "e.g. rate = 170")
    pitch = values.get("pitch")
    if pitch is not None and (isinstance(pitch, bool) or not isinstance(pitch, int) or not 0 <= pitch <= 100):
        raise _fail(where, text, named("pitch"), f"must be a whole number from 0 to 100, not {pitch!r}", "50 is the voice's own pitch")
    volume = values.get("volume", 1.0)
    if isinstance(volume, bool) or not isinstance(volume, (int, float)) or not 0 <= volume <= 1:
        raise _fail(where, text, named("volume"), f"must be a number from 0.0 to 1.0, not {volume!r}", "e.g. volume = 1.0")
    candidates = table.get("candidates")
    if not isinstance(candidates, list) or not candidates:
        raise _fail(where, text, f"{key}.candidates", "must be a non-empty list of tables", 'e.g. candidates = [{ language = "en" }]')
    for i, cand in enumerate(candidates):
        ckey = f"{key}.candidates[{i}]"
        if not isinstance(cand, dict) or not cand:
            raise _fail(where, text, ckey, "must be a table such as { id = \"gmw/en-us\" }", "see voices/default.toml")
        _check_keys(cand, CANDIDATE_KEYS, f"{ckey}.", where, text)
        for k, v in cand.items():
            if not isinstance(v, str) or not v.strip():
                raise _fail(where, text, f"{ckey}.{k}", f"must be a non-empty string, not {v!r}", "quote the value")
    return VoiceSpec(name=name, candidates=tuple(candidates), rate=rate, pitch=pitch, volume=float(volume))


# --- matching against the engine ---------------------------------------------------


def _norm_lang(tag: str) -> str:
    return tag.strip().lower().replace("_", "-")


def _matches(cand: dict[str, str], voice: Any, variants: Sequence[str]) -> bool:
    if "id" in cand:
        want = cand["id"].lower()
        have = voice.id.lower()
        if want != have and want != have.rsplit("/", 1)[-1]:
            return False
    if "name" in cand and not fnmatch.fnmatch(voice.name.lower(), cand["name"].lower()):
        return False
    if "language" in cand:
        want = _norm_lang(cand["language"])
        langs = [_norm_lang(x) for x in voice.languages]
        if not any(lang == want or lang.startswith(want + "-") for lang in langs):
            return False
    if "gender" in cand and (voice.gender or "").lower() != cand["gender"].lower():
        return False
    if "variant" in cand and variants and cand["variant"] not in variants:
        return False
    return True


def _describe(cand: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in cand.items())


#: same engine voice at pitches closer than this (about 2.5 semitones) sounds the same
MIN_PITCH_GAP = 15


def indistinct(a: VoiceSettings, b: VoiceSettings) -> bool:
    """True when a listener could not tell the two voices apart."""
    if a.engine_voice != b.engine_voice:
        return False
    if a.pitch is None or b.pitch is None:
        return a.pitch == b.pitch
    return abs(a.pitch - b.pitch) < MIN_PITCH_GAP


def resolve_voice(spec: VoiceSpec, voices: Sequence[Any], variants: Sequence[str], avoid: VoiceSettings | None = None) -> VoiceSettings | None:
    """The first candidate of ``spec`` this engine has, as VoiceSettings (None if none).

    Candidates that would sound like ``avoid`` (the narrator) are skipped.
    """
    for cand in spec.candidates:
        for voice in voices:
            if not _matches(cand, voice, variants):
                continue
            variant = cand.get("variant") if variants else None
            settings = VoiceSettings(
                name=spec.name,
                voice_id=voice.id,
                variant=variant,
                rate=spec.rate,
                pitch=spec.pitch if variants else None,
                volume=spec.volume,
                label=voice.name + (f" +{variant}" if variant else ""),
            )
            if avoid is None or not indistinct(settings, avoid):
                return settings
    return None


def resolve(profile: Profile, voices: Sequence[Any], variants: Sequence[str] = ()) -> dict[str, VoiceSettings]:
    """Match every voice of the profile against the engine's; narrator first, then the pool.

    A quote voice that would sound like the narrator is left out of the pool
    (a listener could not tell them apart); an empty pool is an error.
    """
    narrator = resolve_voice(profile.narrator, voices, variants)
    if narrator is None:
        raise _no_voice(profile, profile.narrator, voices)
    out = {"narrator": narrator}
    left_out = []
    for spec in profile.quotes:
        found = resolve_voice(spec, voices, variants, avoid=narrator)
        if found is None:
            left_out.append(spec.name)
            continue
        out[spec.name] = found
    if len(out) == 1:
        raise _no_voice(profile, profile.quotes[0], voices)  # the error says it all: no warning before it
    for name in left_out:
        log.warning("profile %s: no voice for %s distinct from the narrator here; left out", profile.path, name)
    return out


def _no_voice(profile: Profile, spec: VoiceSpec, voices: Sequence[Any]) -> ProfileError:
    asked = "; ".join(_describe(c) for c in spec.candidates)
    langs = {_norm_lang(c["language"]).split("-")[0] for c in spec.candidates if "language" in c}
    shown = [v for v in voices if any(_norm_lang(x).split("-")[0] in langs for x in v.languages)] or list(voices)
    listing = ", ".join(f"{v.id} ({v.name})" for v in shown) or "none"
    return ProfileError(
        f"voice profile {profile.path}: no voice on this machine matches {spec.name} (asked for: {asked}); available: {listing}",
        "change the candidates to one of the available voices (audiobook voices lists them)",
    )
