"""Building on a Dask cluster: a real LocalCluster, the real speech engine, real ffmpeg."""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from audiobook.distributed import build_on_cluster
from audiobook.errors import AudiobookError, DependencyError, InputError
from audiobook.pipeline import Options
from audiobook.tag import read_tags

NEEDS_DASK = "dask.distributed is not installed (pip install 'audiobook[dask]', or the test extra)"

HARBOUR = """Harbour wall repaired before winter storms

By Ana Ruiz

Workers finished the new harbour wall at Kelby on Monday.

“It will keep the boats safe,” said the harbour master.
"""

BAKERY = """Village bakery reopens

The bakery on Mill Lane opened its doors again this morning after a flood.
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_builds_each_article_and_reports_the_bad_one(tmp_path, monkeypatch):
    dask = pytest.importorskip("dask", reason=NEEDS_DASK)
    distributed = pytest.importorskip("distributed", reason=NEEDS_DASK)
    cache = tmp_path / "cache"
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(cache))  # inherited by the worker processes too
    monkeypatch.chdir(tmp_path)  # relative paths here must reach the workers as absolute ones
    Path("harbour.txt").write_text(HARBOUR, encoding="utf-8")
    Path("bakery.txt").write_text(BAKERY, encoding="utf-8")
    Path("empty.txt").write_text("", encoding="utf-8")
    options = Options(show="Cluster News", jobs=1, cache_dir="cache")
    finished = []

    started = time.perf_counter()
    # Synthesis starts processes of its own, which daemonic workers may not.
    with dask.config.set({"distributed.worker.daemon": False}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        with cluster:
            results = build_on_cluster(
                ["harbour.txt", "empty.txt", "bakery.txt"],
                Path("episodes"),
                options,
                cluster.scheduler_address,
                on_result=lambda *r: finished.append(r[0]),
            )
    assert cluster.status.name == "closed"
    assert time.perf_counter() - started < 60

    assert [r[0] for r in results] == ["harbour.txt", "empty.txt", "bakery.txt"]
    assert sorted(finished) == sorted(r[0] for r in results)
    (_, harbour, harbour_err), (_, empty, empty_err), (_, bakery, bakery_err) = results
    assert harbour_err is None and bakery_err is None
    assert empty is None and "empty.txt" in empty_err and "(" in empty_err  # the message and its hint
    for episode, title in ((harbour, "Harbour wall repaired before winter storms"), (bakery, "Village bakery reopens")):
        assert episode.mp3 == tmp_path / "episodes" / episode.mp3.name and episode.mp3.is_file()
        assert episode.script_json.is_file() and episode.duration > 1
        tags = read_tags(episode.mp3)
        assert (tags["title"], tags["album"]) == (title, "Cluster News")
    assert read_tags(harbour.mp3)["artist"] == "Ana Ruiz"
    assert sorted(p.name for p in (tmp_path / "episodes").glob("*.mp3")) == ["bakery.mp3", "harbour.mp3"]
    assert any((cache / "clips").rglob("*.wav"))  # the workers used the cache they were given


def test_daemonic_workers_are_refused_before_any_work(tmp_path):
    distributed = pytest.importorskip("distributed", reason=NEEDS_DASK)
    article = tmp_path / "a.txt"
    article.write_text(BAKERY, encoding="utf-8")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with pytest.raises(AudiobookError) as caught:
            build_on_cluster([str(article)], tmp_path / "out", Options(), cluster.scheduler_address)
    assert "daemonic" in caught.value.message
    assert "DASK_DISTRIBUTED__WORKER__DAEMON=False" in caught.value.hint
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_fails_within_the_timeout(tmp_path):
    pytest.importorskip("distributed", reason=NEEDS_DASK)
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        build_on_cluster([str(tmp_path / "a.txt")], tmp_path, Options(), f"tcp://127.0.0.1:{_free_port()}", timeout=1)
    assert time.perf_counter() - started < 15
    assert "cannot reach the Dask scheduler" in caught.value.message and "dask scheduler" in caught.value.hint


def test_malformed_scheduler_address_is_an_input_error(tmp_path):
    pytest.importorskip("distributed", reason=NEEDS_DASK)
    with pytest.raises(InputError, match="missing port"):
        build_on_cluster([str(tmp_path / "a.txt")], tmp_path, Options(), "localhost", timeout=1)


def test_missing_dask_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import now fails, as without the package
    with pytest.raises(DependencyError) as caught:
        build_on_cluster([str(tmp_path / "a.txt")], tmp_path, Options(), "tcp://127.0.0.1:8786")
    assert caught.value.hint == "pip install 'audiobook[dask]'"


@pytest.mark.parametrize(
    "sources, out, match",
    [(["-"], "out", "stdin"), (["a.txt", "b.txt"], "one.mp3", "one .mp3 file")],
)
def test_requests_no_worker_could_serve_are_refused(tmp_path, sources, out, match):
    with pytest.raises(InputError, match=match):
        build_on_cluster(sources, tmp_path / out, Options(), "tcp://127.0.0.1:8786")


def test_cli_build_with_dask_scheduler(tmp_path):
    """`audiobook build --dask-scheduler` goes through the same cluster path."""
    pytest.importorskip("distributed", reason="dask.distributed not installed (pip install 'audiobook[dask]')")
    import os
    import subprocess
    import sys

    import dask
    from distributed import LocalCluster

    good = tmp_path / "good.txt"
    good.write_text("The council met on Tuesday.\n\n“We agreed the budget,” said Ann Lee.\n", encoding="utf-8")
    bad = tmp_path / "empty.txt"
    bad.write_text("   \n", encoding="utf-8")
    with dask.config.set({"distributed.worker.daemon": False}):
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(tmp_path / "cache")}
            res = subprocess.run(
                [sys.executable, "-m", "audiobook", "build", str(good), str(bad), "-o", str(tmp_path / "out"), "--dask-scheduler", cluster.scheduler_address],
                capture_output=True, text=True, env=env, timeout=300,
            )
    assert res.returncode == 1, res.stderr
    assert (tmp_path / "out" / "good.mp3").exists()
    assert "empty.txt" in res.stderr and "Traceback" not in res.stderr
