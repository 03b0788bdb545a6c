"""Command line: parse options, call the library, turn errors into one clean line.

Exit codes: 0 success, 1 failure (some article of a batch failed, an engine
or encoder failure), 2 usage and input errors, 130 interrupted (Ctrl-C,
SIGINT), 143 terminated (SIGTERM).
"""
from __future__ import annotations

import functools
import json
import logging
import signal
import sys
import threading
from pathlib import Path

import click

from . import __version__
from .errors import AudiobookError

log = logging.getLogger("audiobook")


def _fail(message: str, code: int) -> None:
    click.echo(f"audiobook: error: {message}", err=True)
    sys.exit(code)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM, raised in the main thread so that every ``finally``
    runs: temporary files removed, ffmpeg and speech workers killed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Signals:
    """While a command runs: SIGINT and SIGTERM raise Interrupted in the main thread.

    Python's default for SIGTERM ends the process on the spot, without the
    cleanup; for SIGINT it raises KeyboardInterrupt, which this keeps.  Only
    the first signal raises: more of them while the build unwinds would cut
    its cleanup short, so they are ignored (SIGKILL still ends it).
    """

    def __init__(self) -> None:
        self.saved: dict[int, object] = {}
        self.raised = False

    def __enter__(self) -> "_Signals":
        if threading.current_thread() is threading.main_thread():  # signal() works only there
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.saved[signum] = signal.signal(signum, self.handle)
        return self

    def handle(self, signum, frame) -> None:
        if not self.raised:
            self.raised = True
            raise Interrupted(signum)

    def __exit__(self, *exc) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)


def _interrupted(exc: KeyboardInterrupt) -> None:
    signum = getattr(exc, "signum", signal.SIGINT)
    what = "terminated (SIGTERM)" if signum == signal.SIGTERM else "interrupted"
    _fail(f"{what}; nothing was left half-written", 128 + signum)


def handle_errors(func):
    """Run a command; AudiobookError -> one line on stderr and its exit code;
    SIGINT and SIGTERM -> cleanup, one line and 130 or 143."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            with _Signals():
                return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit):
            raise  # click prints usage errors itself, with exit code 2
        except AudiobookError as exc:
            if debug:
                raise
            _fail(exc.one_line(), exc.exit_code)
        except KeyboardInterrupt as exc:
            if debug:
                raise
            _interrupted(exc)
        except Exception as exc:  # an unexpected bug: still one line unless --debug
            if debug:
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback and report it)", 1)

    return wrapper


def voice_options(func):
    """Options shared by every command that casts voices."""
    func = click.option("--profile", default="default", show_default=True, metavar="NAME|FILE.toml", help="Voice profile: a name from voices/ or a path.")(func)
    func = click.option(
        "--engine",
        type=click.Choice(["auto", "espeak", "pyttsx3"]),
        default="auto",
        show_default=True,
        help="Speech engine: eSpeak NG driven directly (fast, Linux) or pyttsx3's own driver (any OS); auto picks espeak when it loads.",
    )(func)
    return func


stable_voices_option = click.option(
    "--stable-voices",
    is_flag=True,
    help="Give each speaker the same voice in every episode (chosen from the name), not in order of appearance.",
)


#: click >= 8.2 raises this for a group run with no arguments
_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _OneLineGroup(click.Group):
    """The command group, with click's usage errors on one line like ours.

    Click prints a usage error as four lines (usage, a try-help line, a blank,
    the error); a batch log wants one line saying what is wrong and where to
    look, with exit code 2.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS as exc:  # plain `audiobook`: the help, as click shows it
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "audiobook"
            _fail(f"{exc.format_message()} (see {where} --help)", exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.exceptions.Abort:
            _fail("interrupted", 130)
        sys.exit(code if isinstance(code, int) else 0)


#: seconds the program waits on the way out for threads still running
_THREADS_GRACE = 10.0


def run() -> None:
    """The ``audiobook`` program (and ``python -m audiobook``): :func:`main`,
    then a quick exit.

    A build leaves numpy, Pillow, mutagen and the rest loaded, and tearing the
    interpreter down frees them object by object: ~30 ms of every run, spent
    after the work is done, for a process that is ending anyway.  By the time
    ``main`` returns, every file is closed and in place, the speech workers
    and encoders are stopped and the temporary folders removed (all of that
    happens in ``with`` blocks and ``finally`` clauses); what is left to do is
    flush the output, let any thread still running finish, and end.  In-process
    callers (tests, ``CliRunner``) call ``main`` and keep the normal exit.
    """
    import os
    import time

    try:
        main(prog_name="audiobook")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"), as Python would print it
        print(code, file=sys.stderr)
        code = 1
    deadline = time.monotonic() + _THREADS_GRACE
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            # ours are all joined by now; a library's idle one must not hold the exit for ever
            thread.join(max(0.0, deadline - time.monotonic()))
    synthesize = sys.modules.get("audiobook.synthesize")
    if synthesize is not None:  # a worker started early for a build that did not need it
        synthesize.close_prestarted()
    compiled = sys.modules.get("audiobook.patterns")
    if compiled is not None:  # keep the regular expressions compiled in this run for the next
        compiled.save()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed or broken pipe: nothing more can be said
            code = code or 1
    os._exit(code)


@click.group(cls=_OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audiobook")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
def main(debug: bool, verbose: bool) -> None:
    """Turn news articles into podcast-ready audio editions, offline.

    \b
    Example:
      audiobook build examples/ferry-returns.txt
    """
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="audiobook: %(levelname)s: %(name)s: %(message)s")


class SizeType(click.ParamType):
    """A size in bytes, or with K, M, G or T: "500M", "2G"."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        from .cache import parse_size

        if isinstance(value, int):
            return value
        try:
            return parse_size(value)
        except AudiobookError as exc:
            self.fail(f"{exc.message}; {exc.hint}", param, ctx)


@main.command()
@click.argument("articles", nargs=-1, required=True, metavar="ARTICLE|URL|DIR|GLOB...")
@click.option("-o", "--output", default="output", show_default=True, metavar="DIR|FILE.mp3", help="Output folder, or an .mp3 path for a single article.")
@click.option("--title", help="Episode title (default: the article's headline, else its file name or URL).")
@click.option("--author", help="Artist tag and spoken byline (default: the article's byline or the page's author).")
@click.option("--show", help="Show name, written as the album tag (and spoken in a digest's opening).")
@click.option("--episode", metavar="FILE.mp3", help="Make ONE episode of all the articles (a digest), a chapter each, in this file (inside -o unless it has a folder).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Publication date, YYYY-MM-DD (default: the article's or page's date; a digest's: today).")
@click.option("--cover", type=click.Path(dir_okay=False), help="Cover art: a square JPEG or PNG of 1400-3000 px (default: one is drawn from the show and title).")
@click.option("--intro", type=click.Path(dir_okay=False), help="Audio file (a jingle) played before the first words.")
@click.option("--outro", type=click.Path(dir_okay=False), help="Audio file played after the last words.")
@voice_options
@stable_voices_option
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Synthesis worker processes, and episodes encoded at a time (default: one per core).")
@click.option("--bitrate", default="96k", show_default=True, help="MP3 bitrate, e.g. 64k, 96k, 128k.")
@click.option("--sample-rate", type=click.Choice(["22050", "24000", "32000", "44100", "48000"]), default="44100", show_default=True, help="MP3 sample rate in Hz.")
@click.option("--id3", "id3_version", type=click.Choice(["3", "4"]), default="3", show_default=True, help="ID3v2 version of the tags (2.3 is the most widely read).")
@click.option("--force", is_flag=True, help="Rebuild episodes even when their article and options have not changed.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Seconds the speech engine may take over one sentence before its worker is replaced and the sentence retried (default: 10 + 0.2 a word).",
)
@click.option("--cache-max", type=SizeType(), metavar="SIZE", help="Cap of the clip cache, e.g. 500M, 2G (default: $AUDIOBOOK_CACHE_MAX, else 2G); least recently used clips go first.")
@click.option("--dask-scheduler", metavar="tcp://HOST:8786", help="Build the articles on a Dask cluster (the output folder must be shared storage; workers need distributed.worker.daemon: False).")
@handle_errors
def build(articles, output, title, author, show, episode, day, cover, intro, outro, profile, engine, stable_voices, jobs, bitrate, sample_rate, id3_version, force, timeout, cache_max, dask_scheduler):
    """Make an MP3 (and its script JSON) from each ARTICLE ("-" reads stdin).

    An article is a text, Markdown or saved HTML file, or the URL of a page
    (fetched when the machine is online).  A folder stands for its *.txt,
    *.md, *.markdown, *.html and *.htm files; a quoted glob pattern is
    expanded.  An episode whose article, profile and options have not changed
    since it was built is skipped (--force rebuilds).

    \b
    Examples:
      audiobook build article.txt                # -> output/article.mp3 + .json
      audiobook build https://example.com/news/ferry-back   # -> output/ferry-back.mp3
      audiobook build a.txt b.txt -o episodes/   # one episode per article
      audiobook build articles/ 'more/*.md'      # every article of a folder, and a glob
      audiobook build a.txt b.txt c.txt --episode morning.mp3 --show "Morning Brief"
    """
    from .batch import expand_inputs
    from .pipeline import Options, build_digest

    out = Path(output)
    articles = expand_inputs(articles)
    if episode is not None:
        if not episode.lower().endswith(".mp3"):
            raise click.UsageError("--episode must name an .mp3 file, e.g. --episode morning.mp3")
        target = Path(episode) if Path(episode).parent != Path(".") else out / episode
    elif len(articles) > 1 and out.suffix.lower() == ".mp3":
        raise click.UsageError("-o names one .mp3 file but several articles were given; give a folder, or use --episode for one digest")
    elif (title or author) and len(articles) > 1:
        raise click.UsageError("--title and --author apply to one article (or to a digest made with --episode)")
    options = Options(
        title=title,
        author=author,
        date=day.date().isoformat() if day else None,
        show=show,
        profile=profile,
        engine=engine,
        stable_voices=stable_voices,
        cover=cover,
        intro=intro,
        outro=outro,
        jobs=jobs,
        bitrate=bitrate,
        sample_rate=int(sample_rate),
        id3_version=int(id3_version),
        cache_max=cache_max,
        timeout=timeout,
    )
    if episode is not None:
        bar = _Bar("Synthesising", target.name)
        try:
            result = build_digest(list(articles), target, options, progress=bar, day=day.date() if day else None)
        finally:
            bar.close()
        _report(result)
        return
    if dask_scheduler:
        _build_on_cluster(articles, out, options, dask_scheduler)
        return
    _build_each(articles, out, options, force)


def _build_on_cluster(articles: list[str], out: Path, options, scheduler: str) -> None:
    """One task per article on the cluster; each result is reported as it arrives."""
    from .distributed import build_on_cluster

    def on_result(source, episode, error) -> None:
        if error is None:
            _report(episode)
        else:
            from .pipeline import display_name

            click.echo(f"audiobook: error: {display_name(source)}: {error}", err=True)

    results = build_on_cluster(articles, out, options, scheduler, on_result=on_result)
    failed = [source for source, _, error in results if error is not None]
    if failed:
        click.echo(f"audiobook: {len(failed)} of {len(results)} articles failed on the cluster: {', '.join(failed)}", err=True)
        sys.exit(1)


def _build_each(articles: list[str], out: Path, options, force: bool) -> None:
    """One episode per article: progress while it runs, a summary at the end."""
    import time

    from .batch import FAILED, build_batch

    batch = len(articles) > 1
    from .pipeline import display_name

    clips = _Bar("Synthesising", "clips" if batch else display_name(articles[0]), plain=batch)
    episodes = _Bar("Encoding", "episodes") if batch else None
    failures = []

    def on_outcome(outcome) -> None:
        if outcome.status == FAILED:
            failures.append(outcome)
            if batch:
                _echo_over(episodes, f"audiobook: error: {_error_text(outcome.error, True)}", err=True)
        else:
            _echo_over(episodes, _describe(outcome))
        if episodes is not None and episodes.bar is not None:
            episodes(episodes.done + 1, episodes.total)

    def on_encode(count: int) -> None:
        clips.close()
        if episodes is not None and count:
            episodes.start(count)

    started = time.perf_counter()
    try:
        outcomes = build_batch(articles, out, options, force=force, progress=clips, on_outcome=on_outcome, on_encode=on_encode)
    finally:
        clips.close()
        if episodes is not None:
            episodes.close()
    if not batch:
        if failures:
            raise failures[0].error
        return
    _summary(outcomes, time.perf_counter() - started)
    if failures:
        sys.exit(1)


def _error_text(exc: BaseException, full: bool) -> str:
    if isinstance(exc, AudiobookError):
        return exc.one_line() if full else exc.message
    return f"unexpected {type(exc).__name__}: {exc}"


def _echo_over(bar, line: str, err: bool = False) -> None:
    """Print a line; above the progress bar when one is drawn."""
    if bar is not None and bar.bar is not None:
        click.echo("\r\033[K", err=True, nl=False)  # clear the bar; its next update redraws it
    click.echo(line, err=err)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _describe(outcome) -> str:
    if outcome.episode is not None:
        return _line(outcome.episode)
    return f"{outcome.mp3}  {_minutes(outcome.duration)}  unchanged, skipped (--force rebuilds)"


def _summary(outcomes, elapsed: float) -> None:
    """The batch's table on stderr (stdout keeps one line per episode, for scripts)."""
    names = [o.source if o.source != "-" else "stdin" for o in outcomes]
    width = min(max(len("article"), *(len(n) for n in names)), 60)
    click.echo("", err=True)
    click.echo(f"{'article':<{width}}  {'status':<7}  {'duration':>8}  {'seconds':>7}  error", err=True)
    for name, o in zip(names, outcomes):
        error = "" if o.error is None else _error_text(o.error, False)
        shown = name if len(name) <= width else "…" + name[-(width - 1):]
        click.echo(f"{shown:<{width}}  {o.status:<7}  {_minutes(o.duration):>8}  {o.seconds:>7.1f}  {error}".rstrip(), err=True)
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in ("built", "skipped", "failed")}
    click.echo(f"{len(outcomes)} articles: {counts['built']} built, {counts['skipped']} skipped, {counts['failed']} failed in {elapsed:.1f} s", err=True)


def _report(episode) -> None:
    click.echo(_line(episode))


def _line(episode) -> str:
    chapters = f"  {len(episode.script.chapters)} chapters" if episode.script.chapters else ""
    return f"{episode.mp3}  {_minutes(episode.duration)}  {len(episode.script.segments)} segments{chapters}  built in {episode.seconds:.1f} s"


class _Bar:
    """Progress as a ``(done, total)`` callback: a click progress bar with ETA when
    stderr is a terminal; else, with ``plain``, a line at every tenth of the way."""

    def __init__(self, label: str, what: str, plain: bool = False) -> None:
        self.label, self.what, self.plain = label, what, plain
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.closed = False
        self.done = self.total = self.tenth = 0

    def start(self, total: int) -> None:
        self.total = total
        if self.tty and self.bar is None and not self.closed:
            self.bar = click.progressbar(length=total, label=f"{self.label} {self.what}", file=sys.stderr, show_eta=True, show_pos=True)
            self.bar.__enter__()

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.start(total)
        if self.bar is not None:
            self.bar.update(done - self.done)
        elif self.plain and total and done * 10 // total > self.tenth:
            self.tenth = done * 10 // total
            click.echo(f"audiobook: {self.label.lower()} {self.what}: {done}/{total}", err=True)
        self.done, self.total = done, total

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        self.closed = True


@main.command()
@click.argument("article", metavar="ARTICLE")
@click.option("--json", "as_json", is_flag=True, help="Print the script JSON (the format documented in the README).")
@click.option("--title", help="Title to use instead of the article's headline.")
@click.option("--author", help="Byline to use instead of the article's.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Publication date (YYYY-MM-DD) to use instead of the article's.")
@voice_options
@stable_voices_option
@handle_errors
def script(article, as_json, title, author, day, profile, engine, stable_voices):
    """Show how ARTICLE (a file, a URL, or - for stdin) will be read: its
    segments, speakers and voices, without audio.

    \b
    Example:
      audiobook script article.txt --json > article.json
    """
    from .pipeline import Options, make_script

    options = Options(
        title=title, author=author, date=day.date().isoformat() if day else None, profile=profile, engine=engine, stable_voices=stable_voices
    )
    result = make_script(article, options)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"# {result.title}")
    for seg in result.segments:
        if not seg.text.strip():
            continue
        who = f"{seg.voice}" + (f" ({seg.speaker})" if seg.speaker else "")
        click.echo(f"[{seg.paragraph:>3}] {who:<16} {seg.open}{seg.text.strip()}{seg.close}")


@main.command()
@voice_options
@click.option("--all", "show_all", is_flag=True, help="List every voice, not only those of the profile's languages.")
@handle_errors
def voices(profile, engine, show_all):
    """List the voices this machine offers, and the voices the profile resolves to.

    \b
    Example:
      audiobook voices --profile voices/default.toml
    """
    from .engines import get_engine
    from .profile import load_profile, resolve

    prof = load_profile(profile)
    eng = get_engine(engine)
    try:
        available, variants = eng.voices(), eng.variants()
    finally:
        eng.close()
    click.echo(f"Engine: {eng.name} {eng.version}")
    langs = {c["language"].split("-")[0].lower() for spec in (prof.narrator, *prof.quotes) for c in spec.candidates if "language" in c}
    shown = [v for v in available if show_all or not langs or any(x.split("-")[0].lower() in langs for x in v.languages)]
    click.echo(f"Voices ({len(shown)} of {len(available)}{'' if show_all else '; --all for every language'}):")
    for v in shown:
        click.echo(f"  {v.id:<28} {v.name:<36} {','.join(v.languages):<16} {v.gender or ''}")
    if variants:
        click.echo(f"eSpeak NG variants: {' '.join(variants)}")
    click.echo(f"Profile {prof.path}:")
    for name, settings in resolve(prof, available, variants).items():
        pitch = "" if settings.pitch is None else f" pitch {settings.pitch}"
        click.echo(f"  {name:<10} {settings.engine_voice:<28} {settings.label} ({settings.rate} wpm{pitch}, volume {settings.volume:g})")


@main.command("feed")
@click.argument("output_dir", metavar="OUTPUT_DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", required=True, metavar="URL", help="Where OUTPUT_DIR is served; every link in the feed starts with it (audiobook serve prints it).")
@click.option("--title", required=True, help="The show's title.")
@click.option("--author", required=True, help="The show's author, as podcast apps list it.")
@click.option("--description", help="What the show is about (default: its title).")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path), metavar="IMG", help="Show cover, JPEG or PNG, 1400-3000 px square (default: cover.jpg or cover.png in OUTPUT_DIR, else one is drawn).")
@click.option("--language", default="en", show_default=True, help="Language code of the show, e.g. en, en-GB, de.")
@click.option("--category", default="News", show_default=True, help='Apple Podcasts category, with a subcategory after a slash: "News/Daily News".')
@click.option("--explicit", is_flag=True, help="Mark the show explicit.")
@click.option("--email", "owner_email", metavar="ADDRESS", help="Owner's e-mail (itunes:owner), which directories use to verify the show.")
@handle_errors
def feed_command(output_dir, base_url, title, author, description, image, language, category, explicit, owner_email):
    """Write OUTPUT_DIR/feed.xml: a podcast RSS feed of the episodes in OUTPUT_DIR.

    Run it again after building new episodes: they are added, and the
    episodes already in the feed keep their GUIDs, so apps do not fetch them twice.

    \b
    Example:
      audiobook feed output --base-url http://192.168.1.20:8000/ --title "Morning Brief" --author "Kelby News"
    """
    from .feed import write_feed

    path = write_feed(
        output_dir, base_url=base_url, title=title, author=author, description=description,
        language=language, image=image, category=category, explicit=explicit, owner_email=owner_email,
    )
    click.echo(f"{path}  ->  {base_url.strip().rstrip('/')}/{path.name}")


@main.command("serve")
@click.argument("output_dir", metavar="OUTPUT_DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on (127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on (0 picks a free one).")
@handle_errors
def serve_command(output_dir, host, port):
    """Serve OUTPUT_DIR (feed, episodes, transcripts, covers) over HTTP until Ctrl-C.

    Podcast apps on the same network can subscribe to the feed URL it prints.

    \b
    Example:
      audiobook serve output --port 8000
    """
    from .feed import feed_link
    from .serve import FEED_NAME, serve

    def ready(urls: list[str]) -> None:
        click.echo(f"Serving {output_dir} at {' and '.join(urls)}")
        click.echo(f"Feed: {urls[0]}{FEED_NAME}")
        link = feed_link(output_dir)
        if link is None:
            click.echo(f"audiobook: note: no {FEED_NAME} yet; write one with: audiobook feed {output_dir} --base-url {urls[0]} --title TITLE --author AUTHOR", err=True)
        elif link not in urls:
            click.echo(f"audiobook: note: {FEED_NAME} links episodes under {link}; if apps cannot play them, rerun audiobook feed with --base-url {urls[0]}", err=True)
        click.echo("Ctrl-C stops.")

    serve(output_dir, host, port, ready=ready)
    click.echo("Stopped.")


@main.group("cache")
def cache_group() -> None:
    """Inspect or empty the clip cache (where synthesised sentences are kept).

    Rebuilds reuse cached clips, so only changed sentences are synthesised
    again.  The cache is kept under its cap (--cache-max of build, else
    $AUDIOBOOK_CACHE_MAX, else 2G) by evicting the least recently used clips.

    \b
    Example:
      audiobook cache info
    """


@cache_group.command("info")
@handle_errors
def cache_info() -> None:
    """Show where the clip cache is, how many clips it holds, its size and its cap.

    \b
    Example:
      AUDIOBOOK_CACHE_MAX=500M audiobook cache info
    """
    from .cache import format_size, info
    from .synthesize import cache_root

    found = info(cache_root())
    click.echo(f"path:  {found.path}")
    click.echo(f"clips: {found.clips}")
    click.echo(f"size:  {format_size(found.size)}")
    click.echo(f"cap:   {format_size(found.cap)}")


@cache_group.command("clear")
@handle_errors
def cache_clear() -> None:
    """Remove every cached clip (the next build synthesises everything again).

    \b
    Example:
      audiobook cache clear
    """
    from .cache import clear, format_size
    from .synthesize import cache_root

    root = cache_root()
    removed, freed = clear(root)
    click.echo(f"removed {removed} clips ({format_size(freed)}) from {root}")


if __name__ == "__main__":  # pragma: no cover
    main()
