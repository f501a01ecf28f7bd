"""What clients may put in ``session.update`` and ``response.create``, per dialect.

GA shapes follow openai-python's ``types/realtime`` (nested ``audio.input``/``audio.output``,
``session.type`` required); preview (beta) shapes are flat (``input_audio_format``,
``turn_detection``, ``temperature``). A GA field sent on the preview endpoint is an
``unknown_parameter`` there, as Azure answers (openai/openai-python#2638).
"""

from __future__ import annotations

from emulator.realtime import validation as p

GA_VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
BETA_FORMATS = ("pcm16", "g711_ulaw", "g711_alaw")
TRANSCRIPTION = p.nullable(p.obj({"model": p.string, "language": p.string, "prompt": p.string}))
NOISE_REDUCTION = p.nullable(p.obj({"type": p.one_of("near_field", "far_field")}))
FUNCTION_TOOL = p.obj(
    {
        "type": p.one_of("function"),
        "name": p.string,
        "description": p.string,
        "parameters": p.json_object,
    },
    required=("type", "name"),
)
TRACING = p.nullable(
    lambda v, param: (
        p.one_of("auto")(v, param)
        if isinstance(v, str)
        else p.obj({"workflow_name": p.string, "group_id": p.string, "metadata": p.any_json})(
            v, param
        )
    )
)
PROMPT = p.nullable(
    p.obj({"id": p.string, "version": p.nullable(p.string), "variables": p.any_json}, ("id",))
)


def _tool_choice(value: object, param: str) -> object:
    if isinstance(value, str):
        return p.one_of("auto", "none", "required")(value, param)
    return p.obj({"type": p.one_of("function"), "name": p.string}, ("type", "name"))(value, param)


def _server_vad(with_idle: bool) -> p.Validator:
    fields: dict[str, p.Validator] = {
        "type": p.string,
        "threshold": p.number(0.0, 1.0),
        "prefix_padding_ms": p.number(0, 10_000, integer=True),
        "silence_duration_ms": p.number(0, 10_000, integer=True),
        "create_response": p.boolean,
        "interrupt_response": p.boolean,
    }
    if with_idle:
        fields["idle_timeout_ms"] = p.nullable(p.number(5000, 30000, integer=True))
    return p.obj(fields)


SEMANTIC_VAD = p.obj(
    {
        "type": p.string,
        "eagerness": p.one_of("low", "medium", "high", "auto"),
        "create_response": p.boolean,
        "interrupt_response": p.boolean,
    }
)
GA_TURN_DETECTION = p.nullable(
    p.tagged("type", {"server_vad": _server_vad(True), "semantic_vad": SEMANTIC_VAD})
)
# {"type": "none"} is what Microsoft's preview client library sends to switch turn detection
# off (Azure-Samples/aoai-realtime-audio-sdk rtclient ``NoTurnDetection``; the Azure Java SDK's
# ``RealtimeTurnDetectionDisabled``, "Supported only in Azure"). GA has no such variant: there
# ``null`` turns detection off and "none" is refused, as the GA schema's union says.
NO_TURN_DETECTION = p.obj({"type": p.string})
BETA_TURN_DETECTION = p.nullable(
    p.tagged(
        "type",
        {"server_vad": _server_vad(False), "semantic_vad": SEMANTIC_VAD, "none": NO_TURN_DETECTION},
    )
)


def _ga_format(value: object, param: str) -> dict:
    checked = p.tagged(
        "type",
        {
            "audio/pcm": p.obj({"type": p.string, "rate": p.number(integer=True)}),
            "audio/pcmu": p.obj({"type": p.string}),
            "audio/pcma": p.obj({"type": p.string}),
        },
    )(value, param)
    if checked["type"] == "audio/pcm":
        rate = checked.setdefault("rate", 24000)
        if rate != 24000:
            raise p.ParamError(
                "invalid_value",
                f"Invalid value: {rate}. Supported values are: 24000.",
                f"{param}.rate",
            )
    return checked


GA_AUDIO = p.obj(
    {
        "input": p.obj(
            {
                "format": _ga_format,
                "transcription": TRANSCRIPTION,
                "noise_reduction": NOISE_REDUCTION,
                "turn_detection": GA_TURN_DETECTION,
            }
        ),
        "output": p.obj(
            {
                "format": _ga_format,
                "voice": p.one_of(*GA_VOICES),
                "speed": p.number(0.25, 1.5),
            }
        ),
    }
)


def _ga_modalities(value: object, param: str) -> list[str]:
    items = p.array(p.one_of("audio", "text"))(value, param)
    if len(items) != 1:
        raise p.ParamError(
            "invalid_value",
            f"Invalid value for '{param}': expected exactly one of 'audio' or 'text'.",
            param,
        )
    return items


def _truncation(value: object, param: str) -> object:
    if isinstance(value, str):
        return p.one_of("auto", "disabled")(value, param)
    return p.obj(
        {
            "type": p.one_of("retention_ratio"),
            "retention_ratio": p.number(0.0, 1.0),
            "token_limits": p.any_json,
        },
        ("type", "retention_ratio"),
    )(value, param)


GA_SESSION = p.obj(
    {
        "type": p.one_of("realtime"),
        "model": p.string,
        "output_modalities": _ga_modalities,
        "instructions": p.string,
        "audio": GA_AUDIO,
        "include": p.nullable(p.array(p.one_of("item.input_audio_transcription.logprobs"))),
        "tracing": TRACING,
        "tools": p.array(FUNCTION_TOOL, max_items=128),
        "tool_choice": _tool_choice,
        "max_output_tokens": p.token_limit,
        "truncation": _truncation,
        "prompt": PROMPT,
    },
    required=("type",),
)


def _beta_modalities(value: object, param: str) -> list[str]:
    items = p.array(p.one_of("audio", "text"))(value, param)
    if sorted(set(items)) not in (["text"], ["audio", "text"]):
        raise p.ParamError(
            "invalid_value",
            f"Invalid modalities: {items}. Supported combinations are: ['text'] and "
            "['audio', 'text'].",
            param,
        )
    return items


BETA_SESSION = p.obj(
    {
        "model": p.string,
        "modalities": _beta_modalities,
        "instructions": p.string,
        "voice": p.one_of(*GA_VOICES),
        "input_audio_format": p.one_of(*BETA_FORMATS),
        "output_audio_format": p.one_of(*BETA_FORMATS),
        "input_audio_transcription": TRANSCRIPTION,
        "input_audio_noise_reduction": NOISE_REDUCTION,
        "turn_detection": BETA_TURN_DETECTION,
        "tools": p.array(FUNCTION_TOOL, max_items=128),
        "tool_choice": p.string,
        "temperature": p.number(0.6, 1.2),
        "max_response_output_tokens": p.token_limit,
        "speed": p.number(0.25, 1.5),
        "tracing": TRACING,
        "include": p.nullable(p.array(p.one_of("item.input_audio_transcription.logprobs"))),
    }
)

_RESPONSE_COMMON: dict[str, p.Validator] = {
    "instructions": p.string,
    "tools": p.array(FUNCTION_TOOL, max_items=128),
    "tool_choice": _tool_choice,
    "metadata": p.metadata,
    "conversation": p.one_of("auto", "none"),
    "input": p.array(p.any_json),
}
GA_RESPONSE = p.obj(
    {
        **_RESPONSE_COMMON,
        "output_modalities": _ga_modalities,
        "max_output_tokens": p.token_limit,
        "prompt": PROMPT,
        "audio": p.obj({"output": p.obj({"format": _ga_format, "voice": p.one_of(*GA_VOICES)})}),
    }
)
BETA_RESPONSE = p.obj(
    {
        **_RESPONSE_COMMON,
        "modalities": _beta_modalities,
        "voice": p.one_of(*GA_VOICES),
        "output_audio_format": p.one_of(*BETA_FORMATS),
        "temperature": p.number(0.6, 1.2),
        "max_response_output_tokens": p.token_limit,
    }
)
