"""Command line: parse options, call the library, turn errors into one clean line.

Exit codes: 0 success, 1 failure (some article of a batch failed, an engine
or encoder failure), 2 usage and input errors, 130 interrupted.
"""
from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path

import click

from . import __version__
from .errors import AudiobookError

log = logging.getLogger("audiobook")


def _fail(message: str, code: int) -> None:
    click.echo(f"audiobook: error: {message}", err=True)
    sys.exit(code)


def handle_errors(func):
    """Run a command; AudiobookError -> one line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit):
            raise  # click prints usage errors itself, with exit code 2
        except AudiobookError as exc:
            if debug:
                raise
            _fail(exc.one_line(), exc.exit_code)
        except KeyboardInterrupt:
            if debug:
                raise
            _fail("interrupted; nothing was left half-written", 130)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@main.command()
@click.argument("articles", nargs=-1, required=True, metavar="ARTICLE...")
@click.option("-o", "--output", default="output", show_default=True, metavar="DIR|FILE.mp3", help="Output folder, or an .mp3 path for a single article.")
@click.option("--title", help="Episode title (default: the article's headline, else its file name).")
@click.option("--author", help="Artist tag (default: the article's byline).")
@click.option("--show", help="Show name, written as the album tag (and spoken in a digest's opening).")
@click.option("--episode", metavar="FILE.mp3", help="Make ONE episode of all the articles (a digest), a chapter each, in this file (inside -o unless it has a folder).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Episode date of a digest (default: today).")
@click.option("--cover", type=click.Path(dir_okay=False), help="Cover art: a square JPEG or PNG of 1400-3000 px (default: one is drawn from the show and title).")
@click.option("--intro", type=click.Path(dir_okay=False), help="Audio file (a jingle) played before the first words.")
@click.option("--outro", type=click.Path(dir_okay=False), help="Audio file played after the last words.")
@voice_options
@stable_voices_option
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="Synthesis worker processes (default: one per core).")
@click.option("--bitrate", default="96k", show_default=True, help="MP3 bitrate, e.g. 64k, 96k, 128k.")
@click.option("--sample-rate", type=click.Choice(["22050", "24000", "32000", "44100", "48000"]), default="44100", show_default=True, help="MP3 sample rate in Hz.")
@click.option("--id3", "id3_version", type=click.Choice(["3", "4"]), default="3", show_default=True, help="ID3v2 version of the tags (2.3 is the most widely read).")
@handle_errors
def build(articles, output, title, author, show, episode, day, cover, intro, outro, profile, engine, stable_voices, jobs, bitrate, sample_rate, id3_version):
    """Make an MP3 (and its script JSON) from each ARTICLE ("-" reads stdin).

    \b
    Examples:
      audiobook build article.txt                # -> output/article.mp3 + .json
      audiobook build a.txt b.txt -o episodes/   # one episode per article
      audiobook build a.txt b.txt c.txt --episode morning.mp3 --show "Morning Brief"
    """
    from .pipeline import Options, build_digest, build_episode

    out = Path(output)
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
    )
    if episode is not None:
        result = build_digest(list(articles), target, options, progress=_progress(target.name), day=day.date() if day else None)
        _report(result)
        return
    failed = []
    for source in articles:
        try:
            result = build_episode(source, out, options, progress=_progress(source))
        except AudiobookError as exc:
            if len(articles) == 1:
                raise
            failed.append(source)
            click.echo(f"audiobook: error: {exc.one_line()}", err=True)
            continue
        _report(result)
    if failed:
        click.echo(f"audiobook: {len(failed)} of {len(articles)} articles failed: {', '.join(failed)}", err=True)
        sys.exit(1)


def _report(episode) -> None:
    minutes, seconds = divmod(round(episode.duration), 60)
    chapters = f"  {len(episode.script.chapters)} chapters" if episode.script.chapters else ""
    click.echo(f"{episode.mp3}  {minutes}:{seconds:02d}  {len(episode.script.segments)} segments{chapters}  built in {episode.seconds:.1f} s")


def _progress(source: str):
    """A one-line progress counter on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        click.echo(f"\r{Path(source).name}: synthesised {done}/{total} clips", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return report


@main.command()
@click.argument("article", metavar="ARTICLE")
@click.option("--json", "as_json", is_flag=True, help="Print the script JSON (the format documented in the README).")
@click.option("--title", help="Title to use instead of the article's headline.")
@voice_options
@stable_voices_option
@handle_errors
def script(article, as_json, title, profile, engine, stable_voices):
    """Show how ARTICLE will be read: its segments, speakers and voices, without audio.

    \b
    Example:
      audiobook script article.txt --json > article.json
    """
    from .pipeline import Options, make_script

    result = make_script(article, Options(title=title, profile=profile, engine=engine, stable_voices=stable_voices))
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


if __name__ == "__main__":  # pragma: no cover
    main()
