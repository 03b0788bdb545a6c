"""Bad input (issue 6, item 1), through the real command line.

Every case gets one clear line on stderr -- ``audiobook: error: <what is wrong,
where> (<how to fix it>)`` -- exit code 2 for usage and input errors, 1 for
other failures, no traceback, and nothing half-written in the output folder.
Input that only looks odd (only quotes, no quotes, an unclosed quote, emoji,
control characters, a legacy encoding, HTML full of scripts) must build.

Cases covered elsewhere, not repeated here:
  * a missing single article to ``build``: tests/test_cli.py::test_missing_input_is_exit_2_with_one_line
  * ``-o x.mp3`` that is a folder: tests/test_cli.py::test_output_path_that_is_a_folder
  * an unknown voice id to ``script``: tests/test_cli.py::test_unknown_voice_in_profile_is_exit_2_and_lists_voices
  * two folders' news.txt / news.md in one batch: tests/test_batch.py::test_same_output_name_is_rejected_before_any_work
  * each profile key's check, at the library level: tests/test_profile_cast.py
  * the decoding and cleaning rules one by one: tests/test_load_clean.py
"""
from __future__ import annotations

import errno
import json
import logging
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.mp3 import MP3

from audiobook.cli import main

ARTICLE = """Night market returns to Corran Square

By Ilse Marten

Stalls selling lanterns and hot chestnuts filled Corran Square on Saturday for the first night market in three years.

"We sold out of chestnuts by nine," said stallholder Petra Quill. "People had missed this."

The council plans to hold the market every month until spring.
"""


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("clip-cache")


@pytest.fixture(autouse=True)
def _environment(shared_cache, monkeypatch):
    # one clip cache for the module (repeated sentences are synthesised once),
    # none of the user's, and the ffmpeg the machine has
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(shared_cache))
    monkeypatch.delenv("AUDIOBOOK_CACHE_MAX", raising=False)
    monkeypatch.delenv("AUDIOBOOK_FFMPEG", raising=False)


@pytest.fixture(autouse=True)
def _logging_as_in_a_fresh_process(monkeypatch):
    """Under pytest the root logger already has a handler, so the CLI's
    basicConfig would do nothing and warnings would never reach stderr: do
    what it does in a fresh process, so that a warning printed before an
    error line is seen (and counted) here too."""

    def basic_config(level=logging.WARNING, format=None, **_):
        handler = logging.StreamHandler(sys.stderr)  # the runner's stderr, during invoke
        handler.setFormatter(logging.Formatter(format))
        handler.setLevel(level)
        logging.getLogger().addHandler(handler)

    monkeypatch.setattr(logging, "basicConfig", basic_config)


# --- helpers -------------------------------------------------------------------------


def invoke(*args, input=None):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        return CliRunner().invoke(main, [str(a) for a in args], input=input)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)


def run(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    """The CLI in its own process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout
    )


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def code_of(res) -> int:
    return res.returncode if isinstance(res, subprocess.CompletedProcess) else res.exit_code


def error_line(res, code: int) -> str:
    """The one line of stderr, after checking the exit code and that it is all there is."""
    err, out = res.stderr, res.stdout
    assert code_of(res) == code, (code_of(res), err, out)
    assert "Traceback" not in err + out
    if not isinstance(res, subprocess.CompletedProcess):
        assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("audiobook: error: "), lines[0]
    assert lines[0].endswith(")"), "the line ends with a hint in brackets: " + lines[0]
    return lines[0]


def built(res) -> None:
    """Exit 0 and no error, for input that is odd but fine."""
    err = res.stderr
    assert code_of(res) == 0, err + res.stdout
    assert "Traceback" not in err and "error" not in err.lower(), err


def assert_nothing_half_written(folder: Path) -> None:
    """No temporary or partial file; every episode complete (MP3 + its JSON, readable)."""
    if not folder.exists():
        return
    files = [p for p in folder.rglob("*") if p.is_file()]
    leftovers = [p.name for p in files if p.name.startswith(".") or ".part" in p.name or p.suffix in (".tmp", ".part")]
    assert not leftovers, leftovers
    for mp3 in folder.rglob("*.mp3"):
        if mp3.is_file():
            assert mp3.with_suffix(".json").is_file(), mp3
            json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
            assert MP3(mp3).info.length > 0
    for js in folder.rglob("*.json"):
        if not js.name.endswith(".chapters.json"):
            assert js.with_suffix(".mp3").is_file(), js


def episode_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def script_json(res) -> dict:
    built(res)
    return json.loads(res.stdout)


def words_of(script: dict) -> list[str]:
    return " ".join(s["open"] + s["text"] + s["close"] if "open" in s else s["text"] for s in script["segments"]).split()


# --- an empty or whitespace-only file ---------------------------------------------


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "the article is empty"),
        (b"   \n\n\t  \n \n", "the article is empty"),
        ("\ufeff \u00a0\u2003\n".encode("utf-8"), "the article is empty"),  # a BOM and Unicode spaces
        (b"\x07\x1b[0m\n\x0c\n", "the article is empty"),  # only control characters
        (b"Advertisement\n\nShare this article\n\nFollow us on Twitter\n", "nothing is left to read"),
    ],
    ids=["empty", "whitespace", "unicode-spaces", "controls-only", "boilerplate-only"],
)
def test_an_empty_article_is_one_line_exit_2(tmp_path, content, problem):
    article = write(tmp_path / "blank.txt", content)
    line = error_line(invoke("script", article), 2)
    assert problem in line and str(article) in line


def test_an_empty_article_given_to_build_writes_nothing(tmp_path):
    article = write(tmp_path / "blank.txt", b"  \n\n")
    line = error_line(invoke("build", article, "-o", tmp_path / "out"), 2)
    assert "empty" in line
    assert episode_files(tmp_path / "out") == []


def test_empty_stdin_is_one_line_exit_2():
    line = error_line(invoke("script", "-", input=""), 2)
    assert "-: the article is empty" in line


# --- only quotes, no quotes ------------------------------------------------------------

ONLY_QUOTES = """"The lanterns were the best part."

"My children stayed until the very end."

"I hope they keep it going all winter."
"""

NO_QUOTES = """Harbour lights switched on

The harbour lights were switched on at dusk on Friday.

Engineers had replaced every bulb with a lamp that uses a tenth of the power.
"""


@pytest.mark.parametrize("text, kinds", [(ONLY_QUOTES, {"quote"}), (NO_QUOTES, {"narration"})], ids=["only-quotes", "no-quotes"])
def test_an_article_of_only_quotes_or_of_no_quotes_builds(tmp_path, text, kinds):
    article = write(tmp_path / "odd.txt", text)
    out = tmp_path / "out"
    built(invoke("build", article, "-o", out))
    script = json.loads((out / "odd.json").read_text(encoding="utf-8"))
    assert {s["kind"] for s in script["segments"] if s["text"].strip()} == kinds
    assert MP3(out / "odd.mp3").info.length > 2
    assert_nothing_half_written(out)


# --- non-UTF-8 text and binary files -------------------------------------------------

CP1252 = "Café terrace reopens\n\n“We waited all winter for this,” said Renée Dufresne, who owns the café. The crêpes sold out — twice.\n"


def test_a_cp1252_article_builds_with_a_warning_naming_the_encoding(tmp_path):
    article = write(tmp_path / "cafe.txt", CP1252.encode("cp1252"))
    out = tmp_path / "out"
    res = run("build", article, "-o", out)
    built(res)
    assert "read as cp1252" in res.stderr
    script = json.loads((out / "cafe.json").read_text(encoding="utf-8"))
    assert script["title"] == "Café terrace reopens"
    assert "Renée Dufresne" in {s["speaker"] for s in script["segments"]}
    assert_nothing_half_written(out)


@pytest.mark.parametrize(
    "data, expected, warning",
    [
        ("The mayor said “the tower clock is back” at noon.".encode("utf-16"), "“the tower clock is back”", None),
        ("The mayor said “the tower clock is back” at noon.".encode("utf-32"), "“the tower clock is back”", None),
        ("Ticket prices rose to 5 € on Monday. ".encode("utf-8") + b"Caf\xe9 owners shrugged.", "Café owners", "stray bytes read as cp1252"),
        ("Das Rathaus öffnet um neun Uhr. Die Bürger freuen sich über den neuen Saal.".encode("cp1252"), "Bürger freuen sich über", "read as cp1252"),
        (b"The council met on Monday.\x00 It agreed the budget.\n", "Monday. It agreed", None),  # a stray NUL
    ],
    ids=["utf16", "utf32", "utf8-with-a-stray-cp1252-byte", "cp1252-german", "utf8-with-a-nul"],
)
def test_text_in_other_encodings_is_read(tmp_path, data, expected, warning):
    article = write(tmp_path / "legacy.txt", data)
    res = invoke("script", article, "--json")
    assert expected in " ".join(words_of(script_json(res)))
    if warning:  # a guess is said, once, with what to do if it is wrong
        lines = res.stderr.splitlines()
        assert len(lines) == 1 and warning in lines[0] and "re-save it as UTF-8" in lines[0], lines
    else:
        assert res.stderr == ""


def _noise(size: int) -> bytes:
    rng = random.Random(6)
    return bytes(rng.randrange(1, 256) for _ in range(size))  # no NUL byte: only the decoding can tell


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x05x",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + bytes(range(256)) * 4,
        b"\x7fELF\x02\x01\x01" + _noise(3000),
        _noise(4000),
        bytes(range(1, 32)) * 50,
    ],
    ids=["png", "zip", "elf", "noise-without-nul", "control-characters"],
)
def test_a_binary_file_is_one_line_exit_2(tmp_path, data):
    article = write(tmp_path / "photo.txt", data)
    out = tmp_path / "out"
    line = error_line(invoke("build", article, "-o", out), 2)
    assert "binary" in line and str(article) in line
    assert "give a text, Markdown or HTML article" in line
    assert episode_files(out) == []


# --- a 5 MB article on one line ----------------------------------------------------------


def _one_line_article(size: int) -> str:
    rng = random.Random(5)
    people = ["Petra Quill", "Ilse Marten", "Owen Farris", "the harbour master", "a council spokesperson"]
    pieces = [
        "Stalls filled the square again on Saturday night. ",
        "Traders said the cold kept few people away. ",
        "Mr. Farris, who sells lanterns, arrived at 4 p.m. to set up. ",
        '"We sold out by nine and could have sold twice as much," said {who}. ',
        '{who} said: "The square has not been this busy in years." ',
        'The council called the night "a clear success" in a statement. ',
        "“It’s the best night of the year,” {who} added. “Everyone comes.” ",
    ]
    out, length = [], 0
    while length < size:
        piece = rng.choice(pieces).format(who=rng.choice(people))
        out.append(piece)
        length += len(piece.encode("utf-8"))
    return "".join(out).rstrip() + "\n"


def test_a_5_mb_article_on_one_line_finishes_its_text_stages(tmp_path):
    text = _one_line_article(5 * 1024 * 1024)
    article = write(tmp_path / "huge.txt", text)
    assert article.stat().st_size >= 5 * 1024 * 1024 and text.count("\n") == 1
    started = time.perf_counter()
    res = run("script", article, "--json", timeout=300)  # a hang guard, not a speed test
    elapsed = time.perf_counter() - started
    print(f"text stages of a {article.stat().st_size / 2**20:.1f} MB one-line article: {elapsed:.1f} s")
    script = script_json(res)
    quotes = [s for s in script["segments"] if s["kind"] == "quote"]
    assert len(quotes) > 10_000 and any(s["speaker"] for s in quotes)
    # every word read, in order (the marks of quotes aside: a cut quote is re-opened)
    strip = str.maketrans("", "", "\"“”")
    assert [w.translate(strip) for w in words_of(script) if w.translate(strip)] == [
        w.translate(strip) for w in text.split() if w.translate(strip)
    ]


# --- HTML full of scripts and styles -------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head>
<title>Lantern parade | The Corran Courier</title>
<style>body { color: #222; } p.lead::before { content: "Breaking"; }</style>
<script>window.dataLayer = []; function track(e) { document.write("<p>tracked</p>"); }</script>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Lantern parade"}</script>
<!-- <p>commented-out paragraph</p> -->
</head><body onload="track('load')">
<nav><p>Home | News | Sport</p></nav>
<noscript><p>Please enable JavaScript.</p></noscript>
<h1>Lantern parade lights up the old town</h1>
<style>.ad { display: none }</style>
<p>Hundreds of lanterns crossed the old town on Sunday.<script>var x = "<p>not this</p>";</script></p>
<template><p>a hidden template</p></template>
<p>&ldquo;It looked like a river of light,&rdquo; said Owen Farris.<style>p { margin: 0 }</style></p>
<aside><p>Advertisement: buy lanterns now</p></aside>
<script src="tracker.js"></script>
<footer><p>Copyright the Courier</p></footer>
<script>var unfinished = "this script is never closed
"""


@pytest.mark.parametrize("name", ["parade.html", "parade.txt"])
def test_html_full_of_scripts_and_styles_reads_only_the_article(tmp_path, name):
    article = write(tmp_path / name, PAGE)
    script = script_json(invoke("script", article, "--json"))
    said = " ".join(words_of(script))
    assert script["title"] == "Lantern parade lights up the old town"
    assert "Hundreds of lanterns crossed the old town on Sunday." in said
    assert "said Owen Farris." in said
    for junk in ("dataLayer", "color", "display", "tracked", "not this", "NewsArticle", "JavaScript", "template",
                 "commented", "Advertisement", "Copyright", "Home", "unfinished", "{", "<"):
        assert junk not in said, junk


def test_html_of_only_scripts_and_styles_is_an_empty_article(tmp_path):
    page = "<html><head><style>p { color: red }</style></head><body><script>document.write('<p>hi</p>')</script></body></html>"
    article = write(tmp_path / "bare.html", page)
    line = error_line(invoke("script", article), 2)
    assert "the article is empty" in line and "bare.html" in line


def test_html_full_of_scripts_builds(tmp_path):
    article = write(tmp_path / "parade.html", PAGE)
    out = tmp_path / "out"
    built(invoke("build", article, "-o", out))
    assert (out / "parade.mp3").is_file()
    assert_nothing_half_written(out)


# --- a quote mark never closed -----------------------------------------------------------

UNCLOSED = [
    # the last quote runs to the end of the article
    'Ferry back on time\n\nThe morning ferry docked at eight.\n\n"We finally have a timetable that works, said the captain.\n',
    # a quote opens mid-article and the next paragraphs never re-open it
    "Ferry back on time\n\nThe captain said: “We finally have a timetable that works.\n\nPassengers were pleased.\n\nThe next sailing is at noon.\n",
    # a closing mark with nothing open, and a lone single mark
    "Ferry back on time\n\nThe ferry” docked at eight. The crew's 'long night was over.\n",
]


@pytest.mark.parametrize("text", UNCLOSED, ids=["at-the-end", "mid-article", "stray-marks"])
def test_an_unclosed_quote_keeps_every_word(tmp_path, text):
    article = write(tmp_path / "ferry.txt", text)
    script = script_json(invoke("script", article, "--json"))
    assert words_of(script) == text.split()


def test_an_unclosed_quote_builds(tmp_path):
    article = write(tmp_path / "ferry.txt", UNCLOSED[1])
    out = tmp_path / "out"
    built(invoke("build", article, "-o", out))
    assert_nothing_half_written(out)
    assert (out / "ferry.mp3").is_file()


# --- control characters and emoji ----------------------------------------------------------

CONTROLS_AND_EMOJI = (
    "Bell tower rings again \U0001f514\n\n"
    "The bell\x07 rang at\x0cnoon on Sunday \U0001f389\U0001f44d\U0001f3fd.\x00 Families \U0001f468\u200d\U0001f469\u200d\U0001f467 came"
    " from\x1b[1;31m every\x1b[0m village.\r\n\r\n"
    "\U0001f389\U0001f389\U0001f389\n\n"
    "\u201c\U0001f600\u201d she said.\x1f The end\u2028came late.\n"
)


def test_control_characters_go_emoji_do_not_break_the_build(tmp_path):
    article = write(tmp_path / "bell.txt", CONTROLS_AND_EMOJI)
    script = script_json(invoke("script", article, "--json"))
    text = " ".join(s["text"] for s in script["segments"]) + script["title"]
    assert not [c for c in text if ord(c) < 32 or 0x7F <= ord(c) < 0xA0]
    said = " ".join(words_of(script))
    for words in ("rang at noon on Sunday", "from every village", "said. The end came late."):
        assert words in said, said  # the words around a control character stay apart, none lost
    out = tmp_path / "out"
    built(invoke("build", article, "-o", out))
    assert MP3(out / "bell.mp3").info.length > 3
    assert_nothing_half_written(out)


# --- an unknown voice; a malformed or wrongly typed voice profile ----------------------------

VOICES = '[narrator]\ncandidates = [{ id = "gmw/en" }]\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n'


def test_an_unknown_voice_stops_a_build_before_any_work(tmp_path):
    profile = write(tmp_path / "mine.toml", '[narrator]\ncandidates = [{ id = "gmw/en" }]\n[[quotes]]\ncandidates = [{ name = "Nobody*" }, { id = "xx/none" }]\n')
    article = write(tmp_path / "market.txt", ARTICLE)
    out = tmp_path / "out"
    line = error_line(invoke("build", article, "-o", out, "--profile", profile), 2)
    assert "no voice on this machine matches quote-1" in line and "xx/none" in line and str(profile) in line
    assert "available: " in line and "gmw/en-us" in line  # what there is to choose from
    assert "audiobook voices lists them" in line
    assert episode_files(out) == []


def test_an_unknown_profile_name_lists_the_known_ones(tmp_path):
    article = write(tmp_path / "market.txt", ARTICLE)
    line = error_line(invoke("build", article, "-o", tmp_path / "out", "--profile", "robots"), 2)
    assert "no voice profile named 'robots'" in line and "use one of: default" in line


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[narrator]\nrate = 170 words\ncandidates = [{ id = "gmw/en" }]\n', "(at line 2, column 12)"),  # TOML syntax
        (VOICES + '[[quotes]]\nrate = "fast"\ncandidates = [{ id = "gmw/en" }]\n', "quotes[1].rate (line 6) must be a whole number"),
        ('pitch = 300\n' + VOICES, "pitch (line 1) must be a whole number from 0 to 100, not 300"),
        ('[narrator]\ncandidates = [\n  { id = "gmw/en" },\n  { gender = 2 },\n]\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n',
         "narrator.candidates[1].gender (line 4) must be a non-empty string, not 2"),
        ('[narrator]\ncandidates = ["gmw/en"]\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n', "narrator.candidates[0] (line 2) must be a table"),
        (VOICES + '[narator]\nrate = 170\n', "narator (line 5) is not a known setting"),
        ('quotes = "all of them"\n[narrator]\ncandidates = [{ id = "gmw/en" }]\n', "quotes (line 1) must be a list of [[quotes]] tables"),
        (VOICES + '[show]\nopening = "This is {shw}."\n', "show.opening (line 6) names unknown field(s) shw"),
        ('[narrator]\nvolume = "loud"\ncandidates = [{ id = "gmw/en" }]\n', "narrator.volume (line 2) must be a number"),
    ],
    ids=["toml-syntax", "second-quote-rate", "top-level-pitch", "candidate-value", "candidate-not-a-table",
         "misspelt-table", "quotes-not-a-list", "opening-field", "volume-type"],
)
def test_a_bad_profile_names_the_key_and_the_line(tmp_path, text, expected):
    profile = write(tmp_path / "bad.toml", text)
    article = write(tmp_path / "market.txt", ARTICLE)
    out = tmp_path / "out"
    line = error_line(invoke("build", article, "-o", out, "--profile", profile), 2)
    assert f"voice profile {profile}" in line and expected in line
    assert episode_files(out) == []


@pytest.mark.parametrize(
    "content, expected",
    [(b'[narrator]\ncandidates = [{ name = "Ren\xe9e" }]\n', "not UTF-8 text"), (None, "no such file")],
    ids=["not-utf8", "missing"],
)
def test_an_unreadable_profile_is_one_line(tmp_path, content, expected):
    profile = tmp_path / "p.toml"
    if content is not None:
        write(profile, content)
    line = error_line(invoke("script", write(tmp_path / "market.txt", ARTICLE), "--profile", profile), 2)
    assert expected in line and str(profile) in line


# --- missing eSpeak NG or ffmpeg ------------------------------------------------------------------


def _without(tmp_path: Path, *modules: str, hide_system_espeak: bool = False) -> dict:
    """An environment where the named Python modules fail to import, ffmpeg is on no PATH,
    and (optionally) a system libespeak-ng is not looked for: what a machine without them sees."""
    fake = tmp_path / "fake-site"
    fake.mkdir(exist_ok=True)
    for module in modules:
        (fake / f"{module}.py").write_text('raise ImportError("not installed (simulated)")\n')
    if hide_system_espeak:
        (fake / "sitecustomize.py").write_text(
            "from audiobook.engines import runtime\nruntime._system_candidates = lambda: ()\n"
        )
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("AUDIOBOOK_FFMPEG", "PYTHONPATH")}
    return {**env, "PYTHONPATH": str(fake), "PATH": str(empty_bin)}


@pytest.mark.parametrize("command", [("script",), ("build",), ("build", "--engine", "espeak"), ("voices",)])
def test_missing_espeak_ng_is_one_line_with_the_install_hint(tmp_path, command):
    article = write(tmp_path / "market.txt", ARTICLE)
    out = tmp_path / "out"
    args = [command[0]] + ([] if command[0] == "voices" else [article]) + list(command[1:]) + (["-o", out] if command[0] == "build" else [])
    res = run(*args, env=_without(tmp_path, "espeakng_loader", hide_system_espeak=True))
    line = error_line(res, 1)
    assert "libespeak-ng is not installed" in line
    assert "pip install espeakng-loader" in line and "apt-get install espeak-ng" in line
    assert episode_files(out) == []


def test_missing_ffmpeg_is_one_line_with_the_install_hint(tmp_path):
    article = write(tmp_path / "market.txt", ARTICLE)
    out = tmp_path / "out"
    res = run("build", article, "-o", out, env=_without(tmp_path, "imageio_ffmpeg"))
    line = error_line(res, 1)
    assert "ffmpeg was not found" in line
    assert "pip install imageio-ffmpeg" in line and "AUDIOBOOK_FFMPEG" in line
    assert_nothing_half_written(out)
    assert not list(out.glob("*.mp3"))


def test_ffmpeg_override_pointing_nowhere_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOBOOK_FFMPEG", str(tmp_path / "no-ffmpeg-here"))
    article = write(tmp_path / "market.txt", ARTICLE)
    out = tmp_path / "out"
    line = error_line(invoke("build", article, "-o", out), 1)
    assert "is not an executable ffmpeg" in line and "unset it" in line
    assert not list(out.glob("*.mp3"))


# --- an output folder that is unwritable or full ----------------------------------------------------


@pytest.mark.parametrize("below", ["episodes", "episodes/market.mp3"], ids=["folder", "mp3-path"])
def test_an_output_folder_under_a_regular_file_is_one_line_exit_2(tmp_path, below):
    # (tests may run as root, whom chmod does not stop: a file where a folder must be stops everyone)
    blocker = write(tmp_path / "blocker", "I am a file.\n")
    article = write(tmp_path / "market.txt", ARTICLE)
    line = error_line(invoke("build", article, "-o", blocker / below), 2)
    assert "cannot create output folder" in line and str(blocker) in line
    assert "choose another folder with -o" in line
    assert blocker.read_text() == "I am a file.\n"


def test_an_output_folder_without_write_permission_is_one_line_exit_2(tmp_path, monkeypatch):
    from audiobook import pipeline

    out = tmp_path / "locked"
    out.mkdir()
    real_access = os.access
    monkeypatch.setattr(pipeline.os, "access", lambda path, mode, **kw: False if Path(path) == out else real_access(path, mode, **kw))
    article = write(tmp_path / "market.txt", ARTICLE)
    line = error_line(invoke("build", article, "-o", out), 2)
    assert f"output folder {out} is not writable" in line and "fix its permissions" in line
    assert episode_files(out) == []


def test_a_full_disk_while_writing_is_one_line_exit_2_and_leaves_nothing(tmp_path, monkeypatch):
    # (what a full disk does to each write is tests/test_faults.py's business; here: the one line)
    out = tmp_path / "out"
    article = write(tmp_path / "market.txt", ARTICLE)
    real_open = Path.open

    def full(self, mode="r", *args, **kwargs):
        if out in self.parents and any(c in mode for c in "wax"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", full)  # every write of a file of the episode, in this process
    line = error_line(invoke("build", article, "-o", out), 2)
    assert f"cannot write {out / 'market.mp3'}" in line
    assert "disk is full" in line or "No space left on device" in line
    assert "free" in line  # the hint: free some space
    assert episode_files(out) == []  # no episode, no temporary file


# --- an output path that is a directory -----------------------------------------------------------------


def test_an_episode_path_taken_by_a_folder_is_one_line_exit_2(tmp_path):
    out = tmp_path / "out"
    (out / "market.mp3").mkdir(parents=True)  # where market.txt's episode would go
    article = write(tmp_path / "market.txt", ARTICLE)
    line = error_line(invoke("build", article, "-o", out), 2)
    assert f"output path {out / 'market.mp3'} is a folder" in line
    assert episode_files(out) == ["market.mp3"] and not any((out / "market.mp3").iterdir())


def test_a_digest_episode_path_that_is_a_folder_is_one_line_exit_2(tmp_path):
    out = tmp_path / "out"
    (out / "morning.mp3").mkdir(parents=True)
    one = write(tmp_path / "market.txt", ARTICLE)
    two = write(tmp_path / "lights.txt", NO_QUOTES)
    line = error_line(invoke("build", one, two, "-o", out, "--episode", "morning.mp3"), 2)
    assert "is a folder" in line and "morning.mp3" in line
    assert episode_files(out) == ["morning.mp3"]


# --- two inputs that would produce the same output name -----------------------------------------------


@pytest.mark.parametrize(
    "names",
    [("market.txt", "market.txt"), ("Night Market.txt", "night-market.md"), ("market.txt", "MARKET.html")],
    ids=["same-file-twice", "same-slug", "same-name-other-case"],
)
def test_two_inputs_with_one_output_name_are_refused_and_nothing_is_overwritten(tmp_path, names):
    sources = [write(tmp_path / name, ARTICLE) for name in names]
    out = tmp_path / "out"
    target = out / f"{'night-market' if 'Night' in names[0] else 'market'}.mp3"
    write(target, b"an episode from yesterday")
    line = error_line(invoke("build", *sources, "-o", out), 2)
    assert f"would both be written to {target}" in line and "rename one of them" in line
    assert target.read_bytes() == b"an episode from yesterday"
    assert episode_files(out) == [target.name]


# --- a missing input file -----------------------------------------------------------------------------------


def test_a_missing_article_to_script_is_one_line_exit_2(tmp_path):
    line = error_line(invoke("script", tmp_path / "nowhere.txt"), 2)
    assert f"{tmp_path / 'nowhere.txt'}: no such file" in line and "check the path" in line


def test_a_missing_article_in_a_batch_fails_alone(tmp_path):
    good = write(tmp_path / "market.txt", ARTICLE)
    out = tmp_path / "out"
    res = invoke("build", good, tmp_path / "gone.txt", "-o", out)
    assert res.exit_code == 1  # a batch with a failed article: "other failure"
    errors = [line for line in res.stderr.splitlines() if line.startswith("audiobook: error: ")]
    assert len(errors) == 1 and f"{tmp_path / 'gone.txt'}: no such file" in errors[0], res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert "2 articles: 1 built, 0 skipped, 1 failed" in res.stderr
    assert (out / "market.mp3").is_file() and not (out / "gone.mp3").exists()
    assert_nothing_half_written(out)


def test_a_folder_without_articles_is_one_line_exit_2(tmp_path):
    folder = tmp_path / "inbox"
    write(folder / "notes.json", "{}")
    line = error_line(invoke("build", folder, "-o", tmp_path / "out"), 2)
    assert "no articles in this folder" in line and str(folder) in line


def test_an_unreadable_article_is_one_line_exit_2(tmp_path, monkeypatch):
    article = write(tmp_path / "secret.txt", ARTICLE)
    real_read_bytes = Path.read_bytes

    def denied(self):
        if self.name == "secret.txt":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    line = error_line(invoke("script", article), 2)
    assert f"{article}: cannot read (Permission denied)" in line and "permissions" in line
