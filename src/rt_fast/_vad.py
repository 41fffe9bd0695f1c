"""Speech in appended audio, for the local server's turn detection: energy, not a model.

The API detects speech with a model (``server_vad``) or a turn classifier (``semantic_vad``);
the local server stands in with the signal's energy, so that a test decides what is speech by
the audio it sends. Audio is read in 10 ms frames of the input format (PCM16 at 24 kHz, G.711
mu-law or A-law at 8 kHz): a frame is voiced when its RMS amplitude, on PCM16's scale, exceeds
``threshold`` x ``FULL_SCALE_RMS`` (at the default 0.5: 1638, -26 dBFS; silence and room noise
are far below, a voice or a tone at normal level far above). Speech starts at the first voiced
frame and stops once ``silence_ms`` of unvoiced frames follow it; ``speech_started`` reports
the start less ``prefix_ms`` (clamped at the buffer's start), ``speech_stopped`` the end of the
silence, both in milliseconds of all the audio the session appended, as the API reports them.

``semantic_vad`` has no silence setting; the API waits longer for a speaker who seems
unfinished. Here it waits ``SEMANTIC_SILENCE_MS`` by its ``eagerness`` (an assumption: the
API publishes no figures). Memory is one partial frame; the audio itself is never kept.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["FULL_SCALE_RMS", "RATES", "SEMANTIC_SILENCE_MS", "Detector", "Speech", "g711_table"]

FULL_SCALE_RMS = 3276.8
"""The RMS that a ``threshold`` of 1.0 asks for (a tenth of PCM16's full scale)."""

RATES = {"audio/pcm": (24_000, 2), "audio/pcmu": (8_000, 1), "audio/pcma": (8_000, 1)}
"""Samples a second and bytes a sample of each input format the API takes."""

SEMANTIC_SILENCE_MS = {"low": 1_000, "medium": 500, "auto": 500, "high": 250}
"""The silence that ends a turn under ``semantic_vad``, by eagerness (an assumption)."""

_FRAME_MS = 10


def _ulaw(byte: int) -> int:
    """The PCM16 sample of a G.711 mu-law byte (ITU-T G.711)."""
    byte = ~byte & 0xFF
    magnitude = ((((byte & 0x0F) << 3) + 0x84) << ((byte & 0x70) >> 4)) - 0x84
    return -magnitude if byte & 0x80 else magnitude


def _alaw(byte: int) -> int:
    """The PCM16 sample of a G.711 A-law byte (ITU-T G.711)."""
    byte ^= 0x55
    exponent, mantissa = (byte & 0x70) >> 4, byte & 0x0F
    magnitude = (
        (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    return magnitude if byte & 0x80 else -magnitude


def g711_table(law: Literal["audio/pcmu", "audio/pcma"]) -> tuple[int, ...]:
    """The PCM16 sample of each of the 256 bytes of a G.711 format."""
    decode = _ulaw if law == "audio/pcmu" else _alaw
    return tuple(decode(byte) for byte in range(256))


_SQUARES = {law: tuple(s * s for s in g711_table(law)) for law in ("audio/pcmu", "audio/pcma")}


def _energy(frame: bytes, fmt: str) -> float:
    """The RMS amplitude of a whole 10 ms frame, on PCM16's scale."""
    if fmt == "audio/pcm":
        samples = memoryview(frame).cast("h")  # little-endian on every platform CPython serves
        total = sum(map(operator.mul, samples, samples))
        return math.sqrt(total / max(len(samples), 1))
    squares = _SQUARES[fmt]
    return math.sqrt(sum(map(squares.__getitem__, frame)) / max(len(frame), 1))


@dataclass(frozen=True)
class Speech:
    """A change the detector saw: speech ``started`` or ``stopped`` at ``ms``."""

    started: bool
    ms: int


@dataclass
class Detector:
    """Finds speech in the audio appended to a session's input buffer (see the module)."""

    fmt: str = "audio/pcm"
    threshold: float = 0.5
    prefix_ms: int = 300
    silence_ms: int = 500
    elapsed_ms: int = 0  # audio read so far, in whole frames
    rate: int = 0  # samples a second, where the format has another rate than RATES' (Live's PCM)
    speaking: bool = False
    _quiet_ms: int = 0
    _partial: bytes = field(default=b"", repr=False)

    @property
    def frame_bytes(self) -> int:
        rate, width = RATES[self.fmt]
        return (self.rate or rate) * _FRAME_MS // 1000 * width

    def feed(self, audio: bytes) -> list[Speech]:
        """Read ``audio`` (any length: a partial frame waits for the next call); the changes."""
        data, size, changes = self._partial + audio, self.frame_bytes, []
        whole = len(data) - len(data) % size
        for start in range(0, whole, size):
            change = self._frame(_energy(data[start : start + size], self.fmt))
            if change is not None:
                changes.append(change)
        self._partial = data[whole:]
        return changes

    def _frame(self, energy: float) -> Speech | None:
        self.elapsed_ms += _FRAME_MS
        voiced = energy > self.threshold * FULL_SCALE_RMS
        if voiced and not self.speaking:
            self.speaking, self._quiet_ms = True, 0
            return Speech(True, max(self.elapsed_ms - _FRAME_MS - self.prefix_ms, 0))
        if self.speaking:
            self._quiet_ms = 0 if voiced else self._quiet_ms + _FRAME_MS
            if self._quiet_ms >= self.silence_ms:
                self.speaking = False
                return Speech(False, self.elapsed_ms)
        return None

    def reset(self) -> None:
        """Forget speech in progress (the buffer was committed or cleared)."""
        self.speaking, self._quiet_ms = False, 0
