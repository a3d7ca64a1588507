"""A tiny formant speech synthesizer for the emulator's text-to-speech skills.

The real API answers a TTS request with raw PCM (24 kHz, signed 16-bit little-endian,
mono). Notebooks play it, wrap it in WAV, plot it, or send it back as audio input, so
silence or a sine beep would hide real bugs (byte order, sample rate, duration maths).
This module produces speech-*like* audio instead: a glottal pulse train shaped by
time-varying vowel formants, filtered noise for fricatives, bursts for plosives, pauses
at punctuation, a falling pitch contour that rises for questions, and one parameter
set per prebuilt voice so that "Puck" and "Kore" really do sound (and measure) different.

Synthesis is block-based: sources are built sample-wise with numpy, then filtered by
frame-wise formant responses in the frequency domain and overlap-added, which keeps
500 characters well under a second. Output is fully deterministic.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import wave
from dataclasses import dataclass
from typing import Any, NamedTuple

SAMPLE_RATE = 24000
MIME_TYPE = "audio/L16;codec=pcm;rate=24000"
CHARS_PER_SECOND = 14.0
"""Speaking rate at rate 1.0; actual rates vary per voice between ~12.5 and ~15.5."""

# name -> (gender, descriptor). Descriptors are the ones Google publishes for each
# prebuilt voice; they pick speaking rate, breathiness and intonation range below.
_TRAITS: dict[str, tuple[str, str]] = {
    "Zephyr": ("f", "bright"),
    "Puck": ("m", "upbeat"),
    "Charon": ("m", "informative"),
    "Kore": ("f", "firm"),
    "Fenrir": ("m", "excitable"),
    "Leda": ("f", "youthful"),
    "Orus": ("m", "firm"),
    "Aoede": ("f", "breezy"),
    "Callirrhoe": ("f", "easy-going"),
    "Autonoe": ("f", "bright"),
    "Enceladus": ("m", "breathy"),
    "Iapetus": ("m", "clear"),
    "Umbriel": ("m", "easy-going"),
    "Algieba": ("m", "smooth"),
    "Despina": ("f", "smooth"),
    "Erinome": ("f", "clear"),
    "Algenib": ("m", "gravelly"),
    "Rasalgethi": ("m", "informative"),
    "Laomedeia": ("f", "upbeat"),
    "Achernar": ("f", "soft"),
    "Alnilam": ("m", "firm"),
    "Schedar": ("m", "even"),
    "Gacrux": ("f", "mature"),
    "Pulcherrima": ("f", "forward"),
    "Achird": ("m", "friendly"),
    "Zubenelgenubi": ("m", "casual"),
    "Vindemiatrix": ("f", "gentle"),
    "Sadachbia": ("m", "lively"),
    "Sadaltager": ("m", "knowledgeable"),
    "Sulafat": ("f", "warm"),
}
VOICES: tuple[str, ...] = tuple(_TRAITS)
"""The 30 Gemini prebuilt voice names."""
DEFAULT_VOICE = "Kore"

# descriptor -> (rate multiplier, breathiness, intonation range)
_STYLES: dict[str, tuple[float, float, float]] = {
    "bright": (1.05, 0.04, 1.2),
    "upbeat": (1.1, 0.03, 1.35),
    "informative": (0.95, 0.03, 0.9),
    "firm": (1.0, 0.02, 0.9),
    "excitable": (1.12, 0.04, 1.45),
    "youthful": (1.08, 0.05, 1.25),
    "breezy": (1.04, 0.08, 1.1),
    "easy-going": (0.96, 0.06, 1.0),
    "breathy": (0.95, 0.16, 0.95),
    "clear": (1.0, 0.02, 1.0),
    "smooth": (0.97, 0.05, 0.95),
    "gravelly": (0.93, 0.12, 0.8),
    "soft": (0.94, 0.1, 0.9),
    "even": (1.0, 0.03, 0.7),
    "mature": (0.92, 0.05, 0.9),
    "forward": (1.06, 0.03, 1.1),
    "friendly": (1.02, 0.05, 1.15),
    "casual": (1.02, 0.06, 1.05),
    "gentle": (0.93, 0.09, 0.95),
    "lively": (1.1, 0.04, 1.4),
    "knowledgeable": (0.96, 0.03, 0.95),
    "warm": (0.97, 0.07, 1.05),
}


@dataclass(frozen=True)
class VoiceParams:
    name: str
    f0: float  # base pitch in Hz: 85-150 for the lower voices, 165-260 for the higher ones
    formant_scale: float  # vocal-tract scaling: a shorter tract has higher formants
    rate: float  # speaking-rate multiplier
    breathiness: float  # aspiration noise mixed into voiced sounds
    expressiveness: float  # scales the pitch contour's range


def _build_voice_table() -> dict[str, VoiceParams]:
    """Spread pitches evenly within each group, in a hash order (not alphabetical)."""
    table: dict[str, VoiceParams] = {}
    for gender, (lo, hi), (s_lo, s_hi) in (
        ("m", (85.0, 150.0), (0.92, 1.02)),
        ("f", (165.0, 260.0), (1.1, 1.22)),
    ):
        names = sorted(
            (n for n, (g, _) in _TRAITS.items() if g == gender),
            key=lambda n: hashlib.sha256(n.encode()).hexdigest(),
        )
        for k, name in enumerate(names):
            frac = k / (len(names) - 1)
            rate, breath, expr = _STYLES[_TRAITS[name][1]]
            table[name] = VoiceParams(
                name,
                round(lo + (hi - lo) * frac, 1),
                round(s_lo + (s_hi - s_lo) * frac, 3),
                rate,
                breath,
                expr,
            )
    return {n: table[n] for n in VOICES}


_VOICE_TABLE = _build_voice_table()
_LOWER = {n.lower(): n for n in VOICES}


def voice_for(name: str | None) -> str:
    """Canonical voice name for a case-insensitive ``name``; None means the default."""
    if name is None:
        return DEFAULT_VOICE
    canonical = _LOWER.get(str(name).strip().lower())
    if canonical is None:
        raise ValueError(
            f"unknown voice {name!r}; valid voices include "
            f"{', '.join(VOICES[:6])}, ... ({len(VOICES)} in total)"
        )
    return canonical


def voice_params(name: str | None) -> VoiceParams:
    """Synthesis parameters of a voice (see :class:`VoiceParams`)."""
    return _VOICE_TABLE[voice_for(name)]


# -- text -> segments ---------------------------------------------------------------
class _Seg(NamedTuple):
    weight: float  # relative duration
    formants: tuple | None  # (F1, F2, F3) in Hz for an adult male tract, None = inherit
    voice: float  # glottal source amplitude
    asp: float  # aspiration noise through the formants
    fric: float  # frication noise amplitude
    fc: float  # frication centre frequency
    bw: float  # frication bandwidth
    accent: float  # pitch accent multiplier (first vowel of a word)
    pause: str  # ' ' for a word gap, the punctuation for a phrase end, else ''


_VOWELS = {
    "a": (730, 1090, 2440),
    "e": (530, 1840, 2480),
    "i": (390, 1990, 2550),
    "o": (570, 840, 2410),
    "u": (440, 1020, 2240),
    "y": (390, 1990, 2550),
    "ee": (270, 2290, 3010),
    "oo": (300, 870, 2240),
    "er": (490, 1350, 1690),
    "aw": (570, 840, 2410),
}
_VOWEL_DIGRAPHS = {
    "ee": ("ee",),
    "ea": ("ee",),
    "ie": ("ee",),
    "ey": ("ee",),
    "oo": ("oo",),
    "ou": ("a", "oo"),
    "ow": ("a", "oo"),
    "ai": ("e", "ee"),
    "ay": ("e", "ee"),
    "ei": ("e", "ee"),
    "oi": ("o", "ee"),
    "oy": ("o", "ee"),
    "au": ("aw",),
    "aw": ("aw",),
    "oa": ("o", "oo"),
    "er": ("er",),
    "ir": ("er",),
    "ur": ("er",),
}
# consonant -> (formants, voice, asp, fric, fc, bw, plosive)
_CONS: dict[str, tuple] = {
    "m": ((280, 1000, 2200), 0.35, 0, 0, 0, 0, False),
    "n": ((280, 1500, 2500), 0.35, 0, 0, 0, 0, False),
    "ng": ((280, 2000, 2600), 0.35, 0, 0, 0, 0, False),
    "l": ((360, 1300, 2700), 0.55, 0, 0, 0, 0, False),
    "r": ((420, 1300, 1600), 0.5, 0, 0, 0, 0, False),
    "w": ((300, 700, 2200), 0.5, 0, 0, 0, 0, False),
    "yy": ((280, 2250, 2900), 0.5, 0, 0, 0, 0, False),
    "s": (None, 0, 0, 0.5, 5500, 2500, False),
    "z": (None, 0.3, 0, 0.4, 5000, 2500, False),
    "sh": (None, 0, 0, 0.6, 2800, 1500, False),
    "zh": (None, 0.3, 0, 0.45, 2700, 1500, False),
    "f": (None, 0, 0, 0.22, 7000, 6000, False),
    "v": (None, 0.35, 0, 0.15, 7000, 6000, False),
    "th": (None, 0, 0, 0.2, 6500, 6000, False),
    "h": (None, 0, 0.35, 0, 0, 0, False),
    "p": (None, 0, 0, 0.6, 1200, 2000, True),
    "b": (None, 0.12, 0, 0.4, 1200, 2000, True),
    "t": (None, 0, 0, 0.7, 4200, 3000, True),
    "d": (None, 0.12, 0, 0.5, 4000, 3000, True),
    "k": (None, 0, 0, 0.65, 2200, 1500, True),
    "g": (None, 0.12, 0, 0.45, 2200, 1500, True),
}
_LETTER_CONS = {
    "c": ("k",),
    "q": ("k",),
    "x": ("k", "s"),
    "j": ("d", "zh"),
    "ch": ("t", "sh"),
    "ph": ("f",),
    "wh": ("w",),
    "ck": ("k",),
    "qu": ("k", "w"),
    "gh": ("h",),
}
_DIGITS = "zero one two three four five six seven eight nine".split()
_PAUSES = {",": 2.5, ";": 2.8, ":": 2.8, ".": 3.5, "!": 3.5, "?": 3.5, "\n": 3.5}
_PHRASE_END = set(_PAUSES)


def _segments(text: str) -> list[_Seg]:
    """Rough letter-to-sound rules: good enough for speech rhythm, not for words."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(_DIGITS[int(c)] if c in "0123456789" else c for c in text if not unicodedata.combining(c))
    sp = _Speller()
    i = 0
    while i < len(text):
        c = text[i]
        if c in "'\u2019":  # apostrophes stay inside the word: "don't"
            i += 1
            continue
        if c.isspace() and c != "\n" or not (c.isalpha() or c in _PHRASE_END):
            if not sp.segs or not sp.segs[-1].pause:  # one short gap per run of spaces/symbols
                sp.segs.append(_Seg(0.7, None, 0, 0, 0, 0, 0, 1.0, " "))
            sp.word_start, sp.accented, i = True, False, i + 1
            continue
        if c in _PHRASE_END:
            sp.segs.append(_Seg(_PAUSES[c], None, 0, 0.02, 0, 0, 0, 1.0, c))
            sp.word_start, sp.accented, i = True, False, i + 1
            continue
        i = sp.letters(text, i)
        sp.word_start = False
    segs = sp.segs
    if segs and segs[-1].pause:  # a final full stop needs only a short trailing pause
        segs[-1] = segs[-1]._replace(weight=1.0)
    return segs


class _Speller:
    """Segments so far, and where we are in the word (its start; whether a vowel was stressed)."""

    def __init__(self) -> None:
        self.segs: list[_Seg] = []
        self.word_start, self.accented = True, False

    def vowel(self, keys: tuple, weight: float) -> None:
        acc = 1.0 if self.accented else 1.07
        self.accented = True
        for key in keys:
            self.segs.append(_Seg(weight / len(keys), _VOWELS[key], 1.0, 0, 0, 0, 0, acc, ""))

    def cons(self, key: str, weight: float) -> None:
        formants, voice, asp, fric, fc, bw, plosive = _CONS[key]
        if plosive:  # closure, then a burst into the next sound
            self.segs.append(_Seg(weight * 0.55, None, voice, 0, 0, 0, 0, 1.0, ""))
            self.segs.append(_Seg(weight * 0.45, None, voice * 2, 0.1, fric, fc, bw, 1.0, ""))
        else:
            self.segs.append(_Seg(weight, formants, voice, asp, fric, fc, bw, 1.0, ""))

    def letters(self, text: str, i: int) -> int:
        """Sound out the letter (or digraph) at ``i``; the index after it."""
        c, two = text[i], text[i : i + 2]
        nxt = text[i + 1] if i + 1 < len(text) else " "
        if two in _VOWEL_DIGRAPHS and not (two in ("er", "ir", "ur") and nxt in "aeiou"):
            self.vowel(_VOWEL_DIGRAPHS[two], 1.5)
            return i + 2
        if two in _LETTER_CONS or two in ("sh", "th", "ng"):
            for key in _LETTER_CONS.get(two, (two,)):
                self.cons(key, 0.9)
            return i + 2
        if c == "e" and not nxt.isalpha() and self.accented and self.segs and self.segs[-1].voice < 1.0:
            self.segs.append(_Seg(0.3, None, 0, 0.05, 0, 0, 0, 1.0, ""))  # silent final e
            return i + 1
        if c == "y" and self.word_start and nxt in "aeiou":
            self.cons("yy", 0.8)
        elif c == "c" and nxt in "eiy":
            self.cons("s", 0.9)
        elif i and text[i - 1] == c and c in _CONS:
            pass  # double consonants make one sound
        elif c in _VOWELS:
            self.vowel((c,), 1.3)
        elif c in _LETTER_CONS or c in _CONS:
            for key in _LETTER_CONS.get(c, (c,)):
                self.cons(key, 0.9)
        else:  # letters outside a-z: a vowel picked by code point keeps the rhythm
            self.vowel(("aeiou"[ord(c) % 5],), 1.3)
        return i + 1


# -- signal processing ----------------------------------------------------------------
_HOP, _WIN, _NFFT = 256, 512, 1024


def _smooth(x: Any, n: int) -> Any:
    """Two passes of a centred moving average (a triangle window): click-free ramps.

    Running sums keep this O(len(x)) whatever the window, which matters for 30 ms
    windows over a minute of audio.
    """
    import numpy as np

    if n < 2:
        return x
    for _ in range(2):
        pad = np.pad(x, (n // 2 + 1, n - n // 2), mode="edge")
        c = np.cumsum(pad)
        x = (c[n:] - c[:-n])[: len(x)] / n
    return x


def _resonators(freqs: Any, bws: Any, sr: int, omega: Any, peak_norm: bool) -> Any:
    """Frequency response (frames x bins) of one 2-pole resonator per frame.

    Klatt's form H = (1 - b + c) / (1 - b z^-1 + c z^-2): unity gain at DC, so a
    cascade of formants reproduces natural vowel spectra. Written out in real float32
    arithmetic because this is the hot spot of the synthesizer.
    """
    import numpy as np

    r = np.exp(-np.pi * np.asarray(bws, np.float32) / sr)[:, None]
    b = 2 * r * np.cos(2 * np.pi * np.asarray(freqs, np.float32) / sr)[:, None]
    c = r * r
    w = omega.astype(np.float32)[None, :]
    re = 1 - b * np.cos(w) + c * np.cos(2 * w)
    im = b * np.sin(w) - c * np.sin(2 * w)
    h = ((1 - b + c) / (re * re + im * im)) * (re - 1j * im)
    if peak_norm:
        h /= np.abs(h).max(axis=1, keepdims=True)
    return h.astype(np.complex64)


def _render(segs: list[_Seg], vp: VoiceParams, total: int, sr: int, seed: int) -> Any:
    """``total`` samples of speech for ``segs``: source tracks, pitch, filtering, fades."""
    import numpy as np

    weights = np.array([s.weight for s in segs], float)
    bounds = np.round(np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * total).astype(int)
    lengths = np.diff(bounds)
    fm, voice, asp, fric = _tracks(segs, vp, lengths, sr)
    f0 = _pitch(segs, vp, lengths, total, sr)
    voiced_src, fric_src = _sources(f0, voice, asp, fric, vp, total, sr, seed)
    out = _filter(segs, vp, bounds, fm, voiced_src, fric_src, total, sr)
    ms = sr // 1000
    fade = min(total // 2, 10 * ms)
    ramp = np.linspace(0.0, 1.0, fade)
    out[:fade] *= ramp
    out[total - fade :] *= ramp[::-1]
    return out


def _per_sample(values: Any, lengths: Any) -> Any:
    """One value per segment, repeated over that segment's samples."""
    import numpy as np

    return np.repeat(np.asarray(values, float), lengths)


def _tracks(segs: list[_Seg], vp: VoiceParams, lengths: Any, sr: int) -> tuple[Any, Any, Any, Any]:
    """(formants per segment, voicing, aspiration, frication per sample), smoothed."""
    import numpy as np

    # Consonants and pauses keep the formants of the previous sound (coarticulation);
    # leading ones take the first sound's.
    has = np.array([s.formants is not None for s in segs])
    src = np.maximum.accumulate(np.where(has, np.arange(len(segs)), -1))
    src[src < 0] = int(np.argmax(has))
    fm = np.array([s.formants or (500, 1500, 2500) for s in segs], float)[src] * vp.formant_scale
    ms = sr // 1000
    voice = _smooth(_per_sample([s.voice for s in segs], lengths), 8 * ms)
    asp = _smooth(
        _per_sample([s.asp + (vp.breathiness if s.voice >= 0.5 else 0) for s in segs], lengths), 8 * ms
    )
    fric = _smooth(_per_sample([s.fric for s in segs], lengths), 5 * ms)
    return fm, voice, asp, fric


def _pitch(segs: list[_Seg], vp: VoiceParams, lengths: Any, total: int, sr: int) -> Any:
    """F0 per sample: declination over each phrase, a rise before '?', accents, slow drift."""
    import numpy as np

    phrase_id, ends, pid = [], [], 0
    for s in segs:  # a punctuation pause opens the next phrase, so rises stay audible
        if s.pause in _PHRASE_END:
            ends.append(s.pause)
            pid += 1
        phrase_id.append(pid)
    ends.append(".")
    sample_phrase = np.repeat(np.array(phrase_id), lengths)
    starts = np.searchsorted(sample_phrase, np.arange(pid + 1), side="left")
    stops = np.searchsorted(sample_phrase, np.arange(pid + 1), side="right")
    idx = np.arange(total)
    span = np.maximum(1, stops - starts)[sample_phrase]
    pos = (idx - starts[sample_phrase]) / span
    question = np.array([e == "?" for e in ends], float)[sample_phrase]
    exclaim = np.array([e == "!" for e in ends], float)[sample_phrase]
    expr = vp.expressiveness
    ms = sr // 1000
    contour = 1 + expr * (0.1 - 0.2 * pos + 0.06 * exclaim)
    contour += question * 0.5 * expr * np.clip((pos - 0.6) / 0.4, 0, 1) ** 2
    contour *= _smooth(_per_sample([s.accent for s in segs], lengths), 30 * ms) ** expr
    contour *= 1 + 0.015 * np.sin(2 * np.pi * 2.3 * idx / sr)
    return vp.f0 * _smooth(contour, 20 * ms)


def _sources(
    f0: Any, voice: Any, asp: Any, fric: Any, vp: VoiceParams, total: int, sr: int, seed: int
) -> tuple[Any, Any]:
    """(voiced, fricative) excitation: a Rosenberg glottal pulse differentiated for lip
    radiation plus aspiration noise, and frication noise."""
    import numpy as np

    phase = np.cumsum(f0 / sr) % 1.0
    pulse = np.where(
        phase < 0.4,
        0.5 * (1 - np.cos(np.pi * phase / 0.4)),
        np.where(phase < 0.56, np.cos(np.pi / 2 * (phase - 0.4) / 0.16), 0.0),
    )
    glottal = np.diff(pulse, prepend=0.0) * (sr / vp.f0) * 0.2
    rng = np.random.default_rng(seed)
    noise_a, noise_f = rng.standard_normal(total), rng.standard_normal(total)
    voiced_src = voice * glottal + asp * noise_a * (0.6 + 0.4 * pulse) * 0.3
    return voiced_src, fric * noise_f


def _filter(
    segs: list[_Seg],
    vp: VoiceParams,
    bounds: Any,
    fm: Any,
    voiced_src: Any,
    fric_src: Any,
    total: int,
    sr: int,
) -> Any:
    """Frame-wise filtering in the frequency domain with overlap-add."""
    import numpy as np

    n_frames = (total + _WIN) // _HOP + 1
    padded = np.zeros(n_frames * _HOP + _WIN)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_WIN) / _WIN)  # periodic Hann
    view = np.lib.stride_tricks.sliding_window_view
    centre = np.clip(np.arange(n_frames) * _HOP - _WIN // 2, 0, total - 1)
    omega = 2 * np.pi * np.arange(_NFFT // 2 + 1) / _NFFT
    seg_of = np.clip(np.searchsorted(bounds, centre, side="right") - 1, 0, len(segs) - 1)
    hv, hn = _frame_responses(segs, vp, fm, seg_of, n_frames, omega, sr)

    def spectrum(sig: Any) -> Any:
        padded[_WIN : _WIN + total] = sig
        return np.fft.rfft(view(padded, _WIN)[::_HOP][:n_frames] * window, _NFFT)

    y = np.fft.irfft(spectrum(voiced_src) * hv + spectrum(fric_src) * hn, _NFFT)
    blocks = np.zeros((n_frames + 3, _HOP))
    y = y.reshape(n_frames, _NFFT // _HOP, _HOP)
    for j in range(_NFFT // _HOP):
        blocks[j : j + n_frames] += y[:, j, :]
    return blocks.reshape(-1)[_WIN : _WIN + total]


def _frame_responses(
    segs: list[_Seg], vp: VoiceParams, fm: Any, seg_of: Any, n_frames: int, omega: Any, sr: int
) -> tuple[Any, Any]:
    """(voiced, noise) responses per frame: F1-F3 gliding plus a fixed F4; a band-passed hiss."""
    import numpy as np

    hv = _resonators(np.full(1, 3300.0 * vp.formant_scale), np.full(1, 250.0), sr, omega, False)
    bw_extra = 1 + 2 * vp.breathiness
    for k, bw in enumerate((60.0, 90.0, 150.0)):  # F1-F3 glide over ~3 frames
        track = _smooth(fm[seg_of, k], 3)
        hv = hv * _resonators(track, np.full(n_frames, bw * bw_extra), sr, omega, False)
    fc = np.array([s.fc or 4000.0 for s in segs])[seg_of]
    fbw = np.array([s.bw or 3000.0 for s in segs])[seg_of]
    hn = _resonators(np.minimum(fc, sr * 0.45), fbw, sr, omega, True)
    rel = (omega[None, :] * sr / (2 * np.pi)) / (0.6 * fc[:, None])  # soft high-pass below fc
    hn *= (0.9 * rel**2 / (1 + rel**2)).astype(np.float32)
    return hv, hn


def _to_pcm(signal: Any, peak_dbfs: float) -> bytes:
    import numpy as np

    peak = float(np.max(np.abs(signal))) or 1.0
    scaled = signal * (32767 * 10 ** (peak_dbfs / 20) / peak)
    return np.round(scaled).astype("<i2").tobytes()


def _breath(sr: int, seed: int) -> bytes:
    """About 0.2 s of a quiet, low breath: what an empty utterance sounds like."""
    import numpy as np

    n = int(0.2 * sr)
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    spec *= np.exp(-(((freqs - 600) / 500) ** 2))
    sig = np.fft.irfft(spec, n) * np.sin(np.pi * np.arange(n) / n) ** 2
    return _to_pcm(sig, -30.0)


def synthesize(text: str, voice: str = DEFAULT_VOICE, *, sample_rate: int = SAMPLE_RATE) -> bytes:
    """Speech-like PCM (signed 16-bit little-endian mono) for ``text`` in ``voice``.

    Duration is proportional to the text: about 14 characters per second, times the
    voice's rate. Peaks sit at -3 dBFS, so nothing clips. Empty or whitespace-only text
    yields a short quiet breath rather than an error or zero bytes.
    """
    name = voice_for(voice)
    if not isinstance(sample_rate, int) or not 8000 <= sample_rate <= 48000:
        raise ValueError(f"sample_rate must be an integer between 8000 and 48000, got {sample_rate!r}")
    text = "" if text is None else str(text)
    seed = int.from_bytes(hashlib.sha256(f"{name}\0{text}".encode()).digest()[:8], "big")
    collapsed = " ".join(text.split())
    segs = _segments(text.strip())
    if not collapsed or not any(s.voice or s.fric or s.asp > 0.05 for s in segs):
        return _breath(sample_rate, seed)
    import numpy as np

    vp = _VOICE_TABLE[name]
    seconds = max(0.3, len(collapsed) / (CHARS_PER_SECOND * vp.rate))
    chunks = _chunks(segs)
    weights = np.array([0.0] + [sum(s.weight for s in c) for c in chunks])
    bounds = np.round(np.cumsum(weights) / weights.sum() * round(seconds * sample_rate)).astype(int)
    parts = [
        _render(c, vp, int(n), sample_rate, (seed + k) % 2**64)
        for k, (c, n) in enumerate(zip(chunks, np.diff(bounds)))
    ]
    return _to_pcm(np.concatenate(parts), -3.0)


def _chunks(segs: list[_Seg]) -> list[list[_Seg]]:
    """Split long texts at phrase ends (else word gaps) so memory stays bounded.

    Rendering cost is linear in samples but the working set is ~20 arrays of the
    chunk's length; a few hundred characters per chunk keeps it small and cache-warm.
    Pitch contours are per phrase, so splitting at phrase ends changes nothing audible.
    """
    out: list[list[_Seg]] = [[]]
    for s in segs:
        out[-1].append(s)
        n = len(out[-1])
        if (n >= 150 and s.pause in _PHRASE_END) or (n >= 300 and s.pause) or n >= 450:
            out.append([])
    if len(out) > 1 and len(out[-1]) < 50:
        out[-2].extend(out.pop())
    return [c for c in out if c]


def synthesize_dialogue(
    lines: list[tuple[str, str]], *, gap_s: float = 0.25, sample_rate: int = SAMPLE_RATE
) -> bytes:
    """Several ``(voice, text)`` lines, each in its own voice, joined by short gaps."""
    if gap_s < 0:
        raise ValueError(f"gap_s must be >= 0, got {gap_s!r}")
    gap = b"\0\0" * int(round(gap_s * sample_rate))
    for n, line in enumerate(lines):
        if not (isinstance(line, (tuple, list)) and len(line) == 2):
            raise ValueError(f"dialogue line {n} must be a (voice, text) pair, got {line!r}")
    return gap.join(synthesize(text, voice, sample_rate=sample_rate) for voice, text in lines)


def pcm_to_wav(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    """Wrap raw 16-bit mono PCM in a WAV container (for players and tests)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    return buf.getvalue()
