"""The JSONL log reader (``rt_fast._jsonl``): plain, gzip and zstd logs, lines cut across chunks,
error policies, exact line numbers, and the same answers from worker processes.

The reference everywhere is the full decoder applied to each line on its own: the reader's fast
path must give exactly its answers, and ``decoded + rejected == lines`` whatever the bytes.
"""

from __future__ import annotations

import functools
import gzip
import io
import itertools
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import zstandard
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import rt_fast
from rt_fast import _audio, _codec, _decoders, _jsonl, _pool, _variants, beta, ga, translation
from rt_fast._jsonl import LogBatch, Rejected, map_log, read_log
from rt_fast._traffic import session_frames

FRAMES = [frame for _, frame in session_frames(seed=11, turns=3)]
UNKNOWN = b'{"type":"brand.new.event","event_id":"evt_1","x":[1,2]}'
DEEP = FRAMES[1].replace(
    b'"parameters":{', b'"parameters":{"deep":' + b"[" * 100_000 + b"]" * 100_000 + b",", 1
)
AUDIO = [frame for frame in FRAMES if len(frame) >= 16_000][:3]  # the reader's audio fast path
MEASURED = [  # audio frames whose payload stats only measures (Job.measure), both directions
    *[f for f in FRAMES if _codec._MEASURE_MIN <= len(f) < _codec._AUDIO_MIN and b'"audio":"' in f][
        :2
    ],
    *[f for f in FRAMES if _codec._MEASURE_MIN <= len(f) < _codec._AUDIO_MIN and b'"delta":"' in f][
        :2
    ],
]
BAD = [b"{not json", b'{"type":"response.done","event_id":"e"}', b"\xff\xfe{}", b"[1,2]", b"{}{}"]


def _reference(lines: list[bytes], protocol: str = "auto") -> tuple[list[Any], list[int], int]:
    """Frames, rejected line numbers and blank count, decoding each line alone."""
    decoder = _decoders.log_decoder(protocol, "snake")
    frames, rejected, blank = [], [], 0
    for number, physical in enumerate(lines, 1):
        line = physical.removesuffix(b"\r")
        if not line.strip(b" \t\r"):
            blank += 1
            continue
        try:
            frames.append(decoder.decode(line))
        except rt_fast.DecodeError:
            rejected.append(number)
    return frames, rejected, blank


def _same(ours: list[Any], theirs: list[Any]) -> bool:
    """Same classes (up to variants) and same content, frame for frame."""
    if len(ours) != len(theirs):
        return False
    return all(_plain(a) == _plain(b) for a, b in zip(ours, theirs, strict=True))


def _plain(frame: Any) -> Any:
    if isinstance(frame, rt_fast.UnknownEvent):
        return ("unknown", frame.type, bytes(frame.raw))
    return (type(frame).__name__, msgspec.to_builtins(frame))


def _log(lines: list[bytes], end: bytes = b"\n") -> bytes:
    return b"".join(line + end for line in lines)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Chunks, task ranges and scans of a few hundred bytes, so every path runs many times."""
    monkeypatch.setattr(_jsonl, "_CHUNK", 512)
    monkeypatch.setattr(_jsonl, "_SPLIT", 3000)
    monkeypatch.setattr(_jsonl, "_SPLIT_FRAMES", 2000)
    monkeypatch.setattr(_jsonl, "_SCAN", 700)
    yield


COMPRESS = {"plain": lambda d: d, "gz": lambda d: gzip.compress(d, 1), "zst": zstandard.compress}


@pytest.mark.parametrize("kind", COMPRESS)
def test_reads_plain_gzip_and_zstd_paths_and_files(tmp_path: Path, kind: str) -> None:
    """A log decodes to the same frames whether plain, gzip or zstd, from a path or a file."""
    path = tmp_path / f"log.{kind}"
    path.write_bytes(COMPRESS[kind](_log(FRAMES)))
    expected, _, _ = _reference(FRAMES)
    for source in (path, str(path), io.BytesIO(path.read_bytes())):
        reader = read_log(source)
        assert _same(list(reader), expected)
        assert (reader.lines, reader.decoded, reader.rejected_count) == (len(FRAMES),) * 2 + (0,)
        assert reader.bytes == len(_log(FRAMES))


@pytest.mark.parametrize("chunk", [16, 100, 512, 4096, 1 << 20])
@pytest.mark.parametrize("end", [b"\n", b"\r\n"])
def test_lines_straddling_chunks(monkeypatch: pytest.MonkeyPatch, chunk: int, end: bytes) -> None:
    """Lines cut across chunks, longer than a chunk, CRLF, blank lines, no final newline."""
    monkeypatch.setattr(_jsonl, "_CHUNK", chunk)
    lines = [*FRAMES[:12], b"", b"  \t", UNKNOWN, *BAD, *FRAMES[12:20]]
    data = _log(lines, end)[: -len(end)]  # no newline after the last line
    frames, rejected, blank = _reference([line + end[:-1] for line in lines])
    reader = read_log(io.BytesIO(data), errors="report")
    assert _same(list(reader), frames)
    assert [r.line for r in reader.rejected] == rejected
    assert (reader.blank, reader.lines) == (blank, len(frames) + len(rejected))
    assert reader.bytes == len(data)


LINES = st.one_of(
    st.sampled_from([*FRAMES[:30], UNKNOWN, DEEP, *BAD, b"", b" ", b"\r", b"\t \r"]),
    st.binary(max_size=40),
    st.sampled_from(FRAMES[:30]).flatmap(
        lambda f: st.integers(1, len(f) - 1).map(lambda i: f[:i] + b"\n" + f[i:])
    ),  # a frame broken over two lines: both halves rejected, never joined
    st.sampled_from(FRAMES[:30]).map(lambda f: f + b" " + UNKNOWN),  # two frames on one line
    st.sampled_from(FRAMES[:30]).map(lambda f: json.dumps(json.loads(f), indent=1).encode()),
    st.sampled_from(FRAMES[:30]).map(lambda f: f[:-1] + b',"junk":"\xff\xfe"}'),  # bad UTF-8
    st.sampled_from(FRAMES[:30]).map(
        lambda f: f[:-1] + b',"deep":' + b"[" * 200 + b"]" * 200 + b"}"
    ),
    st.sampled_from(AUDIO + MEASURED),
    st.tuples(
        st.sampled_from(AUDIO + MEASURED),
        st.floats(0, 1),
        st.sampled_from([b"\\", b'"', b"\xff", b"=", b" "]),
    ).map(lambda t: t[0][: int(t[1] * len(t[0]))] + t[2] + t[0][int(t[1] * len(t[0])) + 1 :]),
)


def _with_pcm(batch: LogBatch) -> list[tuple[Any, int | None]]:
    return [(frame, (batch._pcm or {}).get(i)) for i, frame in enumerate(batch.frames)]


def _measured_as(frames: list[Any], measured: list[tuple[Any, int | None]]) -> bool:
    """Whether frames read with ``Job.measure`` are ``frames``, but for audio payloads left
    empty, each with the size the statistics give the payload."""
    if len(frames) != len(measured):
        return False
    for frame, (ours, size) in zip(frames, measured, strict=True):
        if size is not None:
            field = _audio.AUDIO_EVENTS[_variants.origin(type(frame))]
            same = _audio.pcm_bytes(getattr(frame, field)) == size
            frame = msgspec.structs.replace(frame, **{field: ""}) if same else None
        if frame is None or _plain(frame) != _plain(ours):
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(LINES, max_size=25),
    chunk=st.integers(8, 3000),
    crlf=st.booleans(),
    protocol=st.sampled_from(["auto", "ga"]),
    measure=st.booleans(),
)
def test_fast_path_equals_the_full_decoder_line_by_line(
    lines: list[bytes], chunk: int, crlf: bool, protocol: str, measure: bool
) -> None:
    """On any bytes, the reader's answers are the full decoder's on each line alone (with
    ``measure``, as stats reads logs: the same, with audio payloads measured, not kept)."""
    data = _log(lines, b"\r\n" if crlf else b"\n")
    assume(not data.startswith((b"\x1f\x8b\x08", b"\x28\xb5\x2f\xfd")))  # gzip, zstd magic
    physical = data.split(b"\n")[:-1]
    frames, rejected, blank = _reference(physical, protocol)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_jsonl, "_CHUNK", chunk)
        if measure:
            reader: Any = _jsonl.map_log_reporting(io.BytesIO(data), _with_pcm, protocol=protocol, jobs=1,
                                          on_reject=None, numbered=False, whole=False,
                                          measure=True)  # fmt: skip
            assert _measured_as(frames, [pair for pairs in reader for pair in pairs])
        else:
            reader = read_log(io.BytesIO(data), protocol=protocol, errors="report")
            assert _same(list(reader), frames)
    assert [r.line for r in reader.rejected] == rejected
    assert reader.decoded + reader.rejected_count == reader.lines == len(physical) - blank
    assert reader.blank == blank


@pytest.mark.parametrize("protocol", ["auto", "ga"])
def test_the_codecs_guard_holds_for_the_fast_path_too(protocol: str) -> None:
    """Frames msgspec would take but the codec's guard refuses (too deep, bad UTF-8) are
    rejected by the reader as by the full decoder."""
    junk = FRAMES[3][:-1] + b',"junk":"\xff\xfe"}'
    lines = [FRAMES[0], DEEP, FRAMES[1], junk, FRAMES[2]]
    frames, rejected, _ = _reference(lines, protocol)
    reader = read_log(io.BytesIO(_log(lines)), protocol=protocol, errors="report")
    assert _same(list(reader), frames) and [r.line for r in reader.rejected] == rejected
    assert 2 in rejected


def test_errors_raise_stops_at_the_first_bad_line() -> None:
    """errors="raise" yields the frames before the first bad line, then raises with its number."""
    lines = [*FRAMES[:5], b"", BAD[0], *FRAMES[5:8], BAD[1]]
    reader = read_log(io.BytesIO(_log(lines)))
    got = []
    with pytest.raises(rt_fast.DecodeError) as error:
        got.extend(reader)
    assert error.value.line == 7 and "line 7" in str(error.value)
    assert len(got) == 5
    assert (reader.lines, reader.decoded, reader.rejected_count) == (6, 5, 1)


def test_errors_report_gives_line_error_and_excerpt() -> None:
    """errors="report" goes on, reporting each bad line's number, error and excerpt."""
    long_bad = b'{"type": "x", ' + b"a" * 500
    lines = [FRAMES[0], BAD[0], b"", long_bad, BAD[2], FRAMES[1]]
    reader = read_log(io.BytesIO(_log(lines)), errors="report")
    assert len(list(reader)) == 2
    assert [(r.line, r.excerpt) for r in reader.rejected] == [
        (2, "{not json"),
        (4, long_bad[:80].decode() + "..."),
        (5, "\\xff\\xfe{}"),
    ]
    assert all(r.error and r.log == reader.rejected[0].log for r in reader.rejected)


def test_on_reject_takes_the_rejected_lines_in_order() -> None:
    """on_reject receives each rejected line in order, and the reader keeps none itself."""
    seen: list[Rejected] = []
    reader = read_log(io.BytesIO(_log([BAD[0], FRAMES[0], BAD[1]])), errors="report",
                      on_reject=seen.append)  # fmt: skip
    list(reader)
    assert [r.line for r in seen] == [1, 3] and reader.rejected == []
    assert reader.rejected_count == 2


def test_unknown_types_are_frames_not_rejections(monkeypatch: pytest.MonkeyPatch) -> None:
    """A well-formed frame of an unknown type is an UnknownEvent whose raw is its own line."""
    monkeypatch.setattr(_jsonl, "_CHUNK", 64)
    frames = list(read_log(io.BytesIO(_log([UNKNOWN, *FRAMES[:6], UNKNOWN]))))
    unknown = [f for f in frames if isinstance(f, rt_fast.UnknownEvent)]
    assert len(unknown) == 2 and all(bytes(f.raw) == UNKNOWN for f in unknown)
    assert unknown[0].type == "brand.new.event" and unknown[0].event_id == "evt_1"


@pytest.mark.parametrize("protocol", ["ga", "beta", "translation", "auto"])
def test_protocols(protocol: str) -> None:
    """A given generation decodes as that generation's decoder does, line by line."""
    lines = [*FRAMES[:20], UNKNOWN, BAD[0]]
    frames, rejected, _ = _reference(lines, protocol)
    reader = read_log(io.BytesIO(_log(lines)), protocol=protocol, errors="report")
    assert _same(list(reader), frames) and [r.line for r in reader.rejected] == rejected


def test_generations_are_typed_as_their_own() -> None:
    """With "auto", GA frames are GA classes and a beta-only frame is beta's."""
    beta_delta = b'{"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AAAA"}'
    frames = list(read_log(io.BytesIO(_log([FRAMES[0], beta_delta]))))
    assert isinstance(frames[0], ga.SessionCreatedEvent)
    assert isinstance(frames[1], beta.ResponseAudioDeltaEvent)


def test_batches_know_each_frames_line() -> None:
    """A batch gives each frame's line number, size (a CRLF line's CR is not the frame's) and
    bytes as logged."""
    lines = [FRAMES[0], b"", BAD[0], UNKNOWN, FRAMES[1] + b"\r"]
    seen: list[tuple[list[int], list[int], list[bytes]]] = []

    def look(batch: LogBatch) -> None:
        seen.append((batch.numbers(), batch.sizes(), batch.raw_lines()))

    list(map_log(io.BytesIO(_log(lines)), look, errors="report"))
    numbers, sizes, raw = seen[0]
    assert numbers == [1, 4, 5]
    assert raw == [FRAMES[0], UNKNOWN, FRAMES[1] + b"\r"]
    assert sizes == [len(line.removesuffix(b"\r")) for line in raw]


def _big(tmp_path: Path, name: str = "big.jsonl", compress: Any = None) -> tuple[Path, list[bytes]]:
    lines = [*FRAMES, b"", BAD[0], UNKNOWN, *FRAMES[:40], b"\r", BAD[3], *FRAMES[40:90]]
    path = tmp_path / name
    data = _log(lines)
    path.write_bytes(compress(data) if compress else data)
    return path, lines


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("compress", [None, gzip.compress], ids=["ranges", "shipped"])
def test_jobs_2_in_order_with_global_line_numbers(tmp_path: Path, compress: Any) -> None:
    """Two worker processes give the frames in order and the same global line numbers."""
    path, lines = _big(tmp_path, compress=compress)
    frames, rejected, blank = _reference(lines)
    reader = read_log(path, jobs=2, errors="report")
    assert _same(list(reader), frames)
    assert [r.line for r in reader.rejected] == rejected
    assert (reader.lines, reader.blank) == (len(frames) + len(rejected), blank)
    if compress is None:
        assert reader.position == reader.size == path.stat().st_size


def _numbers(batch: LogBatch) -> list[int]:
    return batch.numbers()


def _offset(batch: LogBatch) -> tuple[int, int]:
    return batch.offset, batch.offset + sum(batch.sizes()) + batch.physical


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_offsets_tile_the_log(tmp_path: Path, jobs: int) -> None:
    """Each batch says where it starts in the log; together they cover it, in order."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(_log(FRAMES))
    spans = list(map_log(path, _offset, jobs=jobs))
    assert len(spans) > 2 and spans[0][0] == 0 and spans[-1][1] == path.stat().st_size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))


@pytest.mark.usefixtures("small_chunks")
def test_map_log_unordered_and_whole_compressed_logs(tmp_path: Path) -> None:
    """ordered=False gives every batch once with global numbers; so do whole compressed logs."""
    plain, lines = _big(tmp_path)
    packed, _ = _big(tmp_path, "big.jsonl.zst", zstandard.compress)
    _, rejected, _ = _reference(lines)
    expected = [n for n in range(1, len(lines) + 1) if n not in rejected and lines[n - 1].strip()]
    readers = [
        map_log([plain, packed], _numbers, jobs=2, errors="report", ordered=False),
        _jsonl.map_log_reporting(
            [packed, packed],
            _numbers,
            protocol="auto",
            jobs=2,
            on_reject=None,
            numbered=True,
            whole=True,
        ),
    ]
    for reader in readers:
        numbers = sorted(n for batch in reader for n in batch)
        assert numbers == sorted(expected * 2)
        assert sorted({r.line for r in reader.rejected if r.log == str(packed)}) == rejected


@pytest.mark.usefixtures("small_chunks")
def test_jobs_2_raises_at_the_first_bad_line(tmp_path: Path) -> None:
    """errors="raise" with workers raises at the first bad line, after the frames before it."""
    path, lines = _big(tmp_path)
    reader = read_log(path, jobs=2)
    got: list[Any] = []
    with pytest.raises(rt_fast.DecodeError) as error:
        got.extend(reader)
    assert error.value.line == lines.index(BAD[0]) + 1
    assert len(got) == len(FRAMES)


@pytest.mark.parametrize("threaded", [False, True], ids=["as-is", "spawned"])
def test_camel_frames_cross_processes(tmp_path: Path, threaded: bool) -> None:
    """camelCase frames (generated variant classes) come back from workers as the same class,
    whether the workers were forked or spawned (another thread runs: forking is not safe;
    "as-is" forks unless an earlier test left a thread running)."""
    camel = [rt_fast.encode(f, naming="camel") for f in read_log(io.BytesIO(_log(FRAMES[:30])))]
    path = tmp_path / "camel.jsonl"
    path.write_bytes(_log(camel))
    one = list(read_log(path, naming="camel"))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    if threaded:
        other.start()
    try:
        assert not threaded or not _pool._fork_safe()
        two = list(read_log(path, naming="camel", jobs=2))
    finally:
        stop.set()
    assert [type(f) for f in one] == [type(f) for f in two] and _same(one, two)


def test_closing_early_ends_the_workers(tmp_path: Path) -> None:
    """Leaving a reader early closes the log and stops the worker processes."""
    path, _ = _big(tmp_path)
    with read_log(path, jobs=2, errors="report") as reader:
        assert next(reader) is not None
    with pytest.raises(StopIteration):
        next(reader)


def test_several_logs_count_lines_each(tmp_path: Path) -> None:
    """Logs read one after another: line numbers start over in each, counts add up."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz"
    first.write_bytes(_log([FRAMES[0], BAD[0]]))
    second.write_bytes(gzip.compress(_log([BAD[0], FRAMES[1]])))
    reader = read_log([first, second], errors="report")
    assert len(list(reader)) == 2
    assert [(Path(r.log).name, r.line) for r in reader.rejected] == [
        ("a.jsonl", 2),
        ("b.jsonl.gz", 1),
    ]


def test_corrupt_compressed_data_is_an_os_error(tmp_path: Path) -> None:
    """A truncated gzip log raises OSError naming the log, not a decoding error."""
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(_log(FRAMES))[:-20])
    with pytest.raises(OSError, match=r"cut\.jsonl\.gz"):
        list(read_log(path))


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="3.14+ reads zstd with its stdlib")
def test_zstd_without_zstandard_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without zstandard, a zstd log raises an error naming the extra to install."""
    path = tmp_path / "log.zst"
    path.write_bytes(zstandard.compress(_log(FRAMES[:3])))
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(ModuleNotFoundError, match=r"rt-fast\[zstd\]"):
        list(read_log(path))


@pytest.mark.parametrize(
    "options", [{"protocol": "gamma"}, {"errors": "ignore"}, {"naming": "kebab"}, {"jobs": -1}]
)
def test_bad_options_raise_value_error(options: dict[str, Any]) -> None:
    """Unknown protocols, error policies, namings and negative jobs are ValueErrors."""
    with pytest.raises(ValueError):
        read_log(io.BytesIO(b""), **options)


def _raw_types(info: Any, seen: set[int]) -> Iterator[Any]:
    if id(info) in seen:
        return
    seen.add(id(info))
    yield info
    for value in vars(info).values() if hasattr(info, "__dict__") else ():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, msgspec.inspect.Type):
                yield from _raw_types(item, seen)
            elif isinstance(item, msgspec.inspect.Field):
                yield from _raw_types(item.type, seen)


@functools.cache
def _struct_infos() -> list[Any]:
    unions = [m.Event for m in (ga, beta, translation)]
    return [t for u in unions for t in _raw_types(msgspec.inspect.type_info(u), set())]


def test_no_model_holds_raw_bytes_of_its_input() -> None:
    """No decoded model keeps a view of its input, so the reader may reuse its buffer."""
    raw = [t for t in _struct_infos() if isinstance(t, msgspec.inspect.RawType)]
    assert raw == []


def test_spawned_workers_give_the_same_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers started by spawn (where fork is unsafe or missing) import what they need."""
    monkeypatch.setattr(_pool, "_fork_safe", lambda: False)
    path, lines = _big(tmp_path)
    reader = read_log(path, jobs=2, errors="report")
    assert _same(list(reader), _reference(lines)[0])


def test_decode_lines_keeps_the_decoders_own_max_size() -> None:
    """``Decoder.decode_lines`` reads its lines as the log reader does, but to its decoder's
    ``max_size``, not the log reader's: a line over 16 MiB decodes where the decoder allows."""
    size = rt_fast.MAX_FRAME_SIZE + 1024
    head = b'{"type":"input_audio_buffer.append","audio":"'
    line = head + b"A" * (size - len(head) - 2) + b'"}'
    (event,) = rt_fast.Decoder(ga.ClientEvent, max_size=2 * size).decode_lines(line + b"\n")
    assert len(event.audio) == size - len(head) - 2
    with pytest.raises(rt_fast.DecodeError, match="line 2: frame of"):
        rt_fast.Decoder(ga.ClientEvent).decode_lines(b"\n" + line)
