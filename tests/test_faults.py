"""Fault tests (issue 6): a build that meets a fault either recovers or stops
with one line and an exit code, leaving no partial file, no stray process and
the previous episode as it was.

Faults: a speech worker killed mid-batch; the disk filling while the MP3, its
tags, cover, transcript or JSON are written (injected ENOSPC, and a real one
on a small tmpfs where mounting is allowed); SIGINT and SIGTERM while the
episode is encoding; a clip that comes back empty; an engine call that never
returns.  The unit-level behaviour of the worker pool is in test_synthesize.py
(test_hanging_worker_is_replaced_and_retried, test_dead_worker_is_replaced_and_retried,
test_empty_clip_counts_as_failure, test_repeated_failure_raises_synthesis_error_naming_the_text);
these tests drive the CLI and look at what is left afterwards.

The in-process tests swap the engine for FaultyEngine (below) by making
"auto" resolve to it; the workers, spawned, import it from this module.
"""
from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from audiobook import engines, mp3join, stitch
from audiobook.cli import main
from audiobook.engines import EngineVoice
from audiobook.stitch import find_ffmpeg
from tests.test_synthesize import FakeEngine, _calls

ROOT = Path(__file__).resolve().parent.parent
FAULTY = f"{__name__}:FaultyEngine"
HELD = "The HOLD sentence waits for a kill."


class FaultyEngine(FakeEngine):
    """FakeEngine with a second voice (profiles want a quote voice distinct from
    the narrator's) and the faults these tests need, named in the text:

    HOLD      the first call records its process id in held.pid and waits to be killed
    BLANK     the first call writes an empty clip
    STALL     every call hangs
    (and FakeEngine's own: EMPTY always writes an empty clip, HANG-ONCE hangs once)
    """

    def voices(self):
        return [EngineVoice("fake/en", "Fake English", ("en",), "male"), EngineVoice("fake/en-f", "Fake English F", ("en",), "female")]

    def synthesize(self, text, voice, path):
        if "HOLD" in text and self._once("hold", text):
            self._log(text)
            marker = self.state / "held.pid"
            marker.with_suffix(".tmp").write_text(str(os.getpid()))
            marker.with_suffix(".tmp").rename(marker)  # the test reads only a whole pid
            time.sleep(60)
        if "BLANK" in text and self._once("blank", text):
            self._log(text)
            out = path.with_suffix(".wav")
            out.write_bytes(b"")
            return out
        if "STALL" in text:
            self._log(text)
            time.sleep(60)
        return super().synthesize(text, replace(voice, voice_id="fake/en"), path)

    def _log(self, text: str) -> None:
        with open(self.state / "calls.log", "a", encoding="utf-8") as log:
            log.write(text + "\n")


# --- helpers -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AUDIOBOOK_CACHE_MAX", raising=False)
    return tmp_path / "cache"


@pytest.fixture
def faulty(tmp_path, monkeypatch):
    """"auto" is FaultyEngine for this test; returns the folder where it logs its calls."""
    state = tmp_path / "engine-state"
    state.mkdir()
    monkeypatch.setenv("FAKE_ENGINE_DIR", str(state))  # the workers, spawned later, inherit it
    real = engines.resolve
    monkeypatch.setattr(engines, "resolve", lambda name="auto": FAULTY if name == "auto" else real(name))
    return state


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def article(n: int, extra: str = "") -> str:
    return f"Harbour {n} reopens\n\nThe harbour opened today. “It is great news,” said Ann Lee.\n{extra}"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def error_line(stderr: str) -> str:
    """The one line on stderr (asserting there is exactly one, and no traceback)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("audiobook: error: ") and "Traceback" not in stderr
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() or p.is_symlink()}


def cache_leftovers(cache: Path) -> list[str]:
    """Anything in the clip cache that is not a finished clip."""
    return [str(p) for p in cache.rglob("*") if p.is_file() and not re.fullmatch(r"[0-9a-f]{64}\.wav", p.name)]


def assert_valid_episode(mp3: Path, *, says: str | None = None) -> dict:
    """The MP3 decodes without a complaint and its JSON matches it; returns the JSON."""
    from mutagen.mp3 import MP3

    decoded = subprocess.run([find_ffmpeg(), "-v", "error", "-i", str(mp3), "-f", "null", "-"], capture_output=True, text=True)
    assert decoded.returncode == 0 and decoded.stderr == "", decoded.stderr
    data = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    length = MP3(mp3).info.length
    assert length > 1 and data["build"]["key"] and abs(data["build"]["duration"] - length) < 0.01
    for suffix in (".vtt", ".srt", ".chapters.json"):
        assert mp3.with_name(mp3.stem + suffix).stat().st_size > 0
    if says is not None:
        assert any(says in seg["text"] for seg in data["segments"])
    return data


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(pids, within: float = 15.0) -> list[int]:
    """The processes among ``pids`` still alive after waiting up to ``within`` seconds."""
    deadline = time.monotonic() + within
    alive = [p for p in pids if not _gone(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if not _gone(p)]
    return alive


def our_processes() -> set[int]:
    """This test process's live descendants, but multiprocessing's resource tracker
    (started with the first spawned worker, it lives as long as pytest)."""
    out = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(proc.cmdline()):
                out.add(proc.pid)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.fixture
def no_stray_processes():
    """Fails the test if it leaves a worker or an ffmpeg running."""
    before = our_processes()
    yield
    assert wait_gone(our_processes() - before) == []


# --- a: a speech worker killed mid-batch ------------------------------------------------


def test_worker_killed_mid_batch_is_replaced_and_every_episode_built(tmp_path, faulty, cache, no_stray_processes):
    sources = [
        write(tmp_path / "in" / "a1.txt", article(1)),
        write(tmp_path / "in" / "a2.txt", article(2, f"\n{HELD} The quay was busy.\n")),
        write(tmp_path / "in" / "a3.txt", article(3)),
    ]
    killed: list[tuple[int, bool]] = []  # (pid, whether it was a process of this build)

    def killer() -> None:
        marker = faulty / "held.pid"
        deadline = time.monotonic() + 60  # hang guard
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        if marker.exists():
            pid = int(marker.read_text())
            ours = pid in {p.pid for p in psutil.Process().children(recursive=True)}
            os.kill(pid, signal.SIGKILL)
            killed.append((pid, ours))

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    res = invoke("build", *sources, "-o", tmp_path / "out", "-j", "2")
    thread.join(60)
    assert res.exit_code == 0, res.output + res.stderr
    assert "3 articles: 3 built, 0 skipped, 0 failed" in res.stderr
    assert "audiobook: error" not in res.stderr
    assert len(killed) == 1 and killed[0][1] and _gone(killed[0][0])
    assert _calls(faulty).count(HELD) == 2  # the killed worker's sentence, once more on a new worker
    for name in ("a1", "a2", "a3"):
        assert_valid_episode(tmp_path / "out" / f"{name}.mp3", says="HOLD" if name == "a2" else None)
    assert sorted(snapshot(tmp_path / "out")) == sorted(
        f"{name}{suffix}" for name in ("a1", "a2", "a3") for suffix in (".mp3", ".json", ".jpg", ".vtt", ".srt", ".chapters.json")
    )
    assert cache_leftovers(cache) == []


# --- b: the disk fills up during a write --------------------------------------------------


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    """A built episode (and its clip cache), for each test to copy and then fail to replace."""
    root = tmp_path_factory.mktemp("good")
    source = write(root / "in" / "news.txt", article(1))
    env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(root / "cache")}
    done = subprocess.run([sys.executable, "-m", "audiobook", "build", str(source), "-o", str(root / "out")],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return root


def _copy_good(good: Path, tmp_path: Path) -> Path:
    for name in ("in", "out", "cache"):
        shutil.copytree(good / name, tmp_path / name, symlinks=True, dirs_exist_ok=True)
    return write(tmp_path / "in" / "news.txt", article(1, "\nThe pier was painted blue overnight.\n"))


class _FullDisk:
    """A file whose writes stop half way with ENOSPC, as on a disk that just filled up."""

    def __init__(self, f) -> None:
        self.f = f

    def write(self, data):
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def _fill_disk_at(where: str, monkeypatch) -> None:
    """Inject ENOSPC at one write of the next build."""
    if where == "encoder":
        # ffmpeg's output goes to /dev/full, through a symlink at the name it writes
        def command(ffmpeg, in_rate, out_path, bitrate, sample_rate):
            if not Path(out_path).is_symlink():
                Path(out_path).symlink_to("/dev/full")
            return real_command(ffmpeg, in_rate, out_path, bitrate, sample_rate)

        real_command = stitch._ffmpeg_command
        monkeypatch.setattr(stitch, "_ffmpeg_command", command)
        monkeypatch.setattr(mp3join, "_ffmpeg_command", command)
        return
    if where == "tags":
        from mutagen.id3 import ID3

        def save(self, filething=None, *args, **kwargs):
            with open(filething, "r+b") as f:  # a tag half written over the audio, then no room
                f.write(b"ID3\x03\x00\x00\x00\x00\x10\x00" + bytes(300))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(ID3, "save", save)
        return
    pattern = {
        "cover": r"\.news\.[^.]+\.partial\.jpg",
        "transcript": r"\.news\.[^.]+\.partial\.vtt",
        "json": r"\.news\.[^.]+\.partial\.json",
    }[where]
    real_open = io.open

    def full_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if "w" in mode and isinstance(file, (str, os.PathLike)) and re.fullmatch(pattern, Path(file).name):
            return _FullDisk(f)
        return f

    monkeypatch.setattr(io, "open", full_open)  # pathlib opens files through io.open


@pytest.mark.parametrize("where", ["encoder", "tags", "cover", "transcript", "json"])
def test_disk_full_keeps_the_previous_episode(tmp_path, monkeypatch, good_build, where, no_stray_processes):
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path / "cache"))
    source = _copy_good(good_build, tmp_path)
    before = snapshot(tmp_path / "out")
    with monkeypatch.context() as m:
        _fill_disk_at(where, m)
        res = invoke("build", source, "-o", tmp_path / "out")
    assert res.exit_code == 2, res.output + res.stderr
    line = error_line(res.stderr)
    assert "the disk is full" in line and res.stdout == ""
    assert snapshot(tmp_path / "out") == before  # no temporary file, the old episode byte for byte
    assert cache_leftovers(tmp_path / "cache") == []
    # with room again, the next run builds it
    res = invoke("build", source, "-o", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    assert_valid_episode(tmp_path / "out" / "news.mp3", says="painted blue")


def _mount_tmpfs(path: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def test_disk_full_on_a_real_small_tmpfs(tmp_path, good_build, monkeypatch, no_stray_processes):
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "small"
    if not _mount_tmpfs(out, "4m"):
        pytest.skip("cannot mount a tmpfs here (needs root and a kernel that lets this container mount)")
    try:
        source = _copy_good(good_build, tmp_path)
        shutil.copytree(tmp_path / "out", out, dirs_exist_ok=True)
        before = snapshot(out)
        # shrink it to what the old episode uses and a few blocks more: too little for a new one
        used = shutil.disk_usage(out).used
        subprocess.run(["mount", "-o", f"remount,size={used + 16 * 1024}", str(out)], check=True)
        res = invoke("build", source, "-o", out)
        assert res.exit_code == 2, res.output + res.stderr
        assert "the disk is full" in error_line(res.stderr)
        assert snapshot(out) == before
    finally:
        subprocess.run(["umount", str(out)], check=False)


# --- c: SIGINT and SIGTERM while encoding ---------------------------------------------------


def _long_article(extra: str = "") -> str:
    """About 2,000 words (twelve minutes of speech, seconds of encoding), made up here."""
    subjects = ["The council", "A ferry operator", "Local traders", "The harbour master", "Residents", "Fishermen", "The mayor", "Visitors"]
    verbs = ["discussed", "welcomed", "questioned", "studied", "praised", "opposed", "reviewed", "announced"]
    objects = ["the new timetable", "the winter service", "repairs to the pier", "the price of tickets", "plans for the quay",
               "a study of the tides", "the budget for next year", "longer opening hours"]
    endings = ["on Tuesday", "after a long debate", "in the town hall", "before the summer", "with some caution",
               "at a public meeting", "for the third time", "without much fuss"]
    paragraphs, words, n = ["Harbour town weighs a long winter of change"], 0, 0
    while words < 2000:
        sentences = []
        for _ in range(4):
            a, b, c, d = (n * 7) % 8, (n * 3 + 1) % 8, (n * 5 + 2) % 8, (n // 8) % 8
            sentence = f"{subjects[a]} {verbs[b]} {objects[c]} {endings[d]}."
            sentences.append(sentence)
            words += len(sentence.split())
            n += 1
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs + ([extra] if extra else [])) + "\n"


def _cli(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "audiobook", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def long_build(tmp_path_factory):
    """A long episode built once; each interrupt test copies it and its cache."""
    root = tmp_path_factory.mktemp("long")
    source = write(root / "in" / "long.txt", _long_article())
    env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(root / "cache")}
    proc = _cli("build", str(source), "-o", str(root / "out"), env=env)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return root


def _encoding(proc: psutil.Process) -> bool:
    try:
        return "libmp3lame" in proc.cmdline()
    except psutil.Error:
        return False


@pytest.mark.parametrize(("signum", "code", "said"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")])
def test_signal_during_encoding_leaves_the_old_episode_and_the_next_run_resumes(tmp_path, long_build, signum, code, said):
    for name in ("in", "out", "cache"):
        shutil.copytree(long_build / name, tmp_path / name)
    source = write(tmp_path / "in" / "long.txt", _long_article("The night ferry will sail again from the spring."))
    before = snapshot(tmp_path / "out")
    clips_before = snapshot(tmp_path / "cache")
    scratch = tmp_path / "tmp"  # the build's temporary folders (worker scratch, encoder logs) go here
    scratch.mkdir()
    env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(scratch)}

    proc = _cli("build", str(source), "-o", str(tmp_path / "out"), env=env)
    cli = psutil.Process(proc.pid)
    seen: set[int] = set()
    signalled = False
    deadline = time.monotonic() + 300  # hang guard
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            children = cli.children(recursive=True)
        except psutil.NoSuchProcess:
            break
        seen.update(c.pid for c in children)
        if not signalled and any(_encoding(c) for c in children):
            proc.send_signal(signum)
            signalled = True
        time.sleep(0.01)
    out, err = proc.communicate(timeout=120)
    assert signalled, "the build ended before an encoder was seen"
    assert proc.returncode == code, err
    assert error_line(err) == f"audiobook: error: {said}; nothing was left half-written"
    assert out == ""
    assert snapshot(tmp_path / "out") == before  # nothing partial, the old episode byte for byte
    assert wait_gone(seen) == []  # no ffmpeg, no speech worker, no resource tracker left behind
    assert list(scratch.iterdir()) == []
    assert cache_leftovers(tmp_path / "cache") == []
    made = set(snapshot(tmp_path / "cache")) - set(clips_before)
    assert made  # the new paragraph's clip was made before the interrupt ...

    proc = _cli("-v", "build", str(source), "-o", str(tmp_path / "out"), env=env)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    counts = re.search(r"(\d+) clips \((\d+) cached, (\d+) synthesised", err)
    assert counts and counts[1] == counts[2] and counts[3] == "0", err  # ... and is reused, with all the others
    assert set(snapshot(tmp_path / "cache")) == set(clips_before) | made
    assert_valid_episode(tmp_path / "out" / "long.mp3", says="night ferry will sail again")
    assert snapshot(tmp_path / "out")["long.mp3"] != before["long.mp3"]


# --- d: a clip that comes back empty -------------------------------------------------------


def test_clip_empty_once_is_retried_and_the_episode_built(tmp_path, faulty, no_stray_processes):
    blank = "A BLANK clip comes back first."
    source = write(tmp_path / "in" / "news.txt", article(1, f"\n{blank}\n"))
    res = invoke("build", source, "-o", tmp_path / "out")
    assert res.exit_code == 0, res.stderr
    assert res.stderr == ""
    assert _calls(faulty).count(blank) == 2
    assert_valid_episode(tmp_path / "out" / "news.mp3", says="BLANK")


def test_clip_always_empty_fails_with_one_line_naming_the_text(tmp_path, faulty, cache, no_stray_processes):
    empty = "An EMPTY clip every time."
    source = write(tmp_path / "in" / "news.txt", article(1, f"\n{empty}\n"))
    res = invoke("build", source, "-o", tmp_path / "out")
    assert res.exit_code == 1
    line = error_line(res.stderr)
    assert f"could not synthesise {empty!r} after 3 attempts: the engine wrote an empty file" in line
    assert _calls(faulty).count(empty) == 3
    assert snapshot(tmp_path / "out") == {}
    assert cache_leftovers(cache) == []


# --- e: an engine call that never returns ----------------------------------------------------


def test_hung_engine_call_is_killed_and_retried(tmp_path, faulty, no_stray_processes):
    hang = "This HANG-ONCE sentence hangs."
    source = write(tmp_path / "in" / "news.txt", article(1, f"\n{hang}\n"))
    res = invoke("build", source, "-o", tmp_path / "out", "--timeout", "2")
    assert res.exit_code == 0, res.stderr
    assert _calls(faulty).count(hang) == 2
    assert_valid_episode(tmp_path / "out" / "news.mp3", says="HANG-ONCE")


def test_engine_that_always_hangs_ends_in_one_line_after_the_bounded_attempts(tmp_path, faulty, cache, no_stray_processes):
    stall = "The engine STALLS on this one."
    source = write(tmp_path / "in" / "news.txt", article(1, f"\n{stall}\n"))
    res = invoke("build", source, "-o", tmp_path / "out", "--timeout", "1")
    assert res.exit_code == 1
    line = error_line(res.stderr)
    assert f"could not synthesise {stall!r} after 3 attempts: timed out after 1 s" in line
    assert _calls(faulty).count(stall) == 3
    assert snapshot(tmp_path / "out") == {}
    assert cache_leftovers(cache) == []
