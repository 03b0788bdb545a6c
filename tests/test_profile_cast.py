"""Voice profiles (parsing, validation, resolution) and casting."""
from __future__ import annotations

import pytest

from audiobook.cast import cast
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
