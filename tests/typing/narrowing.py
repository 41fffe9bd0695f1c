"""Checked by mypy (tests/test_typing.py): decoders return the unions and ``match`` narrows them."""

from __future__ import annotations

from typing import Union

from msgspec import UnsetType
from typing_extensions import assert_type

import rt_fast
from rt_fast import ga, live


def server(frame: bytes) -> str:
    event = rt_fast.decode_server_event(frame)
    assert_type(event, Union[ga.ServerEvent, rt_fast.UnknownEvent])
    match event:
        case ga.ResponseOutputAudioDeltaEvent(delta=delta, item_id=item_id):
            assert_type(event, ga.ResponseOutputAudioDeltaEvent)
            assert_type(delta, str)
            return item_id
        case ga.ResponseDoneEvent(response=response):
            assert_type(response, ga.RealtimeResponse)
            usage = response.usage
            assert_type(usage, Union[ga.RealtimeResponseUsage, None, UnsetType])
            if isinstance(usage, ga.RealtimeResponseUsage) and isinstance(usage.total_tokens, int):
                return str(usage.total_tokens)
            return ""
        case ga.ErrorEvent(error=ga.RealtimeError(message=message)):
            assert_type(message, str)
            return message
        case rt_fast.UnknownEvent(type=type_, raw=raw):
            assert_type(type_, str)
            return bytes(raw).decode()
        case _:
            return event.type


def client(frame: str) -> int:
    event = rt_fast.decode_client_event(frame)
    assert_type(event, Union[ga.ClientEvent, rt_fast.UnknownEvent])
    if isinstance(event, ga.InputAudioBufferAppendEvent):
        assert_type(event.audio, str)
        return len(event.audio)
    return 0


def rest(body: bytes) -> str:
    session = rt_fast.decode(body, type=ga.RealtimeSessionCreateResponse)
    assert_type(session, ga.RealtimeSessionCreateResponse)
    assert_type(session.id, str)
    decoder: rt_fast.Decoder[ga.ClientSecretCreateResponse]
    decoder = rt_fast.Decoder(ga.ClientSecretCreateResponse)
    secret = decoder.decode(body)
    assert_type(secret, ga.ClientSecretCreateResponse)
    assert_type(rt_fast.encode(secret), bytes)
    return secret.value


def content_text(item: ga.RealtimeConversationItemMessage) -> str:
    """A content part without its ``type`` is one more member of the union, and narrows too."""
    texts = []
    for part in item.content:
        match part:
            case ga.InputTextContent(text=str(text)) | ga.UntaggedContentPart(text=str(text)):
                texts.append(text)
            case ga.UntaggedContentPart(type=type_):
                assert_type(type_, Union[None, UnsetType])
            case _:
                assert_type(part.type, str)
    return "".join(texts)


def audio_rate(config: ga.RealtimeAudioConfigInput) -> int:
    match config.format:
        case ga.AudioPCM(rate=int(rate)) | ga.UntaggedAudioFormat(rate=int(rate)):
            return rate
        case ga.AudioPCMU() | ga.AudioPCMA():
            return 8000
        case ga.AudioPCM() | ga.UntaggedAudioFormat() | None | UnsetType():
            return 24000


def live_server(frame: bytes) -> float:
    event = rt_fast.decode_server_event(frame, protocol="live")
    assert_type(event, Union[live.ServerEvent, rt_fast.UnknownEvent])
    match event:
        case live.SessionUsageUpdatedEvent(usage=live.SessionUsage(seconds=seconds)):
            assert_type(seconds, float)
            return seconds
        case live.SessionOutputAudioDeltaEvent(delta=delta, start_ms=start_ms):
            assert_type(start_ms, Union[int, None, UnsetType])
            return float(len(delta))
        case _:
            return 0.0


def live_client(frame: bytes) -> str:
    event = rt_fast.decode_client_event(frame, protocol="live")
    assert_type(event, Union[live.ClientEvent, rt_fast.UnknownEvent])
    if isinstance(event, live.SessionStartEvent):
        assert_type(event.session.model, str)
        return event.session.model
    return ""
