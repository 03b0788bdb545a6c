"""Batch: many articles -> one episode each, skipping those already up to date.

    article paths, folders, globs -> [Outcome] (built / skipped / failed per article)

``expand_inputs`` turns ``build``'s arguments into article files; ``build_batch``
then:

1. checks every output name up front (two articles writing one file is an error
   before any work), and skips an article whose episode on disk records the same
   build key (``pipeline.build_key``) unless forced;
2. runs the text stages for the rest, one article at a time, in this process;
3. synthesizes the clips of every article in ONE run (one worker pool), retrying
   article by article only when that run fails, so only the culprit fails;
4. encodes and tags the episodes in a thread pool, up to ``options.jobs`` at once.

An article that fails is reported as failed and the others go on.  The stages
themselves, and the safe writing of each episode, live in ``pipeline``.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import AudiobookError, InputError, OutputError, SynthesisError
from .models import Script
from .pipeline import (
    Episode,
    Options,
    Progress,
    cast_article,
    check_target,
    display_name,
    draw_default_cover,
    source_comment,
    encode_episode,
    evict_cache,
    load_voice_profile,
    preflight,
    read_article,
    resolve_voices,
    build_key,
    output_path,
)

log = logging.getLogger(__name__)

#: what a folder given to ``build`` contributes
ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
_GLOB_CHARS = re.compile(r"[*?[]")

BUILT, SKIPPED, FAILED = "built", "skipped", "failed"


@dataclass(frozen=True)
class Outcome:
    """What became of one article of a batch."""

    source: str
    """The article as given (a path, or "-")."""
    status: str
    """"built", "skipped" (unchanged since the last build) or "failed"."""
    mp3: Path | None = None
    """The episode, when there is one."""
    duration: float | None = None
    """Seconds of audio, when known."""
    seconds: float = 0.0
    """Wall time spent on this article (its share of shared stages excluded)."""
    error: BaseException | None = None
    """Why it failed."""
    episode: Episode | None = None
    """What a build wrote (None when skipped or failed)."""


def expand_inputs(args: Sequence[str]) -> list[str]:
    """Files from ``build``'s arguments: files as given, a folder's articles
    (sorted), glob patterns expanded (for shells that do not).  A file a folder
    or pattern brings again is taken once; one named twice is kept twice (and
    ``check_outputs`` rejects it)."""
    import glob

    from .load import is_url

    out: list[str] = []
    seen: set[str] = set()
    for arg in args:
        if is_url(arg):  # fetched when its turn comes; "?" and "[" in it are no glob
            out.append(arg)
            continue
        path = Path(arg)
        if arg == "-" or path.is_file() or not (path.is_dir() or _GLOB_CHARS.search(arg)):
            out.append(arg)  # as given (a missing file: loading it says so, in its turn)
            seen.add(os.path.realpath(arg))
            continue
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file())
            if not found:
                raise InputError(f"{arg}: no articles in this folder", "articles are *.txt, *.md, *.markdown, *.html or *.htm files")
        else:
            found = sorted(p for p in glob.glob(arg, recursive=True) if Path(p).is_file())
            if not found:
                raise InputError(f"{arg}: no file matches this pattern", "check the pattern, or quote it so the shell does not expand it")
        for match in found:  # a file both in a folder and matched by a glob is one article
            if os.path.realpath(match) not in seen:
                seen.add(os.path.realpath(match))
                out.append(match)
    return out


def check_outputs(sources: Sequence[str], out: Path) -> list[Path | None]:
    """The MP3 path of each article (None for stdin, and for a URL whose path
    names nothing: those are named from their title later); OutputError when
    two would write the same file, before any work is done."""
    targets: list[Path | None] = []
    seen: dict[Path, str] = {}
    for source in sources:
        mp3 = output_path(source, out) if source != "-" else None
        if mp3 is None:
            targets.append(None)
            continue
        if mp3 in seen:
            raise OutputError(
                f"{seen[mp3]} and {source} would both be written to {mp3}",
                "rename one of them, or build them separately with different -o folders",
            )
        seen[mp3] = source
        targets.append(mp3)
    return targets




def up_to_date(mp3: Path, key: str | None) -> dict | None:
    """The ``build`` record of the episode at ``mp3`` when it was built with ``key``, else None."""
    if key is None or not mp3.is_file():
        return None
    try:
        data = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    build = data.get("build") if isinstance(data, dict) else None
    return build if isinstance(build, dict) and build.get("key") == key else None


def build_batch(
    sources: Sequence[str],
    out: Path,
    options: Options = Options(),
    *,
    force: bool = False,
    progress: Progress | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_encode: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """An episode for each article; returns an Outcome per article, in order.

    Articles whose episode is up to date (same build key) are skipped unless
    ``force``.  The rest go through the text stages one by one, then through
    ONE synthesis run (one worker pool for every clip of the batch), then are
    encoded up to ``options.jobs`` at a time.  An article that fails is
    reported as failed and the others go on; problems every article shares
    (duplicate output names, a bad profile, no encoder) raise before any work.
    ``progress`` follows the clips, ``on_encode`` is told how many episodes
    are to be encoded, ``on_outcome`` hears each article's outcome as it comes.
    """
    import threading

    targets = check_outputs(sources, out)
    _sweep(targets, out)
    outcomes: dict[int, Outcome] = {}
    lock = threading.Lock()  # encodes finish in threads

    def finish(index: int, outcome: Outcome) -> None:
        with lock:
            outcomes[index] = outcome
            if on_outcome:
                on_outcome(outcome)

    def fail(index: int, exc: BaseException, started: float) -> None:
        finish(index, Outcome(sources[index], FAILED, targets[index], seconds=time.perf_counter() - started, error=exc))

    keys: dict[int, str | None] = {}
    todo: list[int] = []
    for index, source in enumerate(sources):
        started = time.perf_counter()
        keys[index] = build_key(source, options)
        target = targets[index]
        if target is None and keys[index] is not None and not force:
            target = _named_by_title(source, out, options)  # a URL without a name in its path
        record = None if force or target is None else up_to_date(target, keys[index])
        if record is not None:
            finish(index, Outcome(source, SKIPPED, target, duration=record.get("duration"), seconds=time.perf_counter() - started))
        else:
            todo.append(index)
    if todo:
        _build_all(sources, targets, keys, todo, out, options, progress, on_encode, finish, fail)
    return [outcomes[i] for i in range(len(sources))]


def _sweep(targets: Sequence[Path | None], out: Path) -> None:
    """Remove what builds killed outright left in the output folders."""
    from .atomic import sweep_leftovers

    folders = {t.parent for t in targets if t is not None} | ({out} if out.suffix.lower() != ".mp3" else set())
    for folder in sorted(folders):
        removed = sweep_leftovers(folder)
        if removed:
            log.info("removed %d temporary file(s) of an earlier build that was killed, in %s", removed, folder)


def _named_by_title(source: str, out: Path, options: Options) -> Path | None:
    """Where the episode of a URL named by its page's title goes (the page is
    already fetched, for its build key, and stays cached for the build);
    None when it cannot be read."""
    from .clean import extract_metadata
    from .load import load
    from .pipeline import episode_title

    try:
        article = load(source, keep_page=True)
    except AudiobookError:
        return None
    if article.title is None:
        article = replace(article, title=extract_metadata(article.paragraphs)[1])
    return output_path(source, out, episode_title(source, article, options))


def _build_all(sources, targets, keys, todo, out, options, progress, on_encode, finish, fail) -> None:
    """Text stages per article, one shared synthesis, encodes in parallel.

    An interrupt (Ctrl-C, or SIGTERM as the CLI turns it into one) reaches the
    main thread only; it stops the speech workers, and tells the encodes in
    the pool to stop too (``stop``), so that none goes on to replace its
    episode after the user gave up on the build.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from .synthesize import start_workers

    # the speech workers start first, to be ready when the text stages are done
    workers = start_workers(options.engine, options.jobs, _estimated_words([sources[i] for i in todo]))
    try:
        profile = load_voice_profile(options)
        cover = preflight(options)
        scripts, spent = _read_all(sources, targets, todo, out, options, profile, fail)
        if max((sum(len(seg.text.split()) for seg in script.segments) for script, _ in scripts.values()), default=0) >= _BOUND_HEAP_WORDS:
            _bound_heap()
        # While the workers speak, this process is idle: draw the default
        # covers and import what encoding needs meanwhile.
        # Their loudness is measured as the clips come, in another thread.
        with ThreadPoolExecutor(1, thread_name_prefix="prepare") as helper, ThreadPoolExecutor(1, thread_name_prefix="measure") as meter:
            try:
                helper.submit(_warm_up)
                drawn = {i: helper.submit(draw_default_cover, s, options) for i, (s, _) in scripts.items()} if cover is None else {}
                clips, measuring = _synthesize_all({i: s for i, (s, _) in scripts.items()}, options, progress, fail, workers, meter)
            except BaseException:
                helper.shutdown(wait=False, cancel_futures=True)  # draw no more covers
                meter.shutdown(wait=False, cancel_futures=True)
                raise
    except BaseException:
        workers.close()
        raise
    # the workers take ~15 ms each to end: they do it while the encoding starts
    closing = threading.Thread(target=workers.close, name="close-workers", daemon=True)
    closing.start()
    try:
        _encode_all(sources, scripts, clips, spent, drawn, cover, measuring, keys, options, on_encode, finish, fail)
    finally:
        closing.join()


def _encode_all(sources, scripts, clips, spent, drawn, cover, measuring, keys, options, on_encode, finish, fail) -> None:
    """Encode and tag the synthesised articles, up to ``options.jobs`` at once."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from .stitch import result_of

    evict_cache([c for group in clips.values() for c in group], options)
    if on_encode:
        on_encode(len(clips))

    stop = threading.Event()

    def encode(index: int) -> None:
        started = time.perf_counter() - spent[index]
        script, mp3 = scripts[index]
        try:
            art = drawn[index].result() if index in drawn else cover
            episode = encode_episode(
                script, clips[index], mp3, options, cover=art, comment=source_comment(sources[index]), key=keys[index],
                drawn=index in drawn, stop=stop, measured=_measured(measuring.get(index)),
            )
        except Exception as exc:
            if not stop.is_set():  # an interrupted batch reports the interrupt, not each encode it cut short
                fail(index, exc, started)
            return
        elapsed = time.perf_counter() - started
        finish(index, Outcome(sources[index], BUILT, mp3, episode.duration, elapsed, episode=replace(episode, seconds=elapsed)))

    with ThreadPoolExecutor(max_workers=max(1, min(options.jobs or os.cpu_count() or 1, len(clips) or 1))) as pool:
        futures = [pool.submit(encode, index) for index in clips]
        try:
            for future in futures:
                result_of(future)  # in steps: an interrupt is heard at once, not when the encode ends
        except BaseException:
            stop.set()  # the running encodes kill their ffmpegs and leave the old episodes be
            for future in futures:
                future.cancel()
            raise


#: bytes per word, roughly: of plain text and Markdown, and of a saved web page
_TEXT_BYTES_PER_WORD = 6
_PAGE_BYTES_PER_WORD = 60


def _estimated_words(sources: Sequence[str]) -> int | None:
    """About how many words ``sources`` hold, from their sizes, before reading
    them (to start as many speech workers as they are worth); None when one
    cannot be told (stdin, a URL)."""
    from .load import HTML_SUFFIXES, is_url

    words = 0
    for source in sources:
        if source == "-" or is_url(source):
            return None
        try:
            size = os.stat(source).st_size
        except OSError:
            continue  # it fails when its turn comes
        words += size // (_PAGE_BYTES_PER_WORD if Path(source).suffix.lower() in HTML_SUFFIXES else _TEXT_BYTES_PER_WORD)
    return words


def _read_all(sources, targets, todo, out, options, profile, fail) -> tuple[dict[int, tuple[Script, Path]], dict[int, float]]:
    """The text stages for each article to build: its script and output path, and the time spent."""
    voices = resolve_voices(profile, options)  # one engine start in this process, not one per article
    scripts: dict[int, tuple[Script, Path]] = {}
    spent: dict[int, float] = {}
    taken = {str(t) for t in targets if t is not None}
    for index in todo:
        started = time.perf_counter()
        source = sources[index]
        try:
            article, segments = read_article(source, profile, options)
            script = cast_article(source, article, segments, voices, options)
            mp3 = targets[index] or output_path(source, out, script.title)
            if targets[index] is None:
                if str(mp3) in taken:
                    raise OutputError(f"{display_name(source)}: its episode would be written to {mp3}, as another article's is", "build it separately, or with another -o folder")
                taken.add(str(mp3))  # two pages named alike: the second is refused, not written over the first
            check_target(mp3)
        except Exception as exc:  # one bad article does not stop the batch
            fail(index, exc, started)
            continue
        scripts[index] = (script, mp3)
        spent[index] = time.perf_counter() - started
    return scripts, spent


def _measured(entry):
    """The finished stitch.Measured of an article, or None (measure when encoding)."""
    if entry is None:
        return None
    meter, future = entry
    try:
        future.result()  # it ends with the synthesis: all its clips came, or it was closed
    except Exception as exc:  # a clip it could not read: the encode measures again and says why
        log.debug("measuring during synthesis failed: %s", exc)
        return None
    return meter


#: from an episode of this many words, large blocks get their own mappings (_bound_heap)
_BOUND_HEAP_WORDS = 5000
#: glibc's M_MMAP_THRESHOLD, and the size from which a block is mapped on its own
_M_MMAP_THRESHOLD = -3
_MMAP_FROM = 256 * 1024


def _bound_heap() -> None:
    """Give every large block (numpy's clip arrays) its own mapping, returned on free.

    glibc raises its mmap threshold once a mapped block is freed; clip-sized
    arrays then come from the heap and the encoding threads' arenas, which
    fragment and keep what was freed: the main process grew from 84 to 127 MB
    while encoding 25,000 words, and ~94 MB with a fixed threshold.  The page
    faults cost ~0.05 s of a short build and ~20 % of a batch of short
    episodes, where memory is no concern, so only long episodes ask for it.  Linux with glibc only; a user's
    MALLOC_MMAP_THRESHOLD_ is respected.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM)
    except (OSError, AttributeError):
        pass  # not glibc


def _warm_up() -> None:
    from .loudness import _np

    _np()


def _synthesize_all(
    scripts: dict[int, Script], options: Options, progress: Progress | None, fail, workers=None, measuring=None
) -> tuple[dict[int, list], dict]:
    """Clips for every script from one synthesis run; on a failure, article by
    article again (what was made is cached by then) so only the culprit fails.

    With ``measuring`` (an executor), each script's clips are measured for
    loudness there as they arrive (stitch.Measured); returns the clips and,
    per script, the future of its measurement.
    """
    from .speech import spoken
    from .stitch import Measured
    from .synthesize import plan, synthesize

    started = time.perf_counter()
    plans: dict[int, list] = {}
    for index, script in scripts.items():
        try:
            plans[index] = plan(script, spoken)
        except Exception as exc:
            fail(index, exc, started)
    meters: dict[int, Measured] = {}
    if measuring is not None and not (options.intro or options.outro):
        meters = {index: Measured(scripts[index], len(group)) for index, group in plans.items()}
    measured = {index: (meter, measuring.submit(meter.run)) for index, meter in meters.items()}
    owners = [(index, at) for index, group in plans.items() for at in range(len(group))]

    def run(utterances: list, report: Progress | None, on_clip=None) -> list:
        return synthesize(
            utterances, engine=options.engine, jobs=options.jobs, cache_dir=options.cache_dir, timeout=options.timeout,
            progress=report, pool=workers, on_clip=on_clip,
        )

    def on_clip(i: int, clip) -> None:
        index, at = owners[i]
        if index in meters:
            meters[index].put(at, clip)

    try:
        return _run_all(plans, run, on_clip, progress, fail, started, meters), measured
    finally:
        for meter in meters.values():  # a walk still waiting gets no more clips
            meter.close()


def _run_all(plans, run, on_clip, progress, fail, started, meters) -> dict[int, list]:
    """The clips of every plan: one run for them all, else (on a synthesis
    error) one run per article, so that only the culprit fails."""
    everything = [u for group in plans.values() for u in group]
    try:
        flat = run(everything, progress, on_clip)
    except SynthesisError as exc:
        if len(plans) == 1:
            fail(next(iter(plans)), exc, started)
            return {}
        log.warning("synthesis of the batch failed (%s); retrying article by article", exc.one_line())
    except AudiobookError as exc:  # the engine itself is unusable: every article fails alike
        for index in plans:
            fail(index, exc, started)
        return {}
    else:
        clips, at = {}, 0
        for index, group in plans.items():
            clips[index] = flat[at : at + len(group)]
            at += len(group)
        return clips
    clips = {}
    for index, group in plans.items():
        meter = meters.get(index)
        try:
            clips[index] = run(group, None, meter.put if meter else None)
        except AudiobookError as exc:
            fail(index, exc, started)
    return clips
