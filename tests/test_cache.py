"""The clip cache: sizes, least-recently-used eviction, hits that count as use,
and the `audiobook cache` commands."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobook import cache
from audiobook.cli import main
from audiobook.errors import InputError
from audiobook.synthesize import clip_path, synthesize
from tests.test_synthesize import FAKE, _calls, _utts, fake_dir  # noqa: F401 - fake_dir is a fixture


def invoke(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize(
    ("text", "size"),
    [("2G", 2 * 1024**3), ("500M", 500 * 1024**2), ("1.5GiB", 1536 * 1024**2), ("100k", 102400), ("123", 123), (" 2 gb ", 2 * 1024**3)],
)
def test_parse_size(text, size):
    assert cache.parse_size(text) == size


@pytest.mark.parametrize("bad", ["", "lots", "2X", "-1G"])
def test_parse_size_rejects_nonsense(bad):
    with pytest.raises(InputError):
        cache.parse_size(bad)


def test_cap_from_environment(monkeypatch):
    monkeypatch.delenv(cache.ENV_MAX, raising=False)
    assert cache.cache_max() == cache.DEFAULT_MAX == 2 * 1024**3
    monkeypatch.setenv(cache.ENV_MAX, "500M")
    assert cache.cache_max() == 500 * 1024**2
    assert cache.cache_max(1000) == 1000  # --cache-max wins


def _fake_clip(root: Path, n: int, size: int, age: float) -> Path:
    path = clip_path(root, f"{n:02d}" + "0" * 62)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (1_000_000 + age, 1_000_000 + age))
    return path


def test_eviction_removes_least_recently_used_first_and_spares_the_build(tmp_path):
    clips = [_fake_clip(tmp_path, n, 1000, age=n) for n in range(10)]  # clip 9 is the newest
    assert cache.evict(tmp_path, 10_000) == (0, 0)  # at the cap: nothing to do
    removed, freed = cache.evict(tmp_path, 4500, keep=[clips[0]])
    assert (removed, freed) == (6, 6000)
    assert [p.exists() for p in clips] == [True] + [False] * 6 + [True] * 3
    # the current build's clips stay even when they alone exceed the cap
    assert cache.evict(tmp_path, 100, keep=clips) == (0, 0)
    assert cache.info(tmp_path, cap=100).clips == 4


def test_a_cache_hit_counts_as_use(tmp_path, fake_dir):  # noqa: F811
    utts = _utts("An old sentence here.", "A fresh sentence here.")
    first = synthesize(utts[:1], engine=FAKE, jobs=1, cache_dir=tmp_path)
    second = synthesize(utts[1:], engine=FAKE, jobs=1, cache_dir=tmp_path)
    os.utime(first[0].path, (1_000_000, 1_000_000))
    os.utime(second[0].path, (1_000_001, 1_000_001))
    again = synthesize(utts[:1], engine=FAKE, jobs=1, cache_dir=tmp_path)  # a hit: no engine call
    assert again == first and len(_calls(fake_dir)) == 2
    size = first[0].path.stat().st_size
    cache.evict(tmp_path, size)
    assert first[0].path.exists() and not second[0].path.exists()


def test_cache_info_and_clear(tmp_path):
    for n in range(3):
        _fake_clip(tmp_path / "c", n, 2048, age=n)
    env = {"AUDIOBOOK_CACHE_DIR": str(tmp_path / "c"), "AUDIOBOOK_CACHE_MAX": "500M"}
    res = invoke("cache", "info", env=env)
    assert res.exit_code == 0, res.output
    assert str(tmp_path / "c") in res.output
    assert "clips: 3" in res.output and "6.0 KiB" in res.output and "500.0 MiB" in res.output
    res = invoke("cache", "clear", env=env)
    assert res.exit_code == 0 and "removed 3 clips" in res.output
    assert "clips: 0" in invoke("cache", "info", env=env).output
    assert invoke("cache", "clear", env={"AUDIOBOOK_CACHE_DIR": str(tmp_path / "never")}).exit_code == 0


@pytest.mark.parametrize("command", [["cache"], ["cache", "info"], ["cache", "clear"]])
def test_cache_commands_have_help_with_an_example(command):
    res = invoke(*command, "--help")
    assert res.exit_code == 0
    assert "Example" in res.output and "audiobook cache" in res.output


def test_bad_cache_max_is_a_usage_error(tmp_path):
    res = invoke("build", "x.txt", "--cache-max", "lots")
    assert res.exit_code == 2 and "not a size" in res.output
