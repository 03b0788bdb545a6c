"""Speech: display text -> the text the engine hears.

The script keeps the article's own words; this stage only rewrites what is
sent to the engine, so that marks a reader sees silently are not read out or
mis-read.  Steps: typographic apostrophes to plain ones, brackets and inner
quote marks dropped, dashes turned into pauses, whitespace collapsed.
(Lexicon, abbreviations and numbers come with the normalisation issue.)
"""
from __future__ import annotations

import re

# (pattern, replacement) in order; each one small and separately testable
RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<=\w)[\u2019\u02bc](?=\w)|[\u2019'](?=\d0s\b)"), "'"),  # it’s, ’90s
    (re.compile(r"[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a\"]"), ""),  # stray double marks
    (re.compile(r"(?<!\w)[\u2018\u2019'](?=\w)(?!\d0s\b)|(?<=[\w.,!?])[\u2018\u2019'](?!\w)"), ""),  # inner single marks
    (re.compile(r"[\[\]{}]"), ""),  # brackets: their words stay
    (re.compile(r"\s*[\u2013\u2014]\s*|\s+-\s+"), ", "),  # dashes read as a pause
    (re.compile(r"\s+"), " "),
]


def spoken(text: str) -> str:
    """The text as the engine should hear it."""
    for pattern, repl in RULES:
        text = pattern.sub(repl, text)
    return text.strip()
