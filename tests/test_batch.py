"""Batches through the real engine and ffmpeg: folders and globs, skipping what is
unchanged, one shared synthesis run, failures that stay with their article."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobook import batch
from audiobook import synthesize as synth
from audiobook.batch import expand_inputs
from audiobook.cli import main
from audiobook.errors import SynthesisError
from audiobook.pipeline import Options, build_key

ARTICLE = "Harbour {n} reopens\n\nThe harbour opened today. “It is great news,” said Ann Lee.\n"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AUDIOBOOK_CACHE_MAX", raising=False)
    return tmp_path / "cache"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def synth_calls(monkeypatch):
    """Every synthesize() call (its utterance texts), and every clip sent to a worker."""
    calls, synthesised = [], []
    real, real_workers = synth.synthesize, synth._run_workers

    def counting(utterances, **kw):
        utterances = list(utterances)
        calls.append([u.text for u in utterances])
        return real(utterances, **kw)

    def counting_workers(tasks, **kw):
        synthesised.extend(text for text, _, _ in tasks.values())
        return real_workers(tasks, **kw)

    monkeypatch.setattr(synth, "synthesize", counting)
    monkeypatch.setattr(synth, "_run_workers", counting_workers)
    return calls, synthesised


def test_unchanged_article_is_skipped_until_it_or_an_option_changes(tmp_path, synth_calls, monkeypatch):
    calls, synthesised = synth_calls
    article = write(tmp_path / "a.txt", ARTICLE.format(n=1))
    out = tmp_path / "out"
    res = invoke("build", article, "-o", out)
    assert res.exit_code == 0, res.output
    mp3, js = out / "a.mp3", out / "a.json"
    build = json.loads(js.read_text())["build"]
    assert build["key"] == build_key(str(article), Options()) and build["version"] and build["duration"] > 1
    assert len(calls) == 1 and synthesised
    stamp = (mp3.stat().st_mtime_ns, js.stat().st_mtime_ns)

    def no_work(*a, **k):
        raise AssertionError("an unchanged episode was rebuilt")

    with monkeypatch.context() as m:
        m.setattr(batch, "_build_all", no_work)
        res = invoke("build", article, "-o", out)
    assert res.exit_code == 0, res.output
    assert "skipped" in res.output
    assert (mp3.stat().st_mtime_ns, js.stat().st_mtime_ns) == stamp

    # --force rebuilds, from the clip cache alone
    synthesised.clear()
    res = invoke("build", article, "-o", out, "--force")
    assert res.exit_code == 0 and "built in" in res.output
    assert len(calls) == 2 and synthesised == []
    assert mp3.stat().st_mtime_ns != stamp[0]

    # an option that shapes the audio rebuilds
    res = invoke("build", article, "-o", out, "--bitrate", "64k")
    assert res.exit_code == 0 and "built in" in res.output and len(calls) == 3
    # ... one that does not (jobs) skips
    res = invoke("build", article, "-o", out, "--bitrate", "64k", "-j", "1")
    assert "skipped" in res.output and len(calls) == 3

    # editing the article rebuilds, synthesising only the changed sentence
    write(article, ARTICLE.format(n=1) + "\nIt rained all day.\n")
    res = invoke("build", article, "-o", out, "--bitrate", "64k")
    assert res.exit_code == 0 and "built in" in res.output and len(calls) == 4
    assert synthesised == ["It rained all day."]


def test_build_key_covers_what_shapes_the_episode(tmp_path):
    article = write(tmp_path / "a.txt", ARTICLE.format(n=1))
    base = build_key(str(article), Options())
    assert base == build_key(str(article), Options(jobs=3, cache_dir="x", cache_max=1))
    for changed in (Options(title="T"), Options(show="S"), Options(sample_rate=48000), Options(id3_version=4), Options(stable_voices=True)):
        assert build_key(str(article), changed) != base
    assert build_key("-", Options()) is None
    assert build_key(str(tmp_path / "missing.txt"), Options()) is None


def test_build_key_follows_the_users_lexicon(tmp_path, monkeypatch):
    from audiobook import speech

    article = write(tmp_path / "a.txt", ARTICLE.format(n=1))
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[words]\nQuay = "Key"\n', encoding="utf-8")
    monkeypatch.setenv("AUDIOBOOK_LEXICON", str(lexicon))
    speech.reset_lexicon()
    before = build_key(str(article), Options())
    lexicon.write_text('[words]\nQuay = "Kway"\n', encoding="utf-8")
    assert build_key(str(article), Options()) != before  # said differently: rebuilt, not skipped
    speech.reset_lexicon()


def test_a_bad_lexicon_fails_before_any_work(tmp_path, monkeypatch, synth_calls):
    from audiobook import speech
    from audiobook.errors import ProfileError

    calls, _ = synth_calls
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[words]\nQuay = 5\n', encoding="utf-8")
    monkeypatch.setenv("AUDIOBOOK_LEXICON", str(lexicon))
    speech.reset_lexicon()
    try:
        with pytest.raises(ProfileError, match="words.Quay"):
            batch.build_batch([str(write(tmp_path / "a.txt", ARTICLE.format(n=1)))], tmp_path / "out")
    finally:
        speech.reset_lexicon()
    assert calls == [] and not (tmp_path / "out" / "a.mp3").exists()


def test_folder_and_glob_batch_with_a_bad_article(tmp_path, synth_calls):
    calls, _ = synth_calls
    for n in (1, 2):
        write(tmp_path / "in" / f"a{n}.txt", ARTICLE.format(n=n))
    write(tmp_path / "in" / "empty.txt", "\n\n")  # nothing to read: fails at the text stage
    write(tmp_path / "in" / "notes.json", "{}")  # not an article: a folder does not give it
    write(tmp_path / "more" / "b.md", "# Boats\n\nThe boats came back. “We missed it,” said Bob Ray.\n")
    out = tmp_path / "out"
    res = invoke("build", tmp_path / "in", f"{tmp_path}/more/*.md", "-o", out)
    assert res.exit_code == 1, res.output
    assert sorted(p.name for p in out.glob("*.mp3")) == ["a1.mp3", "a2.mp3", "b.mp3"]
    assert len(calls) == 1  # one synthesis run, one pool, for the whole batch
    errors = [line for line in res.stderr.splitlines() if line.startswith("audiobook: error:")]
    assert len(errors) == 1 and "empty.txt" in errors[0]
    assert "status" in res.stderr and "4 articles: 3 built, 0 skipped, 1 failed" in res.stderr
    row = next(line for line in res.stderr.splitlines() if "empty.txt" in line and "failed" in line)
    assert "the article is empty" in row

    res = invoke("build", tmp_path / "in" / "a1.txt", tmp_path / "in" / "a2.txt", "-o", out)
    assert res.exit_code == 0 and "2 articles: 0 built, 2 skipped, 0 failed" in res.stderr


def test_a_synthesis_failure_stays_with_its_article(tmp_path, monkeypatch):
    real = synth.synthesize

    def flaky(utterances, **kw):
        utterances = list(utterances)
        if any("Boom" in u.text for u in utterances):
            raise SynthesisError("could not synthesise 'Boom'", hint="retry")
        return real(utterances, **kw)

    monkeypatch.setattr(synth, "synthesize", flaky)
    good = write(tmp_path / "good.txt", ARTICLE.format(n=1))
    bad = write(tmp_path / "bad.txt", "Boom goes the harbour.\n")
    outcomes = batch.build_batch([str(good), str(bad)], tmp_path / "out", Options())
    assert [o.status for o in outcomes] == ["built", "failed"]
    assert "Boom" in outcomes[1].error.message
    assert (tmp_path / "out" / "good.mp3").is_file() and not (tmp_path / "out" / "bad.mp3").exists()


def test_same_output_name_is_rejected_before_any_work(tmp_path, synth_calls):
    calls, _ = synth_calls
    one = write(tmp_path / "x" / "news.txt", ARTICLE.format(n=1))
    two = write(tmp_path / "y" / "news.md", ARTICLE.format(n=2))
    res = invoke("build", one, two, "-o", tmp_path / "out")
    assert res.exit_code == 2
    assert "would both be written to" in res.stderr and str(tmp_path / "out" / "news.mp3") in res.stderr
    assert calls == [] and not (tmp_path / "out").exists()


def test_expand_inputs(tmp_path):
    for name in ("b.txt", "a.md", "c.html", "d.htm", "e.markdown", "skip.json"):
        write(tmp_path / "d" / name, "x")
    folder = [str(tmp_path / "d" / n) for n in ("a.md", "b.txt", "c.html", "d.htm", "e.markdown")]
    assert expand_inputs([str(tmp_path / "d")]) == folder
    # a glob adds only what the folder did not already give
    assert expand_inputs([str(tmp_path / "d"), str(tmp_path / "d" / "*.txt")]) == folder
    assert expand_inputs(["-", "missing.txt"]) == ["-", "missing.txt"]
    res = invoke("build", str(tmp_path / "d" / "*.rst"))
    assert res.exit_code == 2 and "no file matches" in res.stderr


def test_a_tiny_cache_cap_keeps_only_the_latest_builds_clips(tmp_path, cache):
    first = write(tmp_path / "first.txt", "The first article is short.\n")
    second = write(tmp_path / "second.txt", "The second one is short too.\n")
    assert invoke("build", first, "-o", tmp_path / "out").exit_code == 0
    old = set(cache.rglob("*.wav"))
    res = invoke("build", second, "-o", tmp_path / "out", "--cache-max", "1")
    assert res.exit_code == 0, res.output
    left = set(cache.rglob("*.wav"))
    assert left and not (left & old)  # the older build's clips went; this build's stayed


def test_estimated_words_from_sizes_for_starting_workers(tmp_path):
    from audiobook.batch import _estimated_words

    text = tmp_path / "a.txt"
    text.write_text("word " * 1000)
    page = tmp_path / "b.html"
    page.write_text("<p>" + "word " * 1000 + "</p>" + "<script></script>" * 3000)
    assert 700 < _estimated_words([str(text)]) < 1300
    # a saved page is mostly markup
    assert _estimated_words([str(page)]) < 2000
    # a missing file fails in its turn and adds nothing; stdin and URLs cannot be told
    assert _estimated_words([str(text), str(tmp_path / "missing.txt")]) == _estimated_words([str(text)])
    assert _estimated_words([str(text), "-"]) is None
    assert _estimated_words(["https://example.com/a"]) is None
