"""The command line: help texts, the script JSON contract, and clean errors."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobook.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = str(ROOT / "examples" / "ferry-returns.txt")


def invoke(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


@pytest.mark.parametrize("command", ["build", "script", "voices"])
def test_every_command_has_help_with_an_example(command):
    res = invoke(command, "--help")
    assert res.exit_code == 0
    assert "Example" in res.output and f"audiobook {command}" in res.output


def test_python_dash_m_runs_the_same_cli():
    res = subprocess.run([sys.executable, "-m", "audiobook", "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    assert "build" in res.stdout and "script" in res.stdout and "voices" in res.stdout


def test_script_json_contract():
    res = invoke("script", EXAMPLE, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["title"].startswith("Night ferry")
    assert data["voices"]["narrator"]["voice_id"]
    for seg in data["segments"]:
        assert {"kind", "text", "speaker", "voice", "paragraph"} <= set(seg)
        assert "start" not in seg  # no audio yet
    kinds = {s["kind"] for s in data["segments"]}
    assert kinds == {"narration", "quote"}
    narrator = {s["voice"] for s in data["segments"] if s["kind"] == "narration"}
    quoted = {s["voice"] for s in data["segments"] if s["kind"] == "quote"}
    assert narrator == {"narrator"} and "narrator" not in quoted


def test_script_plain_listing():
    res = invoke("script", EXAMPLE)
    assert res.exit_code == 0
    assert "narrator" in res.output and "quote-" in res.output


def test_voices_lists_this_machines_voices_and_the_profile():
    res = invoke("voices")
    assert res.exit_code == 0, res.output
    assert "gmw/en-us" in res.output
    assert "narrator" in res.output and "quote-" in res.output


def one_error_line(res) -> str:
    lines = [line for line in (res.stderr if hasattr(res, "stderr") and isinstance(res.stderr, str) else res.output).splitlines() if line]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def test_missing_input_is_exit_2_with_one_line(tmp_path):
    res = invoke("build", str(tmp_path / "nope.txt"), "-o", str(tmp_path))
    assert res.exit_code == 2
    assert "no such file" in one_error_line(res)


def test_unknown_voice_in_profile_is_exit_2_and_lists_voices(tmp_path):
    prof = tmp_path / "p.toml"
    prof.write_text('[narrator]\ncandidates = [{ id = "zz/none" }]\n[[quotes]]\ncandidates = [{ language = "en" }]\n')
    res = invoke("script", EXAMPLE, "--profile", str(prof))
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "zz/none" in line and "gmw/en-us" in line


def test_output_path_that_is_a_folder(tmp_path):
    (tmp_path / "x.mp3").mkdir()
    res = invoke("build", EXAMPLE, "-o", str(tmp_path / "x.mp3"))
    assert res.exit_code == 2
    assert "is a folder" in one_error_line(res)


def test_one_mp3_for_several_articles_is_a_usage_error(tmp_path):
    res = invoke("build", EXAMPLE, EXAMPLE, "-o", str(tmp_path / "x.mp3"))
    assert res.exit_code == 2
    assert "several articles" in res.output


@pytest.mark.parametrize(("signum", "code", "said"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated (SIGTERM)")])
def test_a_signal_unwinds_the_command_with_one_line_and_its_exit_code(monkeypatch, signum, code, said):
    import os
    import signal
    import time

    from audiobook import cache

    cleaned = []

    def interrupted_info(root, cap=None):
        try:
            os.kill(os.getpid(), getattr(signal, signum))
            time.sleep(30)  # the handler raises long before this ends
        finally:
            cleaned.append(True)  # finally blocks run: that is where builds clean up
        raise AssertionError("the signal did not interrupt the command")

    monkeypatch.setattr(cache, "info", interrupted_info)
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    res = invoke("cache", "info")
    assert res.exit_code == code
    assert one_error_line(res) == f"audiobook: error: {said}; nothing was left half-written"
    assert cleaned == [True]
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before  # put back afterwards


@pytest.mark.parametrize(
    "args, says",
    [
        (["build", "--engine", "bogus", "a.txt"], "Invalid value for '--engine'"),
        (["buld"], "No such command 'buld'"),
        (["build"], "Missing argument"),
        (["build", "--bitrate"], "requires an argument"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args, says):
    """Click's own four-line usage message becomes one line like every other error."""
    done = subprocess.run([sys.executable, "-m", "audiobook", *args], capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("audiobook: error: ") and says in lines[0] and "--help)" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_output_folder_under_a_file_names_the_file(tmp_path):
    (tmp_path / "blocker").write_text("not a folder")
    article = tmp_path / "a.txt"
    article.write_text("A short article.", encoding="utf-8")
    res = invoke("build", str(article), "-o", str(tmp_path / "blocker" / "sub" / "x.mp3"))
    assert res.exit_code == 2
    assert f"{tmp_path / 'blocker'} is a file" in res.stderr


def _run_with(main_body: str) -> subprocess.CompletedProcess:
    """``audiobook.cli.run()`` in a fresh interpreter, with ``main`` replaced by ``main_body``."""
    code = (
        "import sys, threading, time\n"
        "import audiobook.cli as cli\n"
        f"def main(**kwargs):\n    {main_body}\n"
        "cli.main = main\n"
        "cli.run()\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_the_program_exits_with_mains_code_and_all_its_output():
    done = subprocess.run([sys.executable, "-m", "audiobook", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "version" in done.stdout
    # unflushed output is flushed before the quick exit
    done = _run_with("sys.stdout.write('no newline, no flush'); sys.exit(3)")
    assert done.returncode == 3 and done.stdout == "no newline, no flush"
    # sys.exit("message") reads as Python would: the message on stderr, code 1
    done = _run_with("sys.exit('went wrong')")
    assert done.returncode == 1 and done.stderr.strip() == "went wrong"


def test_the_program_lets_running_threads_finish_before_exiting():
    done = _run_with("threading.Thread(target=lambda: (time.sleep(0.3), print('finished late'))).start()")
    assert done.returncode == 0 and done.stdout.strip() == "finished late"
