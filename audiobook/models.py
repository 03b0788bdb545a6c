"""The frozen dataclasses that pass between the stages.

    load -> Article -> clean -> Article -> segment -> [Segment]
      -> cast -> Script -> synthesize -> [Clip] -> stitch -> Timing -> tag

Anything written to disk (the script JSON) has ``to_dict``/``from_dict``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

NARRATION = "narration"
QUOTE = "quote"
SegmentKind = Literal["narration", "quote"]


@dataclass(frozen=True)
class Article:
    """An article as loaded from disk, then cleaned."""

    source: str
    """Where the article came from: a file path, or "-" for stdin."""
    paragraphs: tuple[str, ...]
    """The body, one string per paragraph, in reading order."""
    title: str | None = None
    """Headline found in the article (None when it has none)."""
    author: str | None = None
    """Byline found in the article, without the leading "By"."""
    date: str | None = None
    """Publication date found in the article, as written there."""
    headings: tuple[str, ...] = ()
    """Section headings (from Markdown or HTML), each also a paragraph of the body."""
    url: str | None = None
    """The article's address on the web: a page's canonical URL, else the URL it
    was fetched from; None for a file that does not say."""
    site: str | None = None
    """The publication's name, when the page names it ("The Kelby Courier")."""

    @property
    def text(self) -> str:
        """The whole body, paragraphs separated by one blank line."""
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Segment:
    """A stretch of one paragraph read in one voice: narration or a quote.

    The segments of a paragraph are contiguous: joining ``open + text + close``
    of each, in order, gives the paragraph back exactly.
    """

    kind: SegmentKind
    """"narration" or "quote"."""
    text: str
    """The article's own words, exactly as cleaned, without the quote marks."""
    paragraph: int
    """0-based index of the paragraph the segment lies in."""
    open: str = ""
    """The opening quote mark removed before ``text`` ("" when none)."""
    close: str = ""
    """The closing quote mark removed after ``text`` ("" when the quote runs on)."""
    speaker: str | None = None
    """Who says a quote, when known; None for narration and unknown speakers."""


@dataclass(frozen=True)
class VoiceSettings:
    """A voice resolved against the engine of this machine."""

    name: str
    """The profile's name for the voice ("narrator", "quote-1", ...)."""
    voice_id: str
    """The engine's voice id (eSpeak: "gmw/en-us"; SAPI5: a registry token)."""
    variant: str | None = None
    """eSpeak NG variant ("f3", "m7", "klatt"); ignored by other engines."""
    rate: int = 170
    """Speaking rate in words per minute; always set, engine defaults vary."""
    pitch: int | None = None
    """Base pitch on eSpeak's 0-100 scale (50 = voice default); None leaves it."""
    volume: float = 1.0
    """Volume from 0.0 to 1.0."""
    label: str = ""
    """The engine's human name for the voice, for listings."""

    @property
    def engine_voice(self) -> str:
        """The id the engine is asked for, variant included ("gmw/en-us+f3")."""
        return f"{self.voice_id}+{self.variant}" if self.variant else self.voice_id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VoiceSettings:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class ScriptSegment:
    """A segment with its voice, and its place in the audio once that exists."""

    kind: SegmentKind
    """"narration" or "quote"."""
    text: str
    """The article's own words after cleaning, without quote marks."""
    paragraph: int
    """0-based paragraph index in the cleaned article."""
    voice: str
    """Name of the voice in ``Script.voices`` that reads this segment."""
    speaker: str | None = None
    """Who says a quote, when known."""
    open: str = ""
    """Opening quote mark removed before ``text``."""
    close: str = ""
    """Closing quote mark removed after ``text``."""
    start: float | None = None
    """Seconds from the start of the episode where the segment begins."""
    end: float | None = None
    """Seconds from the start of the episode where the segment ends."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "text": self.text,
            "speaker": self.speaker,
            "voice": self.voice,
            "paragraph": self.paragraph,
        }
        if self.open or self.close:
            data["open"] = self.open
            data["close"] = self.close
        if self.start is not None and self.end is not None:
            data["start"] = round(self.start, 3)
            data["end"] = round(self.end, 3)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScriptSegment:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class Chapter:
    """A titled stretch of the episode: an article of a digest, or a section of one."""

    title: str
    """What players show (the article's title, or the section heading)."""
    first_segment: int
    """Index in ``Script.segments`` of the chapter's first segment."""
    start: float | None = None
    """Seconds where the chapter begins (once audio exists)."""
    end: float | None = None
    """Seconds where it ends: the next chapter's start, or the end of the audio."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title, "first_segment": self.first_segment}
        if self.start is not None and self.end is not None:
            data["start"] = round(self.start, 3)
            data["end"] = round(self.end, 3)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chapter:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class Script:
    """Everything needed to make the audio: metadata, segments and voices."""

    title: str
    """Episode title."""
    segments: tuple[ScriptSegment, ...]
    """All segments of the article, in reading order."""
    voices: dict[str, VoiceSettings] = field(default_factory=dict)
    """The voices the segments name, by name."""
    author: str | None = None
    """Byline or --author."""
    date: str | None = None
    """Publication date."""
    source: str | None = None
    """Where the article came from."""
    url: str | None = None
    """The article's web address (its canonical URL), when known."""
    chapters: tuple[Chapter, ...] = ()
    """Chapters in order (none for a plain single article)."""

    @property
    def paragraphs(self) -> list[str]:
        """The cleaned article rebuilt from the segments, one string a paragraph."""
        out: list[list[str]] = []
        for seg in self.segments:
            while len(out) <= seg.paragraph:
                out.append([])
            out[seg.paragraph].append(seg.open + seg.text + seg.close)
        return ["".join(parts) for parts in out]

    def with_timings(self, timings: list[tuple[float, float]], duration: float | None = None) -> Script:
        """A copy whose segments (and chapters) carry their seconds in the audio.

        ``duration`` is the length of the whole audio; the last chapter ends there
        (else at the end of its last segment).
        """
        segs = tuple(replace(s, start=a, end=b) for s, (a, b) in zip(self.segments, timings))
        end_of_audio = duration if duration is not None else max((b for _, b in timings), default=0.0)
        chapters = []
        for i, ch in enumerate(self.chapters):
            start = segs[ch.first_segment].start if ch.first_segment < len(segs) else end_of_audio
            chapters.append(replace(ch, start=0.0 if i == 0 else start))  # the first one holds the lead-in
        chapters = [
            replace(ch, end=chapters[i + 1].start if i + 1 < len(chapters) else end_of_audio)
            for i, ch in enumerate(chapters)
        ]
        return replace(self, segments=segs, chapters=tuple(chapters))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "author": self.author,
            "date": self.date,
            "source": self.source,
            "url": self.url,
            "voices": {k: v.to_dict() for k, v in self.voices.items()},
            "chapters": [c.to_dict() for c in self.chapters],
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Script:
        return cls(
            title=data["title"],
            author=data.get("author"),
            date=data.get("date"),
            source=data.get("source"),
            url=data.get("url"),
            voices={k: VoiceSettings.from_dict(v) for k, v in data.get("voices", {}).items()},
            segments=tuple(ScriptSegment.from_dict(s) for s in data["segments"]),
            chapters=tuple(Chapter.from_dict(c) for c in data.get("chapters", [])),
        )


@dataclass(frozen=True)
class Utterance:
    """One call to the engine: a sentence (or a piece of one) in one voice.

    Usually it lies inside one segment.  Adjacent segments read by the same
    voice (narration around a partial quote the narrator reads) are spoken as
    one sentence, so the intonation runs on; then ``spans`` says where in the
    utterance each of them ends.
    """

    segment: int
    """Index of the (first) script segment this belongs to."""
    part: int
    """0-based position among the utterances that start in that segment."""
    text: str
    """The text as the engine should hear it."""
    voice: VoiceSettings
    """The voice to read it with."""
    spans: tuple[tuple[int, float], ...] = ()
    """For an utterance over several segments: (segment index, fraction of the
    utterance at which that segment's words end), in order; empty otherwise."""


@dataclass(frozen=True)
class Clip:
    """A synthesised utterance on disk: mono 16-bit PCM WAV."""

    segment: int
    """Index of the script segment."""
    part: int
    """Position within the segment."""
    path: Path
    """The WAV file."""
    rate: int
    """Sample rate in Hz."""
    frames: int
    """Number of samples."""
    spans: tuple[tuple[int, float], ...] = ()
    """Copied from the Utterance: where each covered segment ends in the clip."""
    text: str = ""
    """What the clip says (the utterance's text); the pause after it follows its punctuation."""

    @property
    def duration(self) -> float:
        return self.frames / self.rate

    @property
    def last_segment(self) -> int:
        """The segment whose words end the clip."""
        return self.spans[-1][0] if self.spans else self.segment
