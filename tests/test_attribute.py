"""Unit tests for audiobook.attribute: one test per attribution habit, plus round trips."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from audiobook.attribute import attribute, speaker_key
from audiobook.models import NARRATION, QUOTE
from audiobook.segment import segment

DATA = Path(__file__).parent / "data" / "quotes"


def run(paragraphs):
    return attribute(paragraphs, segment(paragraphs))


def quotes(paragraphs):
    """(text, speaker) of every segment still voiced as a quote."""
    return [(s.text, s.speaker) for s in run(paragraphs) if s.kind == QUOTE]


def kind_of(paragraphs, text):
    return next(s.kind for s in run(paragraphs) if s.text == text)


def rebuilt(paragraphs, segs):
    return ["".join(s.open + s.text + s.close for s in segs if s.paragraph == p)
            for p in range(len(paragraphs))]


# --- speech verbs and where the attribution stands --------------------------


def test_name_said_after_the_quote():
    assert quotes(['"The bridge will reopen in May," Kate Ellery said.']) == [
        ("The bridge will reopen in May,", "Kate Ellery")]


def test_said_name_after_the_quote():
    assert quotes(['"We ran out of salt," said Owen Pryce, the depot manager.']) == [
        ("We ran out of salt,", "Owen Pryce")]


def test_name_says_present_tense():
    assert quotes(["“Nobody reads the small print,” Lena Voss says."]) == [
        ("Nobody reads the small print,", "Lena Voss")]


def test_colon_introduction():
    paras = ["Ruth Amani told the Gazette: ‘We have waited long enough.’"]
    assert quotes(paras) == [("We have waited long enough.", "Ruth Amani")]


def test_he_added_colon_resolves_pronoun():
    paras = ["Victor Hale opened the meeting late.", "He added: “The figures are worse than we feared.”"]
    assert quotes(paras) == [("The figures are worse than we feared.", "Victor Hale")]


def test_according_to():
    paras = ['According to fire chief Alan Brook, "The blaze started in the kitchen."']
    assert quotes(paras) == [("The blaze started in the kitchen.", "Alan Brook")]


def test_age_appositive_before_verb():
    paras = ["Edna Marsh, 79, said: ‘I have never seen the river this high.’"]
    assert quotes(paras) == [("I have never seen the river this high.", "Edna Marsh")]


def test_role_appositive_before_verb():
    paras = ["Tom Garrow, the Labour MP for Eastleigh, said: ‘This budget fails the north.’"]
    assert quotes(paras) == [("This budget fails the north.", "Tom Garrow")]


@pytest.mark.parametrize("verb", [
    "told reporters", "added", "insisted", "warned", "explained", "argued", "claimed", "wrote",
    "asked", "replied", "continued", "noted", "recalled", "admitted", "acknowledged", "stated",
    "declared", "tweeted",
])
def test_speech_verbs_beyond_said(verb):
    paras = [f'"The plan has a gap in it," Nora Quill {verb}.']
    assert quotes(paras) == [("The plan has a gap in it,", "Nora Quill")]


def test_participle_takes_the_subject_of_its_sentence():
    paras = ["Priya Nand urged calm, saying: “Nobody is in danger tonight.”"]
    assert quotes(paras) == [("Nobody is in danger tonight.", "Priya Nand")]


# --- who: names, pronouns, organisations ------------------------------------


def test_title_and_surname_join_the_full_name():
    paras = ["Dr Ian Fenwick runs the clinic.", "“We are full every day,” Dr Fenwick said.",
             "Mr Fenwick added: “The waiting list is a year long.”"]
    assert [who for _, who in quotes(paras)] == ["Ian Fenwick", "Ian Fenwick"]


def test_spelling_variants_are_one_speaker():
    paras = ["Klaus Müller chairs the panel.", '"We will decide in June," Mueller said.',
             '"The vote is close," Muller added.']
    assert [who for _, who in quotes(paras)] == ["Klaus Müller", "Klaus Müller"]


def test_speaker_key_folds_case_diacritics_and_titles():
    assert speaker_key("Mr Müller") == speaker_key("mueller") == speaker_key("MULLER")
    assert speaker_key("José Álvarez") == speaker_key("jose alvarez")


def test_pronoun_resolves_to_the_sentence_subject_not_the_object():
    paras = ["Sara Lind criticised Paul Grey over the delays.",
             "“It is a shambles,” she said."]
    assert quotes(paras) == [("It is a shambles,", "Sara Lind")]


def test_pronoun_follows_gender_told_by_a_title():
    paras = ["Mrs Joan Kerr met Mr Alan Pike at the depot.",
             "“We agreed on nothing,” she said."]
    assert quotes(paras) == [("We agreed on nothing,", "Joan Kerr")]


def test_unnamed_sources_get_a_short_label():
    paras = ['"Costs have doubled since spring," the report said.',
             '"We expect more closures," an official said.']
    assert [who for _, who in quotes(paras)] == ["report", "official"]


def test_role_noun_refers_back_to_the_named_person():
    paras = ["Gita Rahman, the treasurer of the club, resigned on Friday.",
             "“The accounts were a mess,” the treasurer said."]
    assert quotes(paras) == [("The accounts were a mess,", "Gita Rahman")]


# --- speech or partial ------------------------------------------------------


def test_scare_quote_goes_to_the_narrator():
    paras = ["Critics called the inquiry a “whitewash” on Monday."]
    segs = run(paras)
    partial = next(s for s in segs if s.text == "whitewash")
    assert (partial.kind, partial.open, partial.close, partial.speaker) == (NARRATION, "“", "”", None)


def test_title_in_quotes_goes_to_the_narrator():
    assert kind_of(['She hosts a show called "Morning Ledger" on weekdays.'], "Morning Ledger") == NARRATION


def test_nickname_goes_to_the_narrator():
    assert kind_of(["Locals know the bridge as ‘the Tin Comb’."], "the Tin Comb") == NARRATION


def test_fragment_completing_the_narrators_clause():
    paras = ["Fans said Coach Reilly “didn’t fight hard enough” for the players.",
             "He said he would be “amazed” if the club stayed up.",
             "The new intake was described as ‘amenable and leadable’ by the whips."]
    segs = run(paras)
    assert [s.kind for s in segs if s.open] == [NARRATION, NARRATION, NARRATION]


def test_sentence_opening_after_its_first_word_is_speech():
    paras = ["The “police have been slow to answer every call,” she says."]
    assert [s.kind for s in run(paras) if s.open] == [QUOTE]


def test_whole_sentence_quote_is_speech_without_attribution():
    paras = ["Hana Lee was defiant. “We will not close this school.”"]
    assert quotes(paras) == [("We will not close this school.", "Hana Lee")]


# --- structure: split, continued, nested ------------------------------------


def test_split_quote_pieces_share_the_speaker():
    paras = ["“We are,” Ben Okafor said, “very happy with the result.”"]
    assert quotes(paras) == [("We are,", "Ben Okafor"), ("very happy with the result.", "Ben Okafor")]


def test_multi_paragraph_quote_keeps_one_speaker():
    paras = ["Lily Shaw said: “The first year was hard.", "“The second was harder.", "“The third was a joy.”"]
    assert [who for _, who in quotes(paras)] == ["Lily Shaw"] * 3


def test_unattributed_quote_paragraph_continues_the_previous_speaker():
    paras = ['"Rents are rising faster than wages," said Omar Haddad.', '"Something has to give."']
    assert [who for _, who in quotes(paras)] == ["Omar Haddad", "Omar Haddad"]


def test_second_quote_in_a_paragraph_after_the_attribution():
    paras = ["“I was scared,” Ada Pell said. “Then I was angry.”"]
    assert [who for _, who in quotes(paras)] == ["Ada Pell", "Ada Pell"]


def test_nested_quote_without_known_speaker_stays_in_the_outer_quote():
    paras = ["“My son asked me, ‘Why is the park shut?’ and I had no answer,” Eve Moss said."]
    segs = [s for s in run(paras) if s.kind == QUOTE]
    assert len(segs) == 1 and segs[0].speaker == "Eve Moss" and "‘Why is the park shut?’" in segs[0].text


def test_nested_quote_takes_a_named_inner_speakers_voice():
    paras = ["Rosa Diaz manages the farm.",
             "“Rosa told me, ‘Keep the old trees,’ and I did,” Tim Burke said."]
    segs = [s for s in run(paras) if s.kind == QUOTE]
    assert [(s.text, s.speaker) for s in segs] == [
        ("Rosa told me, ", "Tim Burke"), ("Keep the old trees,", "Rosa Diaz"), (" and I did,", "Tim Burke")]
    assert rebuilt(paras, run(paras)) == paras


# --- invariants -------------------------------------------------------------


TRICKY = [
    "", "   ", "“", "”", "'", '"', "‘’", '""', "He said: ‘", "“Open, ‘nested “deep” one’ end",
    "Plain narration with no quotes at all.", "“A,” he said, “B,” she said, “C.”",
    "‘Rock ’n’ roll,’ said Mr O’Neill, 60, in the ’90s.", "said said said: “” “x”",
]


@pytest.mark.parametrize("text", TRICKY)
def test_round_trip_on_tricky_strings(text):
    paras = [text, "“And on,” he said.", text]
    assert rebuilt(paras, run(paras)) == paras


def test_round_trip_random_soup():
    rng = random.Random(7)
    alphabet = ["a", "b", " ", ".", ",", ":", "“", "”", "‘", "’", '"', "'", "He", " said", "Ann Lee", "\n"]
    for _ in range(300):
        paras = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3)]
        assert rebuilt(paras, run(paras)) == paras


@pytest.mark.parametrize("path", sorted(DATA.glob("*.txt")), ids=lambda p: p.stem)
def test_round_trip_and_gold_speech_on_test_articles(path):
    from audiobook.clean import clean
    from audiobook.load import load
    paras = list(clean(load(path)).paragraphs)
    segs = run(paras)
    assert rebuilt(paras, segs) == paras
    gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    # pieces of a quote cut around a nested one stay contiguous, marks included
    voiced = "".join(s.open + s.text + s.close if s.kind == QUOTE else "\0" for s in segs)
    for q in gold["quotes"]:
        first = q["text"].split("\n")[0]
        if q["kind"] == "speech":
            assert first in voiced, first
        elif q["kind"] == "partial":
            assert first not in voiced, first
