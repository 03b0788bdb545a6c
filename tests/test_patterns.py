"""patterns.py: compiled regular expressions kept between runs, never different from re's."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

from audiobook import patterns
from audiobook.speakers import AFTER_SUBJECT_VERB

SAMPLES = ["said Mary Smith, 41,", ', the harbour master, Ann Lee, said', "Hello", "", "x" * 50, "Émile Zola said"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache of this process's own, in tmp_path."""
    monkeypatch.setattr(patterns, "_objects", {})
    monkeypatch.setattr(patterns, "_programs", None)
    monkeypatch.setattr(patterns, "_new", False)
    monkeypatch.setattr(patterns, "_path", lambda: tmp_path / "regex.marshal")
    return tmp_path / "regex.marshal"


def _same(a: re.Pattern, b: re.Pattern) -> None:
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (b.pattern, b.flags, b.groups, b.groupindex)
    for text in SAMPLES:
        for method in ("match", "search", "fullmatch"):
            x, y = getattr(a, method)(text), getattr(b, method)(text)
            assert (x and (x.span(), x.groups(), x.groupdict())) == (y and (y.span(), y.groups(), y.groupdict()))


@pytest.mark.parametrize("pattern, flags", [
    (AFTER_SUBJECT_VERB.pattern, 0),
    (r"(?P<first>\w+)\s+(?P<second>\w+)?", re.I),
    (r"(?i:the|an?)\s+[a-z]+", 0),
    (r"é|ü+|[^\W\d_]{2,}", re.UNICODE),
])
def test_a_pattern_compiled_or_loaded_is_the_one_re_makes(cache, pattern, flags):
    first = patterns.compile(pattern, flags)
    _same(first, re.compile(pattern, flags))
    assert patterns.compile(pattern, flags) is first  # once per process
    patterns.save()
    assert cache.is_file()
    # a later run: the program comes from the file, re's parser is not needed
    patterns._objects.clear()
    patterns._programs = None
    real = re._parser.parse
    re._parser.parse = None
    try:
        loaded = patterns.compile(pattern, flags)
    finally:
        re._parser.parse = real
    assert loaded is not first
    _same(loaded, re.compile(pattern, flags))


def test_a_bad_pattern_fails_as_in_re(cache):
    with pytest.raises(re.error):
        patterns.compile(r"(unclosed")


def test_a_damaged_or_foreign_cache_is_ignored_and_replaced(cache):
    cache.write_bytes(b"\x00 not marshal data")
    _same(patterns.compile(r"said|says"), re.compile(r"said|says"))
    patterns.save()
    patterns._objects.clear()
    patterns._programs = None
    assert (r"said|says", 0) in patterns._load()
    # a program this engine does not take (another Python's, say) is not used
    patterns._objects.clear()
    patterns._programs[(r"said|says", 0)] = (0, [1, 2, 3], 0, {}, ())
    _same(patterns.compile(r"said|says"), re.compile(r"said|says"))


def test_the_program_keeps_its_patterns_for_the_next_run(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = textwrap.dedent("""
        import sys
        import audiobook.cli as cli
        sys.argv = ["audiobook", "script", sys.argv[1]]
        cli.run()
    """)
    article = tmp_path / "a.txt"
    article.write_text('Storm hits coast\n\n"We are ready," said Ann Lee, the harbour master.\n', encoding="utf-8")
    first = subprocess.run([sys.executable, "-c", code, str(article)], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    saved = list(tmp_path.glob("audiobook/regex-*.marshal"))
    assert len(saved) == 1 and saved[0].stat().st_size > 10_000
    again = subprocess.run([sys.executable, "-c", code, str(article)], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout == first.stdout


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(cache, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setattr(patterns, "_path", lambda: blocker / "regex.marshal")
    compiled = patterns.compile(r"(?P<word>\w+) said")
    patterns.save()  # no error: the next run compiles again
    assert compiled.match("Ann said").group("word") == "Ann"
    assert blocker.read_text() == "a file where the cache folder would go"


def test_the_file_keeps_only_this_runs_patterns_once_it_grows_large(cache, monkeypatch):
    monkeypatch.setattr(patterns, "_MAX_PROGRAMS", 3)
    for word in ("one", "two", "three"):
        patterns.compile(word)
    patterns.save()
    patterns._objects.clear()
    patterns._programs = None
    patterns.compile("four")  # a fourth, in a later run (an edited lexicon, say)
    patterns.compile("two")
    patterns.save()
    patterns._programs = None
    assert sorted(p for p, _ in patterns._load()) == ["four", "two"]
