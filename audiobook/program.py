"""The ``audiobook`` program and ``python -m audiobook``: :func:`.cli.run`, with a
speech worker started first when the command is ``build``.

A worker takes ~0.15 s from spawn to a ready engine, and the build needs it
as soon as its text stages are done, which for a short article is sooner
than that.  This module imports nothing heavy (no click, no CLI): it reads
just enough of the arguments to see a local build and its engine, starts one
worker (:func:`.synthesize.prestart`), and hands over to the CLI, which parses
the arguments properly.  A worker no build adopts is stopped on the way out.
Reading the arguments wrongly only starts a worker for nothing, or none.
"""
from __future__ import annotations

import sys

#: the options that may come before the command (--debug, --verbose)
_GLOBAL_FLAGS = ("--debug", "-v", "--verbose")


def build_engine(argv: list[str]) -> str | None:
    """The engine a local ``build`` in ``argv`` will speak with; None for any other command."""
    args = argv
    if args and args[0] in _GLOBAL_FLAGS:
        return None  # a diagnostic run: its workers log, and are started once logging is set up
    if not args or args[0] != "build" or "-h" in args or "--help" in args:
        return None
    engine = "auto"
    for i, arg in enumerate(args):
        if arg == "--dask-scheduler" or arg.startswith("--dask-scheduler="):
            return None  # the cluster speaks, not this machine
        if arg == "--engine" and i + 1 < len(args):
            engine = args[i + 1]
        elif arg.startswith("--engine="):
            engine = arg.partition("=")[2]
    return engine


def run() -> None:
    engine = build_engine(sys.argv[1:])
    if engine is not None:
        try:
            from .synthesize import prestart

            prestart(engine)
        except Exception:  # noqa: BLE001 - the build starts its workers itself, and reports what is wrong
            pass
    from .cli import run as run_cli

    run_cli()
