"""Loudness: clip samples -> the episode's integrated loudness, and the gain
and true-peak limiting that bring it to a target.

    [(clip samples, frame offset in the episode)] -> LUFS (ITU-R BS.1770-4)
    clip samples, gain, ceiling -> limited samples

Measuring (:class:`Meter`):

1. Cut the episode's timeline into 100 ms steps.  A clip only ever adds
   energy to the steps it covers; the pauses between clips are digital
   silence and add nothing, so the clips alone give the whole measurement,
   one clip at a time, and a step straddling a clip's edge simply holds less
   energy (the silence in it counts, as BS.1770 wants).
2. K-weight each step in the frequency domain: one batched real FFT of the
   step-long frames, |X|^2 times the K-filter's power response, summed
   (Parseval).  numpy has no IIR filter, a Python loop over samples is far too
   slow, and scipy is 40 MB for one function; the FFT of 100 ms frames costs
   about 1 s per hour of audio.  The frames are filtered circularly, which
   moves a few milliseconds of the 38 Hz high-pass's ringing from one step to
   its neighbour: the 400 ms blocks, sums of four steps, barely notice.
3. The K-filter's response is that of the 48 kHz reference coefficients at
   the physical frequency, so any clip rate is weighted as BS.1770 (and
   ffmpeg, which resamples to 48 kHz first) weights it.
4. Blocks of four steps (400 ms, 75 % overlap); absolute gate -70 LUFS,
   relative gate 10 LU below the mean of what passed; the mean of what is
   left is the integrated loudness.

Limiting (:class:`Limiter`), per clip, after the gain:

1. The peak of every hop of ~0.7 ms, with inter-sample peaks estimated by
   4x windowed-sinc interpolation in every interval with a sample within
   6 dB of the ceiling (true peak; elsewhere it cannot matter).
2. The gain each hop needs to stay under the ceiling; a running minimum over
   a window reaching ``hold`` back and the smoothing radius forward and back,
   then two moving averages (the ramps down and back up).  A moving average of a
   minimum taken over at least its own width never rises above the minimum
   at its centre, so every peak ends up under the ceiling, with no overshoot
   and no recursive filter.
3. The hop gains are interpolated back to samples and applied.

Clips are separated by pauses of silence, so limiting them one at a time is
the same as limiting the episode: memory stays one clip deep.
"""
from __future__ import annotations

import functools
import logging
import math
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: start-up time counts
    import numpy as np

log = logging.getLogger(__name__)

#: podcast loudness (Apple, Spotify and most hosts ask for -16 LUFS, -1 dBTP)
TARGET_LUFS = -16.0
TRUE_PEAK_DBTP = -1.0
#: never raise an episode by more than this: a nearly silent one stays quiet
MAX_GAIN_DB = 20.0

ABSOLUTE_GATE = -70.0  # LUFS
RELATIVE_GATE = -10.0  # LU below the loudness of the blocks over the absolute gate
_STEP = 0.1  # seconds between blocks
_STEPS_PER_BLOCK = 4  # 400 ms blocks
_OFFSET = -0.691  # BS.1770: makes a 997 Hz sine at 0 dBFS read -3.01 LUFS

# The K-filter at 48 kHz as BS.1770-4 gives it: a high shelf (+4 dB above
# ~1.7 kHz: the head's effect) and a 38 Hz high-pass (RLB weighting).
_REFERENCE_RATE = 48000
_SHELF = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
_HIGH_PASS = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))


def _np():
    # OpenBLAS starts a thread per core at import and spins them, ~60 ms of a
    # core for nothing: nothing here multiplies matrices big enough to share.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import numpy

    return numpy


def k_power(freqs: "np.ndarray") -> "np.ndarray":
    """|H(f)|^2 of the K-filter at frequencies ``freqs`` in Hz."""
    np = _np()
    # Above 24 kHz the 48 kHz filter is undefined; the shelf is flat up there.
    w = 2 * np.pi * np.minimum(np.asarray(freqs, dtype=float), _REFERENCE_RATE / 2) / _REFERENCE_RATE
    z1 = np.exp(-1j * w)
    z2 = z1 * z1
    power = np.ones_like(w)
    for b, a in (_SHELF, _HIGH_PASS):
        h = (b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2)
        power *= h.real**2 + h.imag**2
    return power


@functools.lru_cache(maxsize=8)
def _step_weights(rate: int, step: int) -> "np.ndarray":
    """Weights turning |rfft|^2 of a ``step``-long frame into its K-weighted energy.

    Parseval for a real frame: sum(x^2) = (|X_0|^2 + 2 sum |X_k|^2 + |X_N/2|^2) / N.
    """
    np = _np()
    w = k_power(np.fft.rfftfreq(step, 1 / rate)) * (2.0 / step)
    w[0] /= 2
    if step % 2 == 0:
        w[-1] /= 2
    return w.astype(np.float32)


def to_float(pcm: bytes | bytearray | memoryview) -> "np.ndarray":
    """16-bit little-endian PCM -> float32 samples, full scale 1.0."""
    np = _np()
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) * np.float32(1 / 32768)


def to_pcm(samples: "np.ndarray") -> bytes:
    """float samples (full scale 1.0) -> 16-bit little-endian PCM, rounded, clipped."""
    np = _np()
    scaled = np.rint(samples * 32768.0)
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


def db(x: float) -> float:
    """Amplitude ratio -> dB (-inf for 0)."""
    return 20 * math.log10(x) if x > 0 else -math.inf


def gain_of(decibels: float) -> float:
    """dB -> amplitude ratio."""
    return 10 ** (decibels / 20)


class Meter:
    """K-weighted energy on the episode's timeline, added one clip at a time.

    ``add(samples, start)`` puts a clip at frame ``start``; everything not
    added is silence.  ``integrated(total)`` is the gated loudness of the
    first ``total`` frames.
    """

    def __init__(self, rate: int):
        np = _np()
        self.rate = rate
        self.step = max(1, round(rate * _STEP))
        self.energy = np.zeros(1024)  # per step; grows as clips arrive

    def step_energies(self, samples: "np.ndarray", start: int) -> tuple[int, "np.ndarray"]:
        """(first step, K-weighted energy of each step ``samples`` at ``start`` touches)."""
        np = _np()
        first, lead = divmod(start, self.step)
        steps = -(-(lead + len(samples)) // self.step)
        frames = np.zeros(steps * self.step, dtype=np.float32)
        frames[lead : lead + len(samples)] = samples
        spectrum = np.fft.rfft(frames.reshape(steps, self.step), axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        return first, power @ _step_weights(self.rate, self.step)

    def add(self, samples: "np.ndarray", start: int) -> None:
        if len(samples) == 0:
            return
        first, energy = self.step_energies(samples, start)
        self.add_energy(first, energy)

    def add_energy(self, first: int, energy: "np.ndarray") -> None:
        self.energy = _accumulate(self.energy, first, energy)

    def integrated(self, total: int | None = None) -> float:
        """Gated integrated loudness in LUFS of the first ``total`` frames (-inf: all gated out)."""
        return integrated_from_steps(self.energy if total is None else self.steps(total), self.step)

    def steps(self, total: int) -> "np.ndarray":
        """Energy per step of the first ``total`` frames (a last, partial step starts no block)."""
        return _fit(self.energy, total // self.step)


def integrated_from_steps(energy: "np.ndarray", step: int) -> float:
    """Gated loudness (LUFS) from per-step K-weighted energies, ``step`` frames each."""
    np = _np()
    if len(energy) < _STEPS_PER_BLOCK:
        return -math.inf
    sums = np.cumsum(np.concatenate([[0.0], energy]))
    blocks = (sums[_STEPS_PER_BLOCK:] - sums[:-_STEPS_PER_BLOCK]) / (_STEPS_PER_BLOCK * step)
    with np.errstate(divide="ignore"):
        loud = _OFFSET + 10 * np.log10(blocks)
    kept = blocks[loud > ABSOLUTE_GATE]
    if len(kept) == 0:
        return -math.inf
    relative = _OFFSET + 10 * math.log10(kept.mean()) + RELATIVE_GATE
    kept = kept[_OFFSET + 10 * np.log10(kept) > relative]
    return _OFFSET + 10 * math.log10(kept.mean())


def integrated_loudness(samples: "np.ndarray", rate: int) -> float:
    """Integrated loudness (LUFS) of one mono signal, full scale 1.0."""
    meter = Meter(rate)
    meter.add(samples, 0)
    return meter.integrated(len(samples))


# --- true peaks --------------------------------------------------------------

_TAPS = 16  # each side of the interpolated point
# 4x oversampling: a sine at 0.4 of the rate reads at most 0.4 dB under its
# true peak, a speech formant at 3 kHz (22 kHz clips) under 0.05 dB
_FRACTIONS = (0.25, 0.5, 0.75)
_BLAS_ROWS = 1024  # OpenBLAS multithreads a product from ~65536 * 4 multiply-adds


@functools.lru_cache(maxsize=1)
def _interpolator() -> "np.ndarray":
    """Windowed-sinc weights: the 2 * _TAPS samples around i -> values at i + fractions."""
    np = _np()
    k = np.arange(-_TAPS + 1, _TAPS + 1)[:, None]  # sample offsets from i
    t = np.asarray(_FRACTIONS)[None, :] - k
    window = 0.5 + 0.5 * np.cos(np.pi * t / (_TAPS + 1))
    return (np.sinc(t) * window).astype(np.float32)


def inter_sample_peaks(samples: "np.ndarray", starts: "np.ndarray") -> "np.ndarray":
    """Largest |value| strictly between samples ``i`` and ``i + 1``, for each i in ``starts``."""
    np = _np()
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.concatenate([np.zeros(_TAPS, np.float32), samples, np.zeros(_TAPS, np.float32)])
    # row j: padded[j : j + 2 * _TAPS], a view; the row for i, samples
    # i - _TAPS + 1 .. i + _TAPS, is j = i + 1.  Taking rows of it copies only
    # the samples, not an index per sample as padded[starts[:, None] + k] would.
    windows = sliding_window_view(padded, 2 * _TAPS)
    kernel = _interpolator().T.copy()  # (fractions, taps): the product comes out a row per fraction
    out = np.empty(len(starts), np.float32)
    # BLAS, in slices small enough that it stays on one thread: a big product
    # wakes a thread per core that spins, and slows the ffmpeg encoding beside us
    for i in range(0, len(starts), _BLAS_ROWS):
        values = kernel @ windows[starts[i : i + _BLAS_ROWS] + 1].T
        np.abs(values, out=values)
        np.max(values, axis=0, out=out[i : i + _BLAS_ROWS])
    return out


def _intervals(mags: "np.ndarray", floor: float) -> "np.ndarray":
    """Starts of the sample intervals with an end above ``floor``.

    Only there can the signal between samples reach ``2 * floor``: the
    inter-sample peak of speech stays within a few dB of its neighbours (though
    not always next to a local maximum: a sign flip can hide it between two
    falling samples).
    """
    np = _np()
    big = mags > floor
    return np.flatnonzero(big[:-1] | big[1:])


def true_peak(samples: "np.ndarray") -> float:
    """Estimated true peak of ``samples`` as an amplitude (full scale 1.0)."""
    np = _np()
    if len(samples) == 0:
        return 0.0
    mags = np.abs(samples)
    top = float(mags.max())
    starts = _intervals(mags, top / 2)
    if len(starts) == 0:
        return top
    return max(top, float(inter_sample_peaks(samples, starts).max()))


# --- limiting ----------------------------------------------------------------


class Limiter:
    """A look-ahead true-peak limiter for one clip at a time.

    ``ceiling_db`` is the highest (true) peak let through.  The gain ramps
    down over ``ramp`` seconds before a peak and back up over as long after
    the reduction has been held for ``hold`` seconds: longer than a voice's
    pitch period, so the gain does not follow the individual glottal pulses
    (which would add buzz), short enough to leave the next syllable alone.
    """

    def __init__(self, rate: int, ceiling_db: float, *, ramp: float = 0.010, hold: float = 0.015):
        self.rate = rate
        self.ceiling = gain_of(ceiling_db)
        self.hop = max(1, round(rate * 0.0007))
        # two moving averages of this radius make a ramp of 4 radii
        self.radius = max(1, round(ramp * rate / self.hop / 4))
        self.hold = max(0, round(hold * rate / self.hop))

    def apply(self, samples: "np.ndarray") -> "np.ndarray":
        """``samples`` with their peaks brought under the ceiling (``samples`` itself if none rise above)."""
        peaks = self.hop_peaks(samples, self.ceiling / 2)
        gains = self.hop_gains(peaks)
        if gains is None:
            return samples
        return samples * self.sample_gains(gains, len(samples))

    def hop_peaks(self, samples: "np.ndarray", floor: float) -> "np.ndarray":
        """The peak of each hop; true (inter-sample) peaks where samples rise above ``floor``."""
        np = _np()
        n = len(samples)
        hops = -(-n // self.hop)
        mags = np.zeros(hops * self.hop, np.float32)
        np.abs(samples, out=mags[:n])
        peaks = mags.reshape(hops, self.hop).max(axis=1)
        starts = _intervals(mags[:n], floor)
        if len(starts):
            # an interval counts in its first sample's hop; hop_gains lets
            # each hop's need reach its neighbours, which covers the rest
            np.maximum.at(peaks, starts // self.hop, inter_sample_peaks(samples, starts))
        return peaks

    def hop_gains(self, peaks: "np.ndarray") -> "np.ndarray | None":
        """Gain per hop that keeps hops with these ``peaks`` under the ceiling; None if 1 everywhere."""
        return self.hop_gains_at(peaks, (1.0,))[0]

    def hop_gains_at(self, peaks: "np.ndarray", scales) -> "list[np.ndarray | None]":
        """``hop_gains(peaks * s)`` for each s in ``scales``, sharing the slow part.

        The gain a hop may take is ``min(1, room / s)``, with ``room`` the
        ceiling over its peak; a running minimum commutes with that rising
        function, so the running minima of ``room`` serve every scale.
        """
        np = _np()
        if len(peaks) == 0:
            return [None for _ in scales]
        top = float(peaks.max())
        room = self.ceiling / np.maximum(peaks, 1e-9)
        # Pad with silence's "no reduction" so the ramps can run past the ends.
        reach = 2 * self.radius
        pad = reach + self.hold + 2
        room = np.concatenate([np.full(pad, np.inf), room, np.full(pad, np.inf)])
        # a hop's samples lie between its centre and a neighbour's: each centre
        # takes its neighbours' need too, so the interpolated gain stays under
        room = _window_min(_window_min(room, 1, 1), reach + self.hold, reach)
        out: list[np.ndarray | None] = []
        for scale in scales:
            if top * scale <= self.ceiling:
                out.append(None)
                continue
            gains = _moving_average(_moving_average(np.minimum(1.0, room / scale), self.radius), self.radius)
            out.append(gains[pad : pad + len(peaks)])
        return out

    def sample_gains(self, gains: "np.ndarray", n: int) -> "np.ndarray":
        """Hop gains interpolated to each of ``n`` samples."""
        np = _np()
        centres = np.arange(len(gains)) * self.hop + (self.hop - 1) / 2
        return np.interp(np.arange(n, dtype=np.float32), centres, gains).astype(np.float32)


def _window_min(x: "np.ndarray", before: int, after: int) -> "np.ndarray":
    """out[i] = min(x[i - before : i + after + 1]), the ends padded with x's edge values.

    Doubling: after k rounds each value is the minimum of 2**k neighbours,
    so a window of w costs log2(w) vectorised passes.
    """
    np = _np()
    width = before + after + 1
    padded = np.concatenate([np.full(before, x[0]), x, np.full(after + width, x[-1])])
    span = 1
    acc = padded
    while span * 2 <= width:
        acc = np.minimum(acc[:-span], acc[span:])
        span *= 2
    # two overlapping windows of `span` cover the `width`
    return np.minimum(acc[: len(x)], acc[width - span : width - span + len(x)])


def _moving_average(x: "np.ndarray", radius: int) -> "np.ndarray":
    """Centred mean over 2 * radius + 1 values (the ends see x's edge values)."""
    np = _np()
    padded = np.concatenate([np.full(radius + 1, x[0]), x, np.full(radius, x[-1])])
    sums = np.cumsum(padded)
    width = 2 * radius + 1
    return (sums[width:] - sums[:-width]) / width


# --- the plan for one episode -------------------------------------------------

#: extra gain tried above the first plan, to learn how limiting bends the curve
_TRIALS_DB = (0.0, 2.0, 4.0, 6.0, 8.0)
#: the gains tried while the clips are still coming, around the gain the first
#: clip alone would need: they cover the plan of an episode whose loudness is
#: within 4 dB of its first clip's, and the same 8 dB above it
_EARLY_TRIALS_DB = (-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0)


class Leveller:
    """Gain and limiting for one episode, planned from its clips in two passes.

    1. ``measure(samples, start)`` for every clip, then ``plan(total)``: the
       gain that brings the measured loudness to ``target`` (capped at
       ``max_gain`` dB, none at all for an episode that is all silence).
    2. If that gain pushes peaks over the ceiling, ``predict(samples, start)``
       for every clip, then ``correct(total)``.  Limiting takes loudness away
       (the loudest moments are what it turns down), more the higher the gain,
       so one pass tries the planned gain and a few higher ones at once and
       interpolates the gain that lands on the target.  It works on the ~0.7 ms
       hops the limiter decides on: the loss in each 100 ms step is the ratio
       of the limited to the plain energy there, which needs no second
       K-weighting (the gain changes slowly next to the filter).
       The prediction may also be made in the first pass, at gains fixed
       before the plan is known (``early_trials`` from the first clip, given
       to every ``predict``); ``predicted_for(gain_db)`` then says whether
       those gains bracket the plan, so that the second pass is not needed.
    3. ``level(samples)`` for every clip, while encoding: gain, then limiter.

    The limiter's ceiling is ``true_peak - margin``: the margin is for whatever
    comes after (an encoder) and lifts peaks.  ``loudness`` is the integrated
    loudness the levelled clips are predicted to have.
    """

    def __init__(
        self,
        rate: int,
        target: float = TARGET_LUFS,
        true_peak: float = TRUE_PEAK_DBTP,
        *,
        max_gain: float = MAX_GAIN_DB,
        margin: float = 0.0,
    ):
        np = _np()
        self.rate = rate
        self.target = target
        self.max_gain = max_gain
        self.meter = Meter(rate)
        self.limiter = Limiter(rate, true_peak - margin)
        self.gain_db = 0.0
        self.measured = -math.inf
        self.loudness = -math.inf
        self._peak = 0.0  # largest sample, before gain
        self._trials: tuple[float, ...] | None = None  # gains (dB) predicted at, fixed by the first predict
        self._plain = np.zeros(0)  # per step, unweighted, unit gain
        self._limited = np.zeros((0, 0))  # per trial gain and step

    @property
    def gain(self) -> float:
        return gain_of(self.gain_db)

    def measure(self, samples: "np.ndarray", start: int) -> None:
        if len(samples):
            self.meter.add(samples, start)
            self._peak = max(self._peak, float(abs(samples).max()))

    def plan(self, total: int) -> None:
        self.measured = self.meter.integrated(total)
        if self.measured == -math.inf:
            log.warning("the episode is silent: no loudness to normalise")
            self.gain_db = 0.0
        else:
            self.gain_db = min(self.target - self.measured, self.max_gain)
            if self.gain_db == self.max_gain:
                log.warning(
                    "the episode measures %.1f LUFS; raising it by the most allowed, %.0f dB",
                    self.measured, self.max_gain,
                )
        self.loudness = self.measured + self.gain_db

    @property
    def limits(self) -> bool:
        """Whether the planned gain brings any peak near the ceiling."""
        return self._peak * self.gain > self.limiter.ceiling / 2

    def early_trials(self, frames: int) -> tuple[float, ...]:
        """Gains (dB) to ``predict`` at before the plan is known: around the
        gain that would bring what was measured so far (the first clip,
        ``frames`` long) to the target; () when that was silent."""
        energy = float(self.meter.energy.sum())
        if frames <= 0 or energy <= 0:
            return ()
        centre = self.target - (_OFFSET + 10 * math.log10(energy / frames))
        return tuple(centre + t for t in _EARLY_TRIALS_DB)

    def predicted_for(self, gain_db: float) -> bool:
        """Whether the predictions made bracket ``gain_db`` and the most that ``correct`` may add to it."""
        if not self._trials:
            return False
        return self._trials[0] <= gain_db and self._trials[-1] >= min(gain_db + _TRIALS_DB[-1], self.max_gain)

    def forget_predictions(self) -> None:
        np = _np()
        self._trials = None
        self._plain = np.zeros(0)
        self._limited = np.zeros((0, 0))

    def predict(self, samples: "np.ndarray", start: int, trials_db: tuple[float, ...] | None = None) -> None:
        """Learn what limiting takes from this clip at gains ``trials_db`` (default:
        the planned gain and _TRIALS_DB above it); every clip at the same gains."""
        np = _np()
        if self._trials is None:
            self._trials = trials_db or tuple(self.gain_db + t for t in _TRIALS_DB)
            self._limited = np.zeros((len(self._trials), 0))
        elif trials_db is not None and trials_db != self._trials:
            raise ValueError("every clip must be predicted at the same gains")
        if len(samples) == 0:
            return
        lim = self.limiter
        trials = [gain_of(g) for g in self._trials]
        # true peaks only where the lowest trial already limits: enough to
        # predict loudness, and far fewer samples than the limiter looks at
        peaks = lim.hop_peaks(samples, lim.ceiling / trials[0])
        hops = len(peaks)
        energy = np.zeros(hops * lim.hop, np.float32)
        energy[: len(samples)] = samples
        energy = energy.reshape(hops, lim.hop)
        energy = np.einsum("ij,ij->i", energy, energy).astype(np.float64)
        # each hop counts in the step its centre falls in
        steps = (start + np.arange(hops) * lim.hop + lim.hop // 2) // self.meter.step
        first = int(steps[0])
        steps -= first
        self._plain = _accumulate(self._plain, first, np.bincount(steps, energy))
        rows = [np.bincount(steps, energy if gains is None else energy * gains**2) for gains in lim.hop_gains_at(peaks, trials)]
        self._limited = _accumulate(self._limited, first, np.array(rows))

    def correct(self, total: int) -> None:
        """Move the gain to where the limited loudness meets the target."""
        np = _np()
        n = total // self.meter.step
        energy = self.meter.steps(total)
        plain = _fit(self._plain, n)
        limited = _fit(self._limited, n)
        ratio = np.divide(limited, plain, out=np.ones_like(limited), where=plain > 0)
        trial_gains = list(self._trials or ())
        reached = [
            integrated_from_steps(energy * gain_of(g) ** 2 * r, self.meter.step) for g, r in zip(trial_gains, ratio)
        ]
        log.debug("limited loudness by gain: %s", ", ".join(f"{g:+.1f} dB: {l:.2f}" for g, l in zip(trial_gains, reached)))
        # the limited loudness rises with the gain, ever more slowly
        gain = float(np.interp(self.target, reached, trial_gains))
        if self.target > reached[-1] + 0.5:
            log.warning("even %+.1f dB of gain reaches only %.1f LUFS: limiting takes the rest", trial_gains[-1], reached[-1])
        self.gain_db = min(gain, self.max_gain)
        self.loudness = float(np.interp(self.gain_db, trial_gains, reached))

    def level(self, samples: "np.ndarray") -> "np.ndarray":
        """A clip with the planned gain and limiting applied."""
        np = _np()
        return self.limiter.apply(samples * np.float32(self.gain))


def _fit(x: "np.ndarray", n: int) -> "np.ndarray":
    """``x`` cut or zero-padded to ``n`` values along its last axis."""
    np = _np()
    out = np.zeros(x.shape[:-1] + (n,))
    m = min(n, x.shape[-1])
    out[..., :m] = x[..., :m]
    return out


def _accumulate(total: "np.ndarray", first: int, values: "np.ndarray") -> "np.ndarray":
    """``total[..., first:...] += values``, growing ``total`` (by doubling) when short."""
    np = _np()
    end = first + values.shape[-1]
    if end > total.shape[-1]:
        grown = np.zeros(total.shape[:-1] + (max(end, 2 * total.shape[-1], 1024),))
        grown[..., : total.shape[-1]] = total
        total = grown
    total[..., first:end] += values
    return total
