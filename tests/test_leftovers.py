"""Temporary files of a build killed outright (SIGKILL, a power cut) are swept by the next build."""
from __future__ import annotations

import os
import time

from click.testing import CliRunner

from audiobook.atomic import STALE_AFTER, sweep_leftovers, temp_beside
from audiobook.cli import main

HOUR = 3600


def _aged(path, seconds):
    path.write_bytes(b"half an episode")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_only_our_stale_temporary_files_are_swept(tmp_path):
    stale = [
        _aged(tmp_path / ".news.mp3.4242.part", 2 * HOUR),  # an encoder's
        _aged(tmp_path / ".news.mp3.4242.1.part", 2 * HOUR),  # a piece of a parallel encode
        _aged(temp_beside(tmp_path / "news.json"), 2 * HOUR),  # a sidecar staged by atomic.py
    ]
    kept = [
        _aged(tmp_path / ".news.mp3.4243.part", 60),  # a build running right now
        _aged(tmp_path / "news.mp3", 2 * HOUR),  # an episode
        _aged(tmp_path / ".news.mp3.part", 2 * HOUR),  # not a name we give
        _aged(tmp_path / "download.mp3.4242.part", 2 * HOUR),  # not hidden
        _aged(tmp_path / ".notes.txt", 2 * HOUR),
    ]
    (tmp_path / ".dir.mp3.1.part").mkdir()  # a folder, whatever its name
    assert sweep_leftovers(tmp_path) == len(stale)
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept) and (tmp_path / ".dir.mp3.1.part").is_dir()
    assert sweep_leftovers(tmp_path / "missing") == 0
    assert STALE_AFTER >= HOUR  # long past the last write of any live build


def test_the_next_build_sweeps_its_output_folder(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    stale = _aged(out / ".old.mp3.999999.part", 2 * HOUR)
    fresh = _aged(out / ".other.mp3.999998.part", 10)
    article = tmp_path / "bad.txt"
    article.write_text("   \n", encoding="utf-8")  # fails at once: the sweep does not wait for a good build
    result = CliRunner().invoke(main, ["build", str(article), "-o", str(out)])
    assert result.exit_code == 2
    assert not stale.exists() and fresh.exists()
