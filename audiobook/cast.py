"""Cast: segments + resolved voices -> Script (every segment with a voice).

Steps:
1. narration (partial quotes included) goes to the narrator;
2. quotes whose speaker is unknown share the first pool voice, which no named
   speaker gets (unless the pool has only one voice), so a listener never
   mistakes an unattributed quote for a known person;
3. each named speaker (one person however the name is spelled: ``speaker_key``)
   gets one voice for the whole episode.  Speakers who follow one another are
   neighbours and never share a voice: a greedy colouring in order of first
   appearance, which always succeeds while the pool has more voices than a
   speaker has neighbours.  By default voices are dealt out in pool order;
   with ``stable`` each name starts from a voice derived from a hash of its
   key, so the same person gets the same voice in every episode of a batch
   (the no-neighbour rule wins when two such voices would meet).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence

from .attribute import speaker_key
from .models import QUOTE, Article, Script, ScriptSegment, Segment, VoiceSettings

log = logging.getLogger(__name__)

NARRATOR = "narrator"


def _person_keys(segments: Sequence[Segment]) -> dict[str, str]:
    """Speaker name -> one key per person: "Mr Mueller" joins "Gerhard Müller"
    when he is the only speaker with that surname."""
    keys = {seg.speaker: speaker_key(seg.speaker) for seg in segments if seg.kind == QUOTE and seg.speaker}
    by_surname: dict[str, set[str]] = {}
    for key in keys.values():
        by_surname.setdefault(key.split()[-1] if key else key, set()).add(key)
    out = {}
    for name, key in keys.items():
        fuller = [k for k in by_surname.get(key.split()[-1] if key else key, ()) if k.endswith(" " + key)]
        out[name] = fuller[0] if len(fuller) == 1 else key
    return out


def _neighbours(segments: Sequence[Segment], keys: Mapping[str, str]) -> tuple[list[str], dict[str, set[str]]]:
    """Named speakers' keys in order of first appearance, and who follows whom."""
    order: list[str] = []
    near: dict[str, set[str]] = {}
    prev: str | None = None
    for seg in segments:
        if seg.kind != QUOTE:
            continue
        key = keys[seg.speaker] if seg.speaker else None
        if key and key not in near:
            order.append(key)
            near[key] = set()
        if key and prev and key != prev:
            near[key].add(prev)
            near[prev].add(key)
        prev = key
    return order, near


def _stable_start(key: str, size: int) -> int:
    # a hash that does not change between runs (Python's hash() does)
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % size


def assign_voices(segments: Sequence[Segment], pool: Sequence[str], *, stable: bool = False) -> dict[str, str]:
    """Speaker name -> voice name, so that speakers who follow one another differ."""
    named = list(pool[1:]) or list(pool)
    keys = _person_keys(segments)
    order, near = _neighbours(segments, keys)
    chosen: dict[str, str] = {}
    turn = 0
    for key in order:
        start = _stable_start(key, len(named)) if stable else turn % len(named)
        ring = named[start:] + named[:start]
        taken = {chosen[n] for n in near[key] if n in chosen}
        free = [v for v in ring if v not in taken]
        if free:
            chosen[key] = free[0]
        else:  # more neighbours than voices: the least clash we can manage
            chosen[key] = min(ring, key=lambda v: sum(chosen.get(n) == v for n in near[key]))
            log.warning("speaker %r shares a voice with a neighbour: the pool has only %d voices", key, len(named))
        if not stable:
            turn = named.index(chosen[key]) + 1
    return {name: chosen[key] for name, key in keys.items()}


def cast(
    article: Article,
    segments: Sequence[Segment],
    voices: Mapping[str, VoiceSettings],
    *,
    title: str,
    stable: bool = False,
) -> Script:
    """Give every segment a voice name from ``voices`` (which holds "narrator" and the pool)."""
    pool = [name for name in voices if name != NARRATOR]
    by_speaker = assign_voices(segments, pool, stable=stable)
    out = []
    for seg in segments:
        if seg.kind != QUOTE:
            voice = NARRATOR
        elif seg.speaker:
            voice = by_speaker[seg.speaker]
        else:
            voice = pool[0]
        out.append(
            ScriptSegment(
                kind=seg.kind,
                text=seg.text,
                paragraph=seg.paragraph,
                voice=voice,
                speaker=seg.speaker if seg.kind == QUOTE else None,
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
        url=article.url,
    )
