"""Cleaning scraped pages (issue 7, item 2): each cleaner with what it removes
and what it must keep, the repeated pull quote rule, and the [clean] table of
a voice profile that switches cleaners off or adds more.

Every fixture here was written for these tests (the Kelby Courier and its
people are made up).
"""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from audiobook import clean as cleaning
from audiobook.clean import (
    CLEANER_NAMES,
    CLEANERS,
    build_cleaners,
    clean,
    drop_advert_labels,
    drop_byline_lines,
    drop_newsletter_prompts,
    drop_photo_captions,
    drop_repeated_pull_quotes,
    drop_social_prompts,
    drop_video_prompts,
    extract_metadata,
)
from audiobook.errors import ProfileError
from audiobook.models import Article
from audiobook.profile import load_profile, parse_profile

# (cleaner, lines it removes, lines it keeps): one line each, checked alone
# and inside a paragraph of real sentences
CASES = [
    (
        drop_photo_captions,
        [
            "Photo: Jane Doe/Kelby Courier",
            "(Image credit: Sam Reed)",
            "Getty Images",
            "Jane Doe/AFP via Getty Images",
            "Picture by Sam Reed",
            "Image caption, The ferry leaves the quay",
            "© Kelby Courier 2026",
            "Credit: Harbour Trust",
            "View gallery",
            "Image 2 of 9",
        ],
        [
            "The photo was taken by a passenger on the upper deck.",
            "Picture the scene: a crowd of hundreds on the quay.",
            "Reuters reported the sale on Monday.",
            "Images of the crash spread quickly online, police said.",
            "Credit unions lent more last year.",
        ],
    ),
    (
        drop_video_prompts,
        ["Scroll down for video", "SCROLL DOWN FOR VIDEO", "Watch the video below", "Video: the ferry arrives at dawn", "Play video"],
        ["Viewers were asked to scroll down for video of the launch, she said.", "The video was watched two million times."],
    ),
    (
        drop_social_prompts,
        [
            "Like us on Facebook",
            "Follow us on Twitter and Instagram",
            "Follow us on X",
            "Follow @kelbycourier on X",
            "Share this article",
            "Share on WhatsApp",
            "Share Tweet Email WhatsApp",
            "Share | Tweet | Email | 12 comments",
            "Copy link",
        ],
        [
            "“Like us on Facebook, they told us, and we did,” Lee joked.",
            "She shared the article on Facebook.",
            "Share prices rose 3% on Monday.",
            "Follow the river north and you reach the old mill.",
        ],
    ),
    (
        drop_byline_lines,
        [
            "By Jane Doe | Published 10:32, 3 March 2024 | Updated 11:05, 3 March 2024",
            "By Jane Doe",
            "By JANE DOE and SAM REED",
            "By Jane Doe in Kelby",
            "By Jane Doe, Political Editor",
            "Published: 10:32 GMT, 3 March 2024",
            "Updated 2 hours ago",
            "Tue 3 Mar 2024 10.32 GMT",
            "5 min read",
        ],
        [
            "By the time the ferry docked, the crowd had gone.",
            "By Tuesday, the council had agreed.",
            "By Christmas, shops were empty.",
            "By Jane Doe, who covered the story for years.",
            "Published in 1962, the novel sold a million copies.",
            "Updated timetables will be posted at the quay.",
            "At 10:32 on 3 March 2024 the ferry left.",
        ],
    ),
    (
        drop_advert_labels,
        ["Advertisement", "ADVERTISEMENT", "Sponsored", "Sponsored content", "Story continues below advertisement", "AD"],
        ["The advertisement ran for a week.", "Sponsored by the council, the race drew 400 runners."],
    ),
    (
        drop_newsletter_prompts,
        [
            "Sign up to our newsletter",
            "Sign up for our free daily Kelby newsletter",
            "Get the latest Kelby news delivered to your inbox",
            "Subscribe now",
            "Thank you for subscribing!",
            "Enter your email address",
        ],
        [
            "More than 2,000 people signed up to the newsletter in a week, the club said.",
            "Sign up here, the mayor told residents, and the crowd laughed.",
            "Subscribers get the paper delivered every morning.",
        ],
    ),
]
BODY = "The ferry left at noon.\nIt was full."


def _ids(cases):
    return [f"{c.__name__}:{line[:30]}" for c, lines, _ in cases for line in lines]


@pytest.mark.parametrize("cleaner, line", [(c, line) for c, lines, _ in CASES for line in lines], ids=_ids(CASES))
def test_each_cleaner_removes_its_lines(cleaner, line):
    assert cleaner(line).strip() == ""
    assert cleaner(f"{BODY}\n{line}\nThe crew cheered.") == f"{BODY}\nThe crew cheered."


@pytest.mark.parametrize(
    "cleaner, line", [(c, line) for c, _, keeps in CASES for line in keeps], ids=[f"{c.__name__}:{k[:30]}" for c, _, ks in CASES for k in ks]
)
def test_each_cleaner_keeps_the_articles_sentences(cleaner, line):
    assert cleaner(line) == line
    assert cleaner(f"{BODY}\n{line}") == f"{BODY}\n{line}"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[Image]\nThe ferry in the harbour at dawn\nThe ferry left at noon.", "The ferry left at noon."),
        ("[Image: the quay]\nCrowds wait for the first sailing (Sam Reed/Kelby Courier).\nThe ferry left at noon.", "The ferry left at noon."),
        ("[Photo: the quay]\n\nCrowds at the quay on Tuesday\n\nThe ferry left at noon.", "\n\nThe ferry left at noon."),
        ("[Image]\nPhoto: Jane Doe\nThe old ferry, seen in 1998\nThe ferry left at noon.", "The ferry left at noon."),
        # a marker with no caption: the paragraph after it is the article's
        ("[Image]\n\nThe night ferry returned to Kelby on Tuesday after ten years away.", "\nThe night ferry returned to Kelby on Tuesday after ten years away."),
    ],
    ids=["caption-under-marker", "caption-with-credit", "caption-after-blank", "credit-then-caption", "no-caption"],
)
def test_a_short_line_right_after_a_picture_marker_is_its_caption(text, expected):
    assert drop_photo_captions(text) == expected


def test_a_line_that_reports_speech_is_never_furniture():
    line = "Sign up for the ferry alerts now, the harbour master said."
    assert drop_newsletter_prompts(line) == line


# --- repeated pull quotes ---------------------------------------------------------------

ARTICLE = """Ferry returns to Kelby

“We waited a decade for this,” said harbour master Ann Lee. “It is a good day for the town.”

Councillors approved the money last spring after a long campaign by residents of the old town.

"WE WAITED A DECADE FOR THIS"

It is a good day for the town. — Ann Lee

after a long campaign by residents of the old town

The vote was close.

The vote was close.

Tickets go on sale on Monday."""


def test_a_paragraph_repeating_earlier_words_is_dropped_and_the_original_kept():
    out = drop_repeated_pull_quotes(ARTICLE).split("\n\n")
    assert out == [
        "Ferry returns to Kelby",
        "“We waited a decade for this,” said harbour master Ann Lee. “It is a good day for the town.”",
        "Councillors approved the money last spring after a long campaign by residents of the old town.",
        "The vote was close.",  # four words said twice: kept, a short line may well be repeated
        "The vote was close.",
        "Tickets go on sale on Monday.",
    ]


def test_a_pull_quote_before_its_source_is_not_a_repeat():
    text = "“We waited a decade for this”\n\n“We waited a decade for this,” said Ann Lee."
    assert drop_repeated_pull_quotes(text) == text


def test_similar_but_different_words_are_kept():
    text = "The ferry will sail every night from May.\n\nThe ferry will sail every night from June."
    assert drop_repeated_pull_quotes(text) == text


# --- the whole clean of a scraped page ----------------------------------------------------

SCRAPED = """Night ferry returns to Kelby

By Jane Doe | Published 10:32, 3 March 2026 | Updated 11:05, 3 March 2026

[Image]
The ferry at the quay on Tuesday
Photo: Sam Reed/Kelby Courier

Scroll down for video

The night ferry returned to Kelby harbour on Tuesday after ten years away.

“We waited a decade for this,” said harbour master Ann Lee.

Advertisement

Share Tweet Email WhatsApp

Like us on Facebook

Councillors approved the money last spring after a long campaign by residents.

“We waited a decade for this”

Sign up to our newsletter

Get the latest Kelby news delivered to your inbox

By the time the first sailing left, the quay was full.
"""


def test_a_scraped_page_keeps_only_the_article():
    art = clean(Article(source="x", paragraphs=tuple(SCRAPED.split("\n\n"))))
    assert art.title == "Night ferry returns to Kelby"
    assert art.author == "Jane Doe"  # the byline near the top is metadata
    assert art.date == "2026-03-03"
    assert art.paragraphs == (
        "Night ferry returns to Kelby",
        "The night ferry returned to Kelby harbour on Tuesday after ten years away.",
        "“We waited a decade for this,” said harbour master Ann Lee.",
        "Councillors approved the money last spring after a long campaign by residents.",
        "By the time the first sailing left, the quay was full.",
    )


def test_a_byline_further_down_goes_too_and_the_top_one_still_gives_the_author():
    body, _, author, _ = extract_metadata(["Headline here", "By Jane Doe", "Text."])
    assert author == "Jane Doe" and body == ["Headline here", "Text."]
    assert drop_byline_lines("Text.\nBy Sam Reed, Transport Correspondent\nMore text.") == "Text.\nMore text."


# --- the list and the [clean] table --------------------------------------------------------


def test_build_cleaners_skips_by_name_and_adds_patterns_and_functions_before_whitespace():
    def shout(text: str) -> str:
        return text.upper()

    chosen = build_cleaners(skip=["drop_repeated_pull_quotes"], patterns=["^Read next:"], extra=[shout])
    names = [c.__name__ for c in chosen]
    assert "drop_repeated_pull_quotes" not in names
    assert names.index("extra_patterns") == names.index("normalize_whitespace") - 2
    assert names.index("shout") == names.index("normalize_whitespace") - 1
    assert build_cleaners() == CLEANERS
    with pytest.raises(ValueError, match="unknown cleaner.*drop_everything.*known: drop_ad_markers"):
        build_cleaners(skip=["drop_everything"])


VOICES = '[narrator]\ncandidates = [{ id = "gmw/en" }]\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n'


def _profile(tmp_path, table: str, name: str = "mine.toml"):
    path = tmp_path / name
    path.write_text(VOICES + table, encoding="utf-8")
    return path


def test_the_profile_switches_a_cleaner_off(tmp_path):
    profile = load_profile(_profile(tmp_path, '[clean]\nskip = ["drop_repeated_pull_quotes", "drop_advert_labels"]\n'))
    art = clean(Article(source="x", paragraphs=tuple(ARTICLE.split("\n\n")) + ("Advertisement",)), profile.cleaners())
    assert "It is a good day for the town. — Ann Lee" in art.paragraphs
    assert art.paragraphs[-1] == "Advertisement"


def test_the_profiles_extra_patterns_and_cleaners_run(tmp_path):
    (tmp_path / "kelby_cleaners.py").write_text(
        "def drop_weather(text):\n    return '\\n'.join(l for l in text.split('\\n') if not l.startswith('Weather:'))\n",
        encoding="utf-8",
    )
    path = _profile(tmp_path, '[clean]\nextra_patterns = ["^Read next:", "^more on .* at kelby\\\\.example$"]\nextra_cleaners = ["kelby_cleaners:drop_weather"]\n')
    try:
        profile = load_profile(path)  # the module beside the profile is found
        text = "The ferry left.\nRead next: buses\nWeather: rain\nMORE on ferries at kelby.example\nIt was full."
        assert clean(Article(source="x", paragraphs=(text,)), profile.cleaners()).paragraphs == ("The ferry left.", "It was full.")
    finally:
        sys.modules.pop("kelby_cleaners", None)
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))


@pytest.mark.parametrize(
    "table, expected",
    [
        ('[clean]\nskip = ["drop_everything"]\n', "clean.skip (line 6) names unknown cleaner(s) drop_everything"),
        ('[clean]\nskip = "drop_advert_labels"\n', "clean.skip (line 6) must be a list of non-empty strings"),
        ('[clean]\nextra_patterns = ["(unclosed"]\n', "clean.extra_patterns (line 6) has a bad regular expression '(unclosed'"),
        ('[clean]\nextra_cleaners = ["no_such_module_here:f"]\n', "clean.extra_cleaners (line 6) cannot import 'no_such_module_here'"),
        ('[clean]\nextra_cleaners = ["textwrap"]\n', "clean.extra_cleaners (line 6) names 'textwrap', not module:function"),
        ('[clean]\nextra_cleaners = ["textwrap:no_such_function"]\n', "textwrap has no function 'no_such_function'"),
        ('[clean]\nskipp = []\n', "clean.skipp (line 6) is not a known setting"),
        ('clean = 3\n', "clean (line 1) must be a table"),
    ],
    ids=["unknown-cleaner", "skip-not-a-list", "bad-regex", "no-module", "no-function-part", "no-function", "unknown-key", "not-a-table"],
)
def test_a_bad_clean_table_is_a_profile_error_naming_key_and_line(tmp_path, table, expected):
    if table.startswith("clean ="):
        path = tmp_path / "mine.toml"
        path.write_text(table + VOICES, encoding="utf-8")
    else:
        path = _profile(tmp_path, table)
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert expected in err.value.message, err.value.message
    assert err.value.hint
    if "unknown cleaner" in expected:
        assert all(name in err.value.hint for name in CLEANER_NAMES)


def test_a_failing_extra_cleaner_names_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(textwrap, "broken_for_test", lambda text: 1 / 0, raising=False)
    profile = parse_profile(
        {"narrator": {"candidates": [{"id": "gmw/en"}]}, "quotes": [{"candidates": [{"id": "gmw/en-us"}]}],
         "clean": {"extra_cleaners": ["textwrap:broken_for_test"]}}
    )
    with pytest.raises(ProfileError, match="cleaner textwrap:broken_for_test failed: ZeroDivisionError"):
        clean(Article(source="x", paragraphs=("Text.",)), profile.cleaners())


def test_the_default_profile_documents_every_cleaner():
    documented = (Path(cleaning.__file__).resolve().parent.parent / "voices" / "default.toml").read_text(encoding="utf-8")
    assert all(name in documented for name in CLEANER_NAMES)
