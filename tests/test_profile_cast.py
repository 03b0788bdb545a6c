"""Voice profiles (parsing, validation, resolution) and casting."""
from __future__ import annotations

import pytest

from audiobook.cast import assign_voices, cast
from audiobook.engines.base import EngineVoice
from audiobook.errors import ProfileError
from audiobook.models import Article, Segment, VoiceSettings
from audiobook.profile import indistinct, load_profile, resolve

ESPEAK_LIKE = [
    EngineVoice("gmw/en", "English (Great Britain)", ("en-gb",), "male"),
    EngineVoice("gmw/en-gb-x-rp", "English (Received Pronunciation)", ("en-gb-x-rp",), "male"),
    EngineVoice("gmw/en-us", "English (America)", ("en-us",), "male"),
    EngineVoice("gmw/en-gb-scotland", "English (Scotland)", ("en-gb-scotland",), "male"),
    EngineVoice("roa/fr", "French", ("fr-fr",), "male"),
]
VARIANTS = ["f2", "f3", "f4", "m3", "m7", "klatt"]
SAPI_LIKE = [
    EngineVoice("HKEY\\Tokens\\David", "Microsoft David Desktop - English (United States)", ("en-us",), "male"),
    EngineVoice("HKEY\\Tokens\\Zira", "Microsoft Zira Desktop - English (United States)", ("en-us",), "female"),
]


def write_profile(tmp_path, text):
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_profile_resolves_on_espeak_with_distinct_voices():
    voices = resolve(load_profile("default"), ESPEAK_LIKE, VARIANTS)
    assert voices["narrator"].engine_voice == "gmw/en-gb-x-rp"
    assert voices["quote-1"].engine_voice == "gmw/en-us+f3"
    pool = [v for k, v in voices.items() if k != "narrator"]
    assert len(pool) == 6
    assert not any(indistinct(v, voices["narrator"]) for v in pool)
    assert all(v.rate == 170 for v in voices.values())


def test_default_profile_resolves_on_sapi5_names_without_pitch_or_variants():
    voices = resolve(load_profile("default"), SAPI_LIKE, [])
    assert voices["narrator"].label.startswith("Microsoft David")
    assert voices["quote-1"].label.startswith("Microsoft Zira")
    assert all(v.variant is None and v.pitch is None for v in voices.values())
    # David is the narrator: the pool voice asking for David must not reuse him
    assert all(not indistinct(v, voices["narrator"]) for k, v in voices.items() if k != "narrator")


def test_unknown_voice_fails_with_the_list_of_available_voices(tmp_path):
    path = write_profile(tmp_path, '[narrator]\ncandidates = [{ id = "xx/nowhere" }]\n[[quotes]]\ncandidates = [{ language = "en" }]\n')
    with pytest.raises(ProfileError) as err:
        resolve(load_profile(path), ESPEAK_LIKE, VARIANTS)
    msg = err.value.one_line()
    assert "narrator" in msg and "xx/nowhere" in msg and "gmw/en-us (English (America))" in msg
    assert "audiobook voices" in msg


@pytest.mark.parametrize(
    "text, key",
    [
        ('[narrator]\nrate = "fast"\ncandidates = [{ id = "gmw/en" }]\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n', "narrator.rate (line 2)"),
        ('[narrator]\npitch = 300\ncandidates = [{ id = "gmw/en" }]\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n', "narrator.pitch (line 2)"),
        ('[narrator]\ncandidates = [{ idd = "gmw/en" }]\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n', "narrator.candidates[0].idd (line 2)"),
        ('[narrator]\ncandidates = [{ id = "gmw/en" }]\n[[quotes]]\nvolume = 2\ncandidates = [{ id = "gmw/en-us" }]\n', "quotes[0].volume (line 4)"),
        ('[narrator]\ncandidates = []\n[[quotes]]\ncandidates = [{ id = "gmw/en-us" }]\n', "narrator.candidates (line 2)"),
        ('colour = "blue"\n[narrator]\ncandidates = [{ id = "gmw/en" }]\n', "colour (line 1)"),
    ],
)
def test_wrongly_typed_profile_names_the_key_and_line(tmp_path, text, key):
    with pytest.raises(ProfileError) as err:
        load_profile(write_profile(tmp_path, text))
    assert key in err.value.one_line()
    assert err.value.exit_code == 2


def test_malformed_toml_names_the_line(tmp_path):
    with pytest.raises(ProfileError) as err:
        load_profile(write_profile(tmp_path, '[narrator]\nrate = = 3\n'))
    assert "line 2" in err.value.one_line()


def test_unknown_profile_name_lists_the_known_ones():
    with pytest.raises(ProfileError) as err:
        load_profile("no-such-profile")
    assert "use one of: default" in err.value.one_line()


def test_pool_voice_that_sounds_like_the_narrator_is_left_out(tmp_path):
    path = write_profile(
        tmp_path,
        '[narrator]\npitch = 50\ncandidates = [{ id = "gmw/en-us" }]\n'
        '[[quotes]]\npitch = 55\ncandidates = [{ id = "gmw/en-us" }]\n'
        '[[quotes]]\ncandidates = [{ id = "gmw/en-us", variant = "f3" }]\n',
    )
    voices = resolve(load_profile(path), ESPEAK_LIKE, VARIANTS)
    assert list(voices) == ["narrator", "quote-2"]


def test_indistinct():
    a = VoiceSettings("a", "v", pitch=40)
    assert indistinct(a, VoiceSettings("b", "v", pitch=50))
    assert not indistinct(a, VoiceSettings("b", "v", pitch=60))
    assert not indistinct(a, VoiceSettings("b", "v", variant="f3", pitch=40))


def test_cast_gives_narration_the_narrator_and_each_speaker_a_stable_voice():
    voices = resolve(load_profile("default"), ESPEAK_LIKE, VARIANTS)
    segs = [
        Segment("narration", "Intro ", 0),
        Segment("quote", "Hi.", 0, "“", "”", speaker="Ann Lee"),
        Segment("quote", "Yo.", 1, "“", "”", speaker="Bob Ray"),
        Segment("quote", "Again.", 2, "“", "”", speaker="Ann Lee"),
        Segment("quote", "Who?", 3, "“", "”"),
    ]
    script = cast(Article("x", ("Intro “Hi.”", "“Yo.”", "“Again.”", "“Who?”")), segs, voices, title="T")
    assert [s.voice for s in script.segments] == ["narrator", "quote-2", "quote-3", "quote-2", "quote-1"]
    assert set(script.voices) == {"narrator", "quote-1", "quote-2", "quote-3"}
    assert script.paragraphs == ["Intro “Hi.”", "“Yo.”", "“Again.”", "“Who?”"]


def quotes_by(*speakers):
    return [Segment("quote", f"Words {i}.", i, "“", "”", speaker=s) for i, s in enumerate(speakers)]


POOL = ["quote-1", "quote-2", "quote-3", "quote-4"]


def test_one_person_spelled_three_ways_gets_one_voice():
    voices = assign_voices(quotes_by("Gerhard Müller", "Ann Lee", "Gerhard Muller", "Mr Mueller"), POOL)
    assert voices["Gerhard Müller"] == voices["Gerhard Muller"] == voices["Mr Mueller"] != voices["Ann Lee"]


def test_consecutive_speakers_never_share_a_voice_when_speakers_outnumber_voices():
    # five people, three named voices: voices are reused, never back to back
    order = ["A One", "B Two", "C Three", "A One", "D Four", "B Two", "E Five", "C Three"]
    segs = quotes_by(*order)
    voices = assign_voices(segs, POOL)
    assert set(voices.values()) <= {"quote-2", "quote-3", "quote-4"}  # quote-1 is for unknown speakers
    heard = [voices[s] for s in order]
    assert all(a != b for a, b in zip(heard, heard[1:])), heard


def test_unknown_speakers_get_their_own_voice_and_never_the_narrators():
    voices = resolve(load_profile("default"), ESPEAK_LIKE, VARIANTS)
    segs = quotes_by("Ann Lee", None, "Bob Ray") + [Segment("narration", "Then.", 9)]
    script = cast(Article("x", tuple(f"“Words {i}.”" for i in range(3)) + ("Then.",) * 7), segs, voices, title="T")
    got = [s.voice for s in script.segments]
    assert got[1] == "quote-1" and got[0] not in ("quote-1", "narrator") and got[2] not in ("quote-1", "narrator", got[0])
    assert got[3] == "narrator"


def test_stable_voices_follow_the_name_across_episodes():
    first = assign_voices(quotes_by("Ann Lee", "Bob Ray", "Cy Dee"), POOL, stable=True)
    second = assign_voices(quotes_by("Cy Dee", "Dan Eve", "Ann Lee"), POOL, stable=True)
    assert first["Ann Lee"] == second["Ann Lee"] and first["Cy Dee"] == second["Cy Dee"]
    # without --stable-voices, voices are dealt in order of appearance
    assert assign_voices(quotes_by("Cy Dee", "Ann Lee"), POOL) == {"Cy Dee": "quote-2", "Ann Lee": "quote-3"}


def test_partial_quotes_read_by_the_narrator_carry_no_speaker():
    voices = resolve(load_profile("default"), ESPEAK_LIKE, VARIANTS)
    segs = [Segment("narration", "He called it ", 0), Segment("narration", "a disgrace", 0, "“", "”", speaker="Ann Lee")]
    script = cast(Article("x", ("He called it “a disgrace”",)), segs, voices, title="T")
    assert [(s.voice, s.speaker) for s in script.segments] == [("narrator", None), ("narrator", None)]
