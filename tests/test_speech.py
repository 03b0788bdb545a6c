"""Speech: what the engine hears, never what the script shows."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook import speech
from audiobook.errors import ProfileError
from audiobook.speech import cardinal, ordinal, spoken, year


@pytest.fixture(autouse=True)
def bundled_lexicon_only(monkeypatch, tmp_path):
    """Every test sees the bundled lexicon alone, whatever this machine's user has."""
    monkeypatch.delenv(speech.LEXICON_ENV, raising=False)
    monkeypatch.delenv(speech.NO_NORMALISE_ENV, raising=False)
    monkeypatch.setattr("platformdirs.user_config_dir", lambda *a, **k: str(tmp_path / "no-config"))
    speech.reset_lexicon()
    yield
    speech.reset_lexicon()


def check(cases):
    for display, heard in cases:
        assert spoken(display) == heard, display


# --- 1. punctuation (the rules that came before normalisation) ----------------------

PUNCTUATION = [
    ("It’s here", "It's here"),
    ("the ’90s and the '80s", "the '90s and the '80s"),
    ("calls it ‘a conservative estimate’, which", "calls it a conservative estimate, which"),
    ("Neither the PLP [Parliamentary Labour Party] nor", "Neither the PLP Parliamentary Labour Party nor"),
    ("a great guy - we have", "a great guy, we have"),
    ("the laity—we discovered", "the laity, we discovered"),
    ("  two   spaces ", "two spaces"),
    ("stray “mark", "stray mark"),
]


@pytest.mark.parametrize("display, heard", PUNCTUATION)
def test_punctuation_only_when_normalising_is_off(monkeypatch, display, heard):
    monkeypatch.setenv(speech.NO_NORMALISE_ENV, "1")
    assert spoken(display) == heard


@pytest.mark.parametrize(
    "display, heard",
    [
        ("It’s here", "It's here"),
        ("the ’90s and the '80s", "the nineties and the eighties"),
        ("calls it ‘a conservative estimate’, which", "calls it a conservative estimate, which"),
        ("Neither the PLP [Parliamentary Labour Party] nor", "Neither the P.L.P Parliamentary Labour Party nor"),
        ("a great guy - we have", "a great guy, we have"),
        ("the laity—we discovered", "the laity, we discovered"),
        ("stray “mark", "stray mark"),
    ],
)
def test_punctuation(display, heard):
    assert spoken(display) == heard


# --- numbers as words ------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"), (7, "seven"), (13, "thirteen"), (40, "forty"), (42, "forty-two"),
        (100, "one hundred"), (105, "one hundred and five"), (999, "nine hundred and ninety-nine"),
        (1000, "one thousand"), (1005, "one thousand and five"), (1200, "one thousand two hundred"),
        (2_000_050, "two million and fifty"), (1_500_000, "one million five hundred thousand"),
        (3 * 10**12, "three trillion"), (-4, "minus four"),
    ],
)
def test_cardinal(n, words):
    assert cardinal(n) == words


@pytest.mark.parametrize(
    "n, words",
    [(1, "first"), (2, "second"), (3, "third"), (5, "fifth"), (8, "eighth"), (9, "ninth"), (12, "twelfth"),
     (20, "twentieth"), (22, "twenty-second"), (101, "one hundred and first"), (1000, "one thousandth")],
)
def test_ordinal(n, words):
    assert ordinal(n) == words


@pytest.mark.parametrize(
    "n, words",
    [(1995, "nineteen ninety-five"), (1905, "nineteen oh five"), (1900, "nineteen hundred"),
     (2000, "two thousand"), (2005, "two thousand and five"), (2024, "twenty twenty-four"),
     (1066, "ten sixty-six")],
)
def test_year(n, words):
    assert year(n) == words


def test_huge_numbers_are_read_digit_by_digit():
    assert cardinal(10**16) == "one" + " zero" * 16
    assert spoken("12345678901234567890") == " ".join(speech.ONES[int(d)] for d in "12345678901234567890")


# --- 2. urls and emails -------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("bbc.co.uk/news", "B.B.C dot co dot U.K slash news"),
        ("See https://www.example.com/path.", "See W.W.W dot example dot com slash path."),
        ("Visit gov.uk/cost-of-living now", "Visit gov dot U.K slash cost dash of dash living now"),
        ("name@example.org", "name at example dot org"),
        ("Write to j.smith_2@news.example.com today.", "Write to J dot smith underscore two at news dot example dot com today."),
        # no other rule fires inside an address
        ("example.org/2024/St-10-Mr", "example dot org slash two zero two four slash S.T dash ten dash M.R"),
        ("Amazon.com said", "Amazon dot com said"),
    ],
)
def test_addresses(display, heard):
    assert spoken(display) == heard


@pytest.mark.parametrize("display", ["e.g. this", "the U.S. economy", "Mr.Smith", "3.5 times", "end.The"])
def test_not_addresses(display):
    assert " dot " not in spoken(display)


# --- 3. lexicon -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("NATO allies", "Nato allies"),  # an acronym said as a word
        ("the MoD said", "the M.O.D said"),  # spelled
        ("Keir Starmer", "Keer Starmer"),  # a name respelled
        ("Sunak's plan", "Soonack's plan"),  # possessive
        ("Marine Le Pen", "Marine Luh Pen"),  # a phrase
        ("the A&E unit", "the A-and-E unit"),
        ("the FTSE 100", "the Footsie one hundred"),
        ("two ISAs", "two Eye-sas"),  # an all-capitals key matches its plural
        ("the bank plc and Foo Plc", "the bank P.L.C and Foo P.L.C"),  # lower-case key, capitalised too
        ("Keirs Keira", "Keirs Keira"),  # whole words only
        ("xi and XI", "xi and X.I"),  # case-aware: "Xi" only
    ],
)
def test_lexicon(display, heard):
    assert spoken(display) == heard


# --- 4. abbreviations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("Mr Smith met Mrs Jones and Dr Brown", "Mister Smith met Missus Jones and Doctor Brown"),
        ("Ms Green and Prof. White", "Miz Green and Professor White"),
        ("Mr. J. Smith", "Mister J Smith"),
        ("Det Insp Jane Hill and Cllr Ann Bell", "Detective Inspector Jane Hill and Councillor Ann Bell"),
        ("St Paul's Cathedral", "Saint Paul's Cathedral"),
        ("in St Ives", "in Saint Ives"),
        ("on Baker St near St Paul's", "on Baker Street near Saint Paul's"),
        ("High St in London", "High Street in London"),
        ("Oxford St. is shut.", "Oxford Street is shut."),
        ("at Baker St Station", "at Baker Street Station"),
        ("It is on Abbey Rd.", "It is on Abbey Road."),
        ("Mulholland Dr is long", "Mulholland Drive is long"),
        ("Martin Luther King Jr. spoke", "Martin Luther King Junior spoke"),
        ("No 10 said", "Number ten said"),
        ("No. 10 Downing Street", "Number ten Downing Street"),
        ("Nos 3 and 4", "Numbers three and four"),
        ("No, he said.", "No, he said."),
        ("No one came", "No one came"),
        ("e.g. this, i.e. that, etc.", "for example this, that is that, et cetera."),
        ("Arsenal v Chelsea and Smith vs. Jones", "Arsenal versus Chelsea and Smith versus Jones"),
        ("Mr and Mrs", "Mr and Mrs"),  # a title only before a name
    ],
)
def test_abbreviations(display, heard):
    assert spoken(display) == heard


# --- 5. initials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("J.K. Rowling wrote", "J.K Rowling wrote"),
        ("J. R. R. Tolkien", "J.R.R Tolkien"),
        ("George W. Bush said", "George W Bush said"),
        ("the U.S. economy", "the U.S economy"),
        ("It ended in the U.S.", "It ended in the U.S."),
        ("the U.S.-led talks", "the U.S-led talks"),
        ("at 9 a.m. today", "at nine a.m. today"),
    ],
)
def test_initials(display, heard):
    assert spoken(display) == heard


# --- 6-7. ranges and currency -----------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("£5m", "five million pounds"),
        ("£5 million", "five million pounds"),
        ("$2.3bn", "two point three billion dollars"),
        ("£1.2tn", "one point two trillion pounds"),
        ("€40", "forty euros"),
        ("€1", "one euro"),
        ("£5k", "five thousand pounds"),
        ("50p and 1p", "fifty pence and one penny"),
        ("US$5", "five U.S dollars"),
        ("A$10m", "ten million Australian dollars"),
        ("£5-6m", "five to six million pounds"),
        ("£5–6bn", "five to six billion pounds"),
        ("£5m-£6m", "five to six million pounds"),
        ("$10-20", "ten to twenty dollars"),
        ("£2.50", "two pounds fifty"),
        ("£1.05", "one pound five"),
        ("£0.50", "fifty pence"),
        ("$0.01", "one cent"),
        ("£1,200", "one thousand two hundred pounds"),
        ("£500,000", "five hundred thousand pounds"),
        ("It cost £2.3bn, up", "It cost two point three billion pounds, up"),
        ("¥300", "three hundred yen"),
        ("a $2.3bn probe", "a two point three billion dollar probe"),  # describing a noun
        ("an £8m deal and a £5 fee", "an eight million pound deal and a five pound fee"),
    ],
)
def test_currency(display, heard):
    assert spoken(display) == heard


@pytest.mark.parametrize(
    "display, heard",
    [
        ("5-6 weeks", "five to six weeks"),
        ("won 3-1", "won three to one"),
        ("a 3:1 ratio", "a three to one ratio"),
        ("from 9am–5pm", "from nine a.m. to five p.m."),
        ("the 2019/20 season", "the twenty nineteen to twenty season"),
        ("the 2020-21 season", "the twenty twenty to twenty-one season"),
        ("a 5-year-old", "a five-year-old"),
        ("call 0800 123 4567", "call zero eight zero zero, one two three, four five six seven"),
    ],
)
def test_ranges_and_phone_numbers(display, heard):
    assert spoken(display) == heard


# --- 8. percentages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("3.5%", "three point five per cent"),
        ("up 12% on", "up twelve per cent on"),
        ("0.5%", "zero point five per cent"),
        ("3-4%", "three to four per cent"),
        ("10 per cent", "ten per cent"),
        ("2.5 percent", "two point five percent"),
    ],
)
def test_percentages(display, heard):
    assert spoken(display) == heard


# --- 9. times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("9am", "nine a.m."),
        ("at 9am.", "at nine a.m."),
        ("9.30pm", "nine thirty p.m."),
        ("9:05 am", "nine oh five a.m."),
        ("11 PM", "eleven p.m."),
        ("21:45", "twenty-one forty-five"),
        ("10:30 GMT", "ten thirty G.M.T"),
        ("09:00 and 21:00", "nine o'clock and twenty-one hundred"),
        ("13pm", "thirteen pm"),  # not a time
        ("930am and 1215pm", "nine thirty a.m. and twelve fifteen p.m."),
        ("at 1030 GMT and 2100 BST", "at ten thirty G.M.T and twenty-one hundred B.S.T"),
        ("1995 GMT", "nineteen ninety-five G.M.T"),  # not a clock time: 95 minutes
        ("talks resume at 10.30 on Friday", "talks resume at ten thirty on Friday"),
        ("from 9.00 until 17.45", "from nine o'clock until seventeen forty-five"),
        ("at 10.30 per cent and at 2.50 pounds", "at ten point three zero per cent and at two point five zero pounds"),
        ("rose to 10.30", "rose to ten point three zero"),  # a decimal, not a time
    ],
)
def test_times(display, heard):
    assert spoken(display) == heard


# --- 10. dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("3 March 2024", "the third of March twenty twenty-four"),
        ("on 3rd March.", "on the third of March."),
        ("on the 3rd of March", "on the third of March"),
        ("March 3, 2024", "March third, twenty twenty-four"),
        ("March 3", "March third"),
        ("2024-03-03", "the third of March twenty twenty-four"),
        ("3-5 March", "the third to the fifth of March"),
        ("Sat 3 Jan.", "Sat the third of January."),
        ("12 Sept 1960", "the twelfth of September nineteen sixty"),
        ("March 2024", "March twenty twenty-four"),
        ("40 March", "forty March"),  # not a day
    ],
)
def test_dates(display, heard):
    assert spoken(display) == heard


# --- 11. decades -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("1990s", "nineteen nineties"),
        ("the ’90s", "the nineties"),
        ("the '80s", "the eighties"),
        ("mid-1960s", "mid-nineteen sixties"),
        ("the 1800s", "the eighteen hundreds"),
        ("the 2000s", "the two thousands"),
        ("the 2010s", "the twenty tens"),
        ("in their 80s", "in their eighties"),
        ("the '00s", "the noughties"),
    ],
)
def test_decades(display, heard):
    assert spoken(display) == heard


# --- 12. ordinals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [("1st 2nd 3rd 4th", "first second third fourth"), ("22nd", "twenty-second"), ("101st", "one hundred and first"),
     ("the 21st-century", "the twenty-first-century")],
)
def test_ordinals(display, heard):
    assert spoken(display) == heard


# --- 13. years and numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("in 1995", "in nineteen ninety-five"),
        ("1995 was a year", "nineteen ninety-five was a year"),
        ("since 2010", "since twenty ten"),
        ("in mid-2024", "in mid-twenty twenty-four"),
        ("between 1990 and 1995", "between nineteen ninety and nineteen ninety-five"),
        ("the 2024 election", "the twenty twenty-four election"),
        ("2,000 people", "two thousand people"),
        ("2024 people", "two thousand and twenty-four people"),
        ("in 2024 prices rose", "in twenty twenty-four prices rose"),
        ("1,500,000", "one million five hundred thousand"),
        ("2.5 times", "two point five times"),
        ("3bn years", "three billion years"),
        ("2m people", "two million people"),
        ("a 100m sprint", "a one hundred m sprint"),  # metres or millions: left as the letter
        ("agent 007", "agent zero zero seven"),
        ("the G7 and 5G", "the G-seven and five G"),
        ("COVID-19", "Covid-nineteen"),
    ],
)
def test_numbers(display, heard):
    assert spoken(display) == heard


# --- 14. Roman numerals -----------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("World War II", "World War Two"),
        ("Henry VIII's wives", "Henry the Eighth's wives"),
        ("Elizabeth II.", "Elizabeth the Second."),
        ("a Grade II listed hall", "a Grade Two listed hall"),
        ("Apollo XI", "Apollo Eleven"),
    ],
)
def test_roman_numerals(display, heard):
    assert spoken(display) == heard


# --- 15. acronyms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "display, heard",
    [
        ("the BBC and NHS", "the B.B.C and N.H.S"),
        ("The US said it would help us.", "The U.S said it would help us."),
        ("The IT team fixed it.", "The I.T team fixed it."),
        ("WHO said", "W.H.O said"),
        ("MPs and NGOs", "M.P.'s and N.G.O.'s"),
        ("the BBC's report", "the B.B.C.'s report"),
        ("the UN's envoy", "the U.N.'s envoy"),
        ("HMRC, DVLA, OECD and GCSEs", "H.M.R.C, D.V.L.A, O.E.C.D and G.C.S.E.'s"),  # unpronounceable
        ("OPEC, FIFA and UNICEF", "OPEC, FIFA and UNICEF"),  # pronounceable: read as words
        ("UNHCR and NSPCC", "U.N.H.C.R and N.S.P.C.C"),
        ("a HUGE mistake and an EMPTY room", "a HUGE mistake and an EMPTY room"),  # shouted words
        ("the CEO and the ESA", "the C.E.O and the E.S.A"),  # three letters: always spelled
        ("an NHS-funded bed", "an N.H.S-funded bed"),
        ("by the BBC.", "by the B.B.C."),
        ("London and Paris", "London and Paris"),  # ordinary capitalised words alone
        ("THE PM HAS RESIGNED", "THE PM HAS RESIGNED"),  # a shout, not acronyms
        ("I said A", "I said A"),  # single letters alone
    ],
)
def test_acronyms(display, heard):
    assert spoken(display) == heard


@pytest.mark.parametrize(
    "word, said",
    [("NATO", True), ("HOLD", True), ("STRIKE", True), ("OFSTED", True), ("EMPTY", True), ("AIDS", True),
     ("UNESCO", True), ("NIMBY", True), ("HMRC", False), ("DVLA", False), ("OECD", False), ("IAEA", False),
     ("NYPD", False), ("FTSE", False), ("UNHCR", False), ("RSPCA", False)],
)
def test_pronounceable(word, said):
    assert speech.pronounceable(word) is said


# --- edge cases -------------------------------------------------------------------------------

IDEMPOTENT = [
    "Mr Smith of the BBC paid £5m on 3 March 2024 at 9.30pm.",
    "See bbc.co.uk/news or email name@example.org about the 1990s.",
    "J.K. Rowling and the U.S. economy grew 3.5% in 1995.",
    "MPs, NGOs and NATO met at No 10 on Baker St near St Paul's.",
    "Henry VIII and World War II and the 22nd of May.",
    "Keir Starmer and the MoD and 50p and 21:45 GMT.",
]


@pytest.mark.parametrize("display", IDEMPOTENT)
def test_normalised_text_is_left_as_it_is(display):
    once = spoken(display)
    assert spoken(once) == once


def test_display_text_is_not_changed():
    # spoken returns new text; the caller's string (the script's) is what it was
    text = "£5m for the BBC"
    spoken(text)
    assert text == "£5m for the BBC"


# --- lexicon files --------------------------------------------------------------------------


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_lexicon_is_found_and_valid():
    path = speech.bundled_lexicon_path()
    assert path is not None and path.name == "lexicon.toml"
    entries = speech.read_lexicon(path)
    assert entries["NATO"] == "Nato"
    assert all(isinstance(v, str) and v for v in entries.values())


def test_user_lexicons_override_in_order(monkeypatch, tmp_path):
    config = tmp_path / "config"
    monkeypatch.setattr("platformdirs.user_config_dir", lambda *a, **k: str(config))
    write(config / "lexicon.toml", '[words]\nNATO = "the alliance"\nSiobhan = "Shivawn"\nGCHQ = "G.C.H.Q"\n')
    env = write(tmp_path / "mine.toml", '[words]\nSiobhan = "Shi-vawn"\nKeir = ""\n')
    monkeypatch.setenv(speech.LEXICON_ENV, str(env))
    speech.reset_lexicon()
    assert speech.lexicon_paths()[1:] == [config / "lexicon.toml", env]
    assert spoken("NATO and Siobhan and Keir") == "the alliance and Shi-vawn and Keir"


def test_lexicon_is_read_once(monkeypatch):
    reads = []
    real = speech.read_lexicon
    monkeypatch.setattr(speech, "read_lexicon", lambda p: reads.append(p) or real(p))
    spoken("NATO")
    spoken("NATO again")
    assert len(reads) == 1


def test_missing_env_lexicon_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(speech.LEXICON_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(ProfileError) as err:
        spoken("anything")
    assert "nope.toml" in err.value.one_line() and speech.LEXICON_ENV in err.value.one_line()


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[words]\nNATO = "Nato"\nBBC = 5\n', ["words.BBC", "(line 3)", "must be a string"]),
        ('[words]\nNATO = "Nato"\n"Le Pen" = true\n', ["words.Le Pen", "(line 3)"]),
        ('[words]\nok = "fine"\nNATO = "  "\n', ["words.NATO", "(line 3)", "blank"]),
        ('[wordz]\nNATO = "Nato"\n', ["wordz", "(line 1)", "not a known table"]),
        ('words = "x"\n', ["words", "(line 1)", "must be a table"]),
        ('[words]\nNATO = "Nato\n', ["line 2"]),  # TOML syntax: tomllib names the line
        ('[words]\n" NATO" = "Nato"\n', ["words. NATO", "(line 2)"]),
    ],
)
def test_malformed_lexicon_names_file_key_and_line(tmp_path, text, expected):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ProfileError) as err:
        speech.read_lexicon(path)
    line = err.value.one_line()
    assert "\n" not in line and str(path) in line and err.value.hint
    for part in expected:
        assert part in line


def test_lexicon_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('[words]\nJosé = "Hosay"\n'.encode("latin-1"))
    with pytest.raises(ProfileError, match="UTF-8"):
        speech.read_lexicon(path)


def test_empty_lexicon_file_is_fine(tmp_path):
    assert speech.load_lexicon([write(tmp_path / "empty.toml", "# nothing yet\n")])("NATO") == "NATO"


# --- properties --------------------------------------------------------------------------

NEWS_TOKENS = [
    "£5m", "$2.3bn", "€40", "50p", "US$", "£5-6m", "3.5%", "per", "cent", "1st", "22nd", "3", "March", "2024",
    "2024-03-03", "1990s", "’90s", "'80s", "9am", "9.30pm", "21:45", "GMT", "bbc.co.uk/news", "a@b.org",
    "J.K.", "W.", "BBC", "NHS", "NATO", "MPs", "US", "us", "IT", "it", "Mr", "Dr", "St", "No", "10", "II",
    "Henry", "War", "-", "–", "—", "/", ":", ",", ".", "'", "’", "“", "(", ")", "0800", "1,234", "2.5", "e.g.",
]
UNITS = re.compile(r"[^\W\d_]+|\d|[^\w\s]")


def units(text: str) -> int:
    """Words, digits and marks: what a reader could say a word or more for."""
    return len(UNITS.findall(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(NEWS_TOKENS), st.text(max_size=8)), max_size=12).map(" ".join))
def test_spoken_never_raises_nor_balloons(text):
    out = spoken(text)
    assert isinstance(out, str)
    assert len(out.split()) <= 4 * max(units(text), 1)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(NEWS_TOKENS + ["the", "said", "London", "Smith"]), min_size=1, max_size=10).map(" ".join))
def test_spoken_is_stable_on_its_own_output(text):
    once = spoken(text)
    assert spoken(once) == once
