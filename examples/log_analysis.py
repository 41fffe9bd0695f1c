"""A log analysis: per type, how many frames and bytes; per response, its tokens; per
direction, the seconds of audio. Reads JSONL session logs, plain, gzip or zstd (zstd needs the
``logs`` extra before Python 3.14), or the bundled sample with no argument.

    python examples/log_analysis.py [LOG...]
"""

from __future__ import annotations

import sys
from collections import Counter
from importlib.resources import as_file, files

import rt_fast
from rt_fast import ga

PCM16_24K = 48_000  # bytes a second: the default format of GA sessions


def analyse(logs: list[str]) -> dict[str, object]:
    frames: Counter[str] = Counter()
    tokens: Counter[str] = Counter()
    audio = Counter({"client": 0, "server": 0})
    responses = 0
    reader = rt_fast.read_log(logs, errors="report")
    for event in reader:
        frames[event.type] += 1
        match event:
            case ga.ResponseDoneEvent(response=response):
                responses += 1
                if response.usage:
                    tokens["input"] += response.usage.input_tokens or 0
                    tokens["output"] += response.usage.output_tokens or 0
            case ga.InputAudioBufferAppendEvent(audio=payload):
                audio["client"] += len(payload) * 3 // 4 - payload[-2:].count("=")
            case ga.ResponseOutputAudioDeltaEvent(delta=payload):
                audio["server"] += len(payload) * 3 // 4 - payload[-2:].count("=")
    return {
        "lines": reader.lines,
        "rejected": [f"{r.log}:{r.line}: {r.error}" for r in reader.rejected],
        "frames": dict(frames.most_common()),
        "responses": responses,
        "tokens": dict(tokens),
        "audio_seconds": {side: round(n / PCM16_24K, 3) for side, n in audio.items()},
    }


def main() -> None:
    if len(sys.argv) > 1:
        try:
            report = analyse(sys.argv[1:])
        except OSError as error:  # a missing or unreadable log, a compressed log cut short
            sys.exit(f"log_analysis.py: {error}")
    else:
        with as_file(files("rt_fast") / "data" / "sample_session.jsonl.gz") as sample:
            report = analyse([str(sample)])
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
