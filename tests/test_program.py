"""program.py: which commands start a speech worker before the CLI loads."""
from __future__ import annotations

import pytest

from audiobook.program import build_engine


@pytest.mark.parametrize("argv, engine", [
    (["build", "a.txt"], "auto"),
    (["-v", "--debug", "build", "a.txt", "-o", "out"], None),  # logging workers start with logging set up
    (["build", "--engine", "pyttsx3", "a.txt"], "pyttsx3"),
    (["build", "a.txt", "--engine=espeak"], "espeak"),
    (["build", "a.txt", "--dask-scheduler", "tcp://h:8786"], None),  # the cluster speaks
    (["build", "--help"], None),
    (["script", "a.txt"], None),
    (["voices"], None),
    (["--version"], None),
    ([], None),
])
def test_only_a_local_build_starts_a_worker_early(argv, engine):
    assert build_engine(argv) == engine


def test_a_build_that_needs_no_worker_leaves_none_running(tmp_path):
    import os
    import subprocess
    import sys

    import psutil

    # the worker started early is stopped when the build fails before using it
    done = subprocess.Popen([sys.executable, "-m", "audiobook", "build", str(tmp_path / "missing.txt"), "-o", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    _, err = done.communicate(timeout=120)
    assert done.returncode == 2 and b"missing.txt" in err
    # nothing of the build is left running once the program has exited
    left = []
    for p in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            alive = p.info["status"] != psutil.STATUS_ZOMBIE and p.info["cmdline"]
            if alive and os.getsid(p.pid) == done.pid and "resource_tracker" not in " ".join(p.info["cmdline"]):
                left.append(p.info["cmdline"])
        except (ProcessLookupError, PermissionError, psutil.Error):
            pass
    assert not left, left
