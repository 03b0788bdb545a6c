"""Articles -> episodes on a Dask cluster: one task per article, each running ``build_episode``.

    [article paths] -submit-> dask workers (build_episode each) -as completed-> [(source, Episode | None, error | None)]

Steps: check the request on this machine (no stdin, one output folder for
several articles); make every path absolute (articles, output folder, cover,
jingles, profile file, clip cache), since a worker's current folder is not
ours; connect to the scheduler within a timeout; ask every worker whether it
may start processes of its own; submit one task per article; gather results as
they complete.  A failing article comes back as its one-line error and the
others still finish.

What a cluster must provide, because a worker only ever sees paths:

* **Shared storage.**  The articles, the output folder and any cover, jingle
  or profile file must be at the same absolute path on every worker (an NFS
  or SMB mount, or one machine).  Workers write the episodes there.
* **audiobook installed** on every worker, the same version as here, with
  ffmpeg and a speech engine (``pip install 'audiobook[dask]'`` brings dask
  too).
* **Non-daemonic worker processes.**  Synthesis runs in spawn-started
  processes of each worker, and Python forbids a daemonic process to have
  children.  dask's nanny starts workers as daemons unless its configuration
  says ``distributed.worker.daemon: False``; start workers with::

      DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker tcp://HOST:8786 --nthreads 1

  or put ``distributed: {worker: {daemon: false}}`` in the workers' dask
  config file (``--no-nanny`` workers are not daemons either).
  ``build_on_cluster`` checks this before submitting anything.
* **One thread per worker process** (``--nthreads 1``; scale with
  ``--nworkers``): each article already uses ``Options.jobs`` synthesis
  processes (default: one per core), and the in-process engine query that
  casts voices is not meant to be shared between threads.

The clip cache is each worker's own (``$AUDIOBOOK_CACHE_DIR`` or its user
cache folder) unless ``Options.cache_dir`` names one; a shared cache folder
works, since clips are renamed into place whole.
"""
from __future__ import annotations

import logging
import multiprocessing
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .errors import AudiobookError, DependencyError, InputError
from .pipeline import Episode, Options, build_episode

log = logging.getLogger(__name__)

#: seconds to wait for the scheduler to answer before giving up
CONNECT_TIMEOUT = 30.0

Result = tuple[str, Episode | None, str | None]

_DAEMON_HINT = (
    "start the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment, "
    "or distributed.worker.daemon: false in their dask config, or with --no-nanny"
)


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise DependencyError(
            "building on a Dask cluster needs dask.distributed, which is not installed",
            "pip install 'audiobook[dask]'",
        ) from exc
    return distributed


def _absolute(path: str | None) -> str | None:
    return str(Path(path).expanduser().resolve()) if path else None


def _absolute_options(options: Options) -> Options:
    """``options`` with every file it names as an absolute path, as a worker needs it."""
    profile = options.profile
    if Path(profile).suffix == ".toml" or Path(profile).exists():  # a file, not a profile name
        profile = _absolute(profile)
    return replace(
        options,
        profile=profile,
        cover=_absolute(options.cover),
        intro=_absolute(options.intro),
        outro=_absolute(options.outro),
        cache_dir=_absolute(options.cache_dir),
    )


def _worker_problem() -> str | None:
    """Why this process cannot run a build, or None.  Runs on a worker."""
    if multiprocessing.current_process().daemon:
        return "this dask worker is a daemonic process, which may not start the speech workers"
    return None


def _build_one(source: str, out: str, options: Options) -> tuple[Episode | None, str | None]:
    """The task: one article on one worker.  Errors come back as one line, never raised,
    so one bad article cannot look like a broken worker to the scheduler."""
    problem = _worker_problem()
    if problem:
        return None, f"{problem} ({_DAEMON_HINT})"
    try:
        return build_episode(source, Path(out), options), None
    except AudiobookError as exc:
        return None, exc.one_line()
    except Exception as exc:  # a bug: still reported, with this article, on the client
        log.exception("building %s failed", source)
        return None, f"unexpected {type(exc).__name__}: {exc}"


def _connect(distributed, scheduler: str, timeout: float):
    try:
        # A malformed address is caught here: a Client that fails on one stalls
        # for seconds when it is collected, and prints a traceback.
        distributed.comm.resolve_address(scheduler)
        return distributed.Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler}: {detail}",
            "check the address (e.g. tcp://HOST:8786) and that `dask scheduler` is running and reachable",
        ) from exc


def _check_workers(client) -> None:
    problems = {addr: p for addr, p in client.run(_worker_problem).items() if p}
    if problems:
        addr, problem = next(iter(problems.items()))
        raise AudiobookError(
            f"{len(problems)} of the cluster's workers cannot build episodes: {addr}: {problem}",
            _DAEMON_HINT,
        )


def build_on_cluster(
    sources: Sequence[str],
    out: Path,
    options: Options,
    scheduler: str,
    *,
    timeout: float = CONNECT_TIMEOUT,
    on_result: Callable[[str, Episode | None, str | None], None] | None = None,
) -> list[Result]:
    """Build one episode per article on the Dask cluster at ``scheduler`` ("tcp://HOST:8786").

    Returns ``(source, episode, None)`` or ``(source, None, error message)`` for
    each article, in the order given; ``on_result`` is called with the same
    triple as each article finishes.  ``out`` is a folder (or an .mp3 path for
    one article) on storage every worker shares; ``timeout`` bounds the wait
    for the scheduler.  Raises InputError for a request no worker could carry
    out or an unreachable scheduler, DependencyError without dask.distributed,
    AudiobookError when the workers cannot start synthesis processes.
    """
    if "-" in sources:
        raise InputError("an article from stdin cannot be sent to a Dask cluster", "save it to a file on storage the workers share")
    if len(sources) > 1 and out.suffix.lower() == ".mp3":
        raise InputError(f"{out} names one .mp3 file but {len(sources)} articles were given", "give an output folder")
    distributed = _import_distributed()
    from .load import is_url

    paths = [s if is_url(s) else str(Path(s).expanduser().resolve()) for s in sources]  # a URL is fetched by its worker
    target = str(out.expanduser().resolve())
    options = _absolute_options(options)
    results: list[Result | None] = [None] * len(sources)
    with _connect(distributed, scheduler, timeout) as client:
        _check_workers(client)
        futures = {
            client.submit(_build_one, path, target, options, pure=False, key=f"audiobook-{Path(path).name}-{uuid.uuid4().hex}"): i
            for i, path in enumerate(paths)
        }
        log.info("submitted %d articles to %s", len(futures), scheduler)
        try:
            for future in distributed.as_completed(futures, loop=client.loop):
                i = futures[future]
                try:
                    episode, error = future.result()
                except Exception as exc:  # the task itself was lost: killed worker, cancelled
                    episode, error = None, f"the cluster lost this article: {type(exc).__name__}: {exc}"
                results[i] = (sources[i], episode, error)
                log.info("%s: %s", sources[i], error or f"built {episode.mp3}")
                if on_result:
                    on_result(*results[i])
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:  # interrupted: do not leave the cluster working for nobody
                client.cancel(pending)
    return [r for r in results if r is not None]
