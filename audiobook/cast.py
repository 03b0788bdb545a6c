"""Cast: segments + resolved voices -> Script (every segment with a voice).

Narration goes to the narrator.  Each quoted speaker gets a voice from the
pool, in order of first appearance, and keeps it for the whole episode; quotes
whose speaker is unknown share the first pool voice, which named speakers do
not get (unless the pool has only one voice).  When speakers outnumber
voices the pool is reused.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from .models import NARRATION, Article, Script, ScriptSegment, Segment, VoiceSettings

NARRATOR = "narrator"


def cast(article: Article, segments: Sequence[Segment], voices: Mapping[str, VoiceSettings], *, title: str) -> Script:
    """Give every segment a voice name from ``voices`` (which holds "narrator" and the pool)."""
    pool = [name for name in voices if name != NARRATOR]
    assigned: dict[str | None, str] = {}
    out = []
    for seg in segments:
        if seg.kind == NARRATION:
            voice = NARRATOR
        else:
            if seg.speaker not in assigned:
                known = sum(1 for k in assigned if k is not None)
                named = pool[1:] or pool  # the first pool voice is kept for unknown speakers
                assigned[seg.speaker] = pool[0] if seg.speaker is None else named[known % len(named)]
            voice = assigned[seg.speaker]
        out.append(
            ScriptSegment(
                kind=seg.kind,
                text=seg.text,
                paragraph=seg.paragraph,
                voice=voice,
                speaker=seg.speaker,
                open=seg.open,
                close=seg.close,
            )
        )
    used = {s.voice for s in out} | {NARRATOR}
    return Script(
        title=title,
        segments=tuple(out),
        voices={k: v for k, v in voices.items() if k in used},
        author=article.author,
        date=article.date,
        source=article.source,
    )
