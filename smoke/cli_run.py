"""``smoke run``: options (each checked by its rule in :mod:`smoke.inputs`), then one run.

The work itself is :func:`smoke.cli_execute.execute`; this module only declares the options so
that ``smoke run --help`` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from smoke.inputs import Checked

if TYPE_CHECKING:
    from smoke.environments import EnvironmentSource

__all__ = ["RUN_EPILOG", "run_command"]

RUN_EPILOG = """\b
Examples:
  smoke run -e local                          every deployment of environments/local.toml
  smoke run -e dev --deployment gpt-realtime --json --junit smoke.xml
  smoke run --env-file ./envs/staging.toml --transport both
  smoke run -e dev --tool-call --max-first-audio-ms 1500
  smoke run --endpoint https://my-aoai.openai.azure.com --deployment gpt-realtime --auth key
  smoke run -e dev --prompt me.wav --prompt-text "repeat after me red fox" --expect "red fox"

\b
Audio pacing: --pace burst (default) sends the prompt as fast as the server accepts it, and
the latency figure is input_audio_buffer.speech_stopped → first audio delta. --pace realtime
sends it at speaking speed like a live microphone (use it to test VAD timing or what a caller
hears); the figure is then end of speech → first audio. WebRTC is real time by nature.

\b
Environment: AZURE_OPENAI_API_KEY (the key for --auth key without --api-key-env),
GITHUB_STEP_SUMMARY (a Markdown summary is appended when set).

\b
Exit codes: 0 passed, 1 a check failed, 2 bad input, 5 sign-in failed or key refused,
6 --strict-lifecycle and the preview protocol, 7 internal error, 130 interrupted.
"""

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _opt(*names: str, **kwargs: Any) -> Decorator:
    """A Click option whose value is checked by the rule of its long name."""
    long = next(n for n in names if n.startswith("--"))
    if not kwargs.get("is_flag") and "type" not in kwargs:
        kwargs["type"] = Checked(long)
    return click.option(*names, **kwargs)


_OPTIONS: list[Decorator] = [
    _opt("-e", "--env", "env", metavar="NAME", help="Environment environments/NAME.toml."),
    _opt("--env-file", metavar="PATH", help="Environment file by path (instead of --env)."),
    _opt("--env-dir", metavar="DIR", help="Where environment files live [environments]."),
    _opt("--deployment", "deployments", multiple=True, metavar="NAME", help="Only these."),
    _opt("--endpoint", metavar="URL", help="Account endpoint, e.g. https://NAME.openai.azure.com."),
    _opt("--model", metavar="MODEL", help="Model of --deployment (reports only)."),
    _opt(
        "--dialect",
        type=click.Choice(["ga", "preview"]),
        help="Protocol dialect [ga]; preview is deprecated since 2026-04-30.",
    ),
    _opt("--auth", type=click.Choice(["entra", "key"]), help="Default: entra (keyless)."),
    _opt("--api-key-env", metavar="VAR", help="Read the API key from VAR (--auth key)."),
    _opt("--principal", metavar="NAME", help="Emulator principal to act as [app]."),
    _opt("--subscription", metavar="ID", help="Subscription (overrides the file)."),
    _opt("--ca-bundle", metavar="PEM", help="Trust this CA bundle too."),
    _opt("--prompt", "prompt_wav", metavar="WAV", help="Your own spoken prompt."),
    _opt("--prompt-text", default="", help="What --prompt says (checks the transcription)."),
    _opt("--expect", metavar="WORDS", help="Words the reply to --prompt must contain."),
    _opt(
        "--text/--no-text",
        "text_scenario",
        default=True,
        is_flag=True,
        help="Also run text-in → audio-out [on].",
    ),
    _opt(
        "--tool-call/--no-tool-call",
        "tool_call",
        default=None,
        is_flag=True,
        help="Also run the function-calling scenario [off; [smoke] tool_call].",
    ),
    _opt("--transcription-model", metavar="MODEL", help="Enable input transcription."),
    _opt("--voice", default="alloy", show_default=True),
    _opt(
        "--timeout",
        "timeout_s",
        metavar="S",
        help="Seconds for a deployment's whole check, readiness included [60].",
    ),
    _opt(
        "--wait-ready",
        "wait_ready_s",
        metavar="S",
        help="Seconds to retry 401/403/404/429 at handshakes (then not counted in --timeout).",
    ),
    _opt("--concurrency", default="4", show_default=True, metavar="N"),
    _opt("--pace", type=click.Choice(["burst", "realtime"]), help="Prompt audio pacing [burst]."),
    _opt("--fast", is_flag=True, hidden=True, help="Deprecated: the default (--pace burst)."),
    _opt(
        "--transport",
        type=click.Choice(["websocket", "webrtc", "both"]),
        help="Realtime transport [websocket].",
    ),
    _opt("--max-first-audio-ms", metavar="MS", help="Fail a check when first audio is slower."),
    _opt("--max-total-ms", metavar="MS", help="Fail a check when a scenario takes longer."),
    _opt("--json", "json_output", is_flag=True, help="JSON report on stdout (table on stderr)."),
    _opt("--json-file", metavar="PATH", help="Also write the JSON report here."),
    _opt("--junit", metavar="PATH", help="Write JUnit XML here."),
    _opt("--artifacts", metavar="DIR", help="Write reply WAVs + event logs + report.json here."),
    _opt("--strict-lifecycle", is_flag=True, help="Exit 6 when the preview protocol is used."),
    _opt("--debug", is_flag=True, help="Full error chains and tracebacks."),
]


def run_command(environments: EnvironmentSource | None) -> click.Command:
    """The ``run`` subcommand, resolving ``--env`` through ``environments``."""

    def run(**values: Any) -> int:
        """Run the realtime speech round-trip against every deployment."""
        from smoke.cli_execute import RunRequest, execute

        return execute(RunRequest.from_cli(values), environments)

    command: Callable[..., Any] = run
    for option in reversed(_OPTIONS):
        command = option(command)
    return click.command("run", epilog=RUN_EPILOG)(command)
