"""The ``realtime-emulator`` command, run as a user would: subprocesses, signals, exit codes."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

from emulator import connection

pytestmark = pytest.mark.slow  # every test starts Python subprocesses

REPO = Path(__file__).resolve().parents[2]
DEADLINE = 30.0
CS_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m emulator ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_line(proc: subprocess.Popen, timeout: float = DEADLINE) -> str:
    """The next line the process writes on stdout, waiting for it up to ``timeout`` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"no output from serve within {timeout} s")
    return proc.stdout.readline().decode()


class Served:
    """An ``emulator serve`` subprocess and its connection file."""

    def __init__(self, args: list[str], cwd: Path, state_dir: Path) -> None:
        self.connection_file = state_dir / connection.FILE_NAME
        self.banner = ""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emulator", "serve", *args],
            cwd=cwd,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,  # unbuffered bytes: what select() reports is what readline() gets
        )

    def ready(self) -> connection.Connection:
        """Wait until serve announces it is listening (it writes connection.json first)."""
        self.banner = read_line(self.proc)
        if "listening on" not in self.banner:
            raise AssertionError(f"serve did not start: {self.banner!r} {self.proc.communicate()}")
        conn = connection.load(self.connection_file)
        assert conn.pid == self.proc.pid and conn.url in self.banner
        return conn

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str, str]:
        """Send a signal and collect (exit code, stdout, stderr)."""
        self.proc.send_signal(signum)
        out, err = self.proc.communicate(timeout=DEADLINE)
        return self.proc.returncode, self.banner + out.decode(), err.decode()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    started: list[Served] = []

    def start(*args: str, state_dir: Path | None = None) -> Served:
        state = state_dir or tmp_path / ".emulator" / "default"
        extra = ["--state-dir", str(state)] if state_dir else []
        served = Served([*extra, *args], tmp_path, state)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.communicate(timeout=DEADLINE)


def _auth(conn: connection.Connection, name: str = "deployer") -> AuthorizationManagementClient:
    p = conn.principals[name]
    cred = ClientSecretCredential(
        conn.tenant_id,
        p.client_id,
        p.client_secret,
        authority=conn.authority_url,
        disable_instance_discovery=True,
        connection_verify=str(conn.ca_bundle),
    )
    return AuthorizationManagementClient(
        cred,
        conn.subscription_id,
        base_url=conn.arm_url,
        connection_verify=str(conn.ca_bundle),
        retry_total=0,
    )


def _one_line_error(result: subprocess.CompletedProcess[str], code: int, fragment: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("realtime-emulator: error:") and fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


# -- serve ------------------------------------------------------------------------------------
def test_serve_from_the_readme_then_ctrl_c(serve, tmp_path: Path) -> None:
    served = serve()  # defaults: ./.emulator/default, a free port
    conn = served.ready()
    assert served.connection_file == tmp_path / ".emulator" / "default" / "connection.json"
    assert oct(served.connection_file.stat().st_mode & 0o777) == "0o600"
    sub = f"/subscriptions/{conn.subscription_id}"
    names = [
        d.role_name for d in _auth(conn).role_definitions.list(sub, filter="roleName eq 'Owner'")
    ]
    assert names == ["Owner"]
    code, out, err = served.stop(signal.SIGINT)
    assert code == 130, err  # Ctrl-C is an interruption, as in every CLI of the toolkit
    assert "Traceback" not in err
    assert not served.connection_file.exists()
    assert conn.url in out and "REQUESTS_CA_BUNDLE" in out and str(conn.ca_bundle) in out
    assert "stopped" in out.lower()


@pytest.mark.conformance  # subprocess serve; core keeps test_serve_from_the_readme_then_ctrl_c
def test_sigterm_stops_cleanly_and_state_survives(serve, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = serve(state_dir=state)
    before = first.ready()
    assert first.stop(signal.SIGTERM)[0] == 0
    assert not first.connection_file.exists()
    second = serve(state_dir=state)
    after = second.ready()
    assert after.subscription_id == before.subscription_id
    assert second.stop(signal.SIGTERM)[0] == 0


@pytest.mark.conformance  # subprocess serve; core keeps test_serve_from_the_readme_then_ctrl_c
def test_serve_flags_reach_the_settings_and_config_commands(serve, tmp_path: Path) -> None:
    state = tmp_path / "flags"
    served = serve(
        "--lro-seconds",
        "2.5",
        "--role-propagation-seconds",
        "7",
        "--throttle-rate",
        "0.25",
        "--error-rate",
        "0.1",
        "--realtime-throttle-rate",
        "0.5",
        "--latency-ms",
        "3",
        "--seed",
        "9",
        state_dir=state,
    )
    served.ready()
    shown = run_cli("config", "show", "--state-dir", str(state))
    assert shown.returncode == 0, shown.stderr
    settings = json.loads(shown.stdout)
    assert settings["lro_seconds"] == 2.5 and settings["role_propagation_seconds"] == 7
    assert settings["throttle_rate"] == 0.25 and settings["error_rate"] == 0.1
    assert settings["realtime_throttle_rate"] == 0.5
    assert settings["latency_ms"] == 3 and settings["seed"] == 9
    changed = run_cli(
        "config", "set", "throttle_rate=0", "seed=1", "--connection", str(served.connection_file)
    )
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["throttle_rate"] == 0.0
    rejected = run_cli("config", "set", "throttle_rate=5", "--state-dir", str(state))
    _one_line_error(rejected, 1, "between 0 and 1")
    token = run_cli("token", "--principal", "app", "--state-dir", str(state))
    assert token.returncode == 0 and token.stdout.count(".") == 2
    assert served.stop(signal.SIGTERM)[0] == 0


@pytest.mark.conformance  # subprocess serve; core keeps test_serve_from_the_readme_then_ctrl_c
def test_port_in_use_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--state-dir", str(tmp_path / "s"), "--port", str(port))
    _one_line_error(result, 8, f"port {port} is already in use")
    assert not (tmp_path / "s" / "connection.json").exists()


@pytest.mark.conformance  # subprocess serve; core keeps test_serve_from_the_readme_then_ctrl_c
def test_second_server_on_the_same_state_dir_is_refused(serve, tmp_path: Path) -> None:
    state = tmp_path / "shared"
    served = serve(state_dir=state)
    served.ready()
    result = run_cli("serve", "--state-dir", str(state))
    _one_line_error(result, 8, "already serving")
    assert served.stop(signal.SIGTERM)[0] == 0


def test_unusable_state_dir(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    _one_line_error(run_cli("serve", "--state-dir", str(not_a_dir / "sub")), 9, "state directory")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "state.sqlite").write_bytes(b"this is not a database" * 100)
    _one_line_error(run_cli("principal", "add", "x", "--state-dir", str(corrupt)), 9, "cannot open")


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["serve", "--prot", "1"], 2, "No such option"),
        (["serve", "--port", "99999"], 2, "--port"),
        (["serve", "--throttle-rate", "1.5"], 2, "--throttle-rate"),
        (["serve", "--realtime-throttle-rate", "-0.1"], 2, "--realtime-throttle-rate"),
        (["serve", "--latency-ms", "-1"], 2, "--latency-ms"),
        (["frobnicate"], 2, "No such command"),
        (["config", "set", "nonsense"], 2, "KEY=VALUE"),
        (["config", "show"], 10, "no running emulator"),
        (["principal", "add", "bad name!"], 1, "letters, digits"),
    ],
)
def test_bad_input_exit_codes(tmp_path: Path, args: list[str], code: int, fragment: str) -> None:
    _one_line_error(run_cli(*args, cwd=tmp_path), code, fragment)


def test_help_works() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0 and "--state-dir" in result.stdout and "--seed" in result.stdout


# -- principals ---------------------------------------------------------------------------------
@pytest.mark.conformance  # subprocess serve; core keeps test_serve_from_the_readme_then_ctrl_c
def test_principal_added_offline_can_get_a_token(serve, tmp_path: Path) -> None:
    state = tmp_path / "p"
    added = run_cli("principal", "add", "ci", "--state-dir", str(state), "--json")
    assert added.returncode == 0, added.stderr
    record = json.loads(added.stdout)
    assert uuid.UUID(record["object_id"]) and record["client_secret"]
    duplicate = run_cli("principal", "add", "ci", "--state-dir", str(state))
    _one_line_error(duplicate, 1, "already exists")
    listed = run_cli("principal", "list", "--state-dir", str(state))
    assert listed.returncode == 0
    assert "ci" in listed.stdout and "Owner at /subscriptions/" in listed.stdout
    assert record["client_secret"] not in listed.stdout
    served = serve(state_dir=state)
    conn = served.ready()
    assert conn.principals["ci"].object_id == record["object_id"]
    scope = f"/subscriptions/{conn.subscription_id}"
    with pytest.raises(HttpResponseError) as info:  # a new principal has no roles
        list(_auth(conn, "ci").role_assignments.list_for_scope(scope))
    assert info.value.status_code == 403
    assert served.stop(signal.SIGTERM)[0] == 0


@pytest.mark.conformance  # subprocess serve; core keeps test_serve_from_the_readme_then_ctrl_c
def test_principal_added_while_serving_lands_in_connection_json(serve, tmp_path: Path) -> None:
    state = tmp_path / "live"
    served = serve(state_dir=state)
    served.ready()
    added = run_cli(
        "principal", "add", "late", "--state-dir", str(state), "--replication-lag", "600"
    )
    assert added.returncode == 0, added.stderr
    assert "secret:    not shown" in added.stdout
    conn = connection.load(served.connection_file)
    late = conn.principals["late"]
    token = _auth(conn, "late")._config.credential.get_token(
        "https://management.azure.com/.default"
    )
    assert token.token
    params = RoleAssignmentCreateParameters(
        role_definition_id=f"/subscriptions/{conn.subscription_id}/providers/"
        f"Microsoft.Authorization/roleDefinitions/{CS_USER}",
        principal_id=late.object_id,
        principal_type=None,
    )
    with pytest.raises(HttpResponseError) as info:  # not yet replicated: PrincipalNotFound
        _auth(conn).role_assignments.create(
            f"/subscriptions/{conn.subscription_id}", str(uuid.uuid4()), params
        )
    assert info.value.error.code == "PrincipalNotFound"
    assert served.stop(signal.SIGTERM)[0] == 0


# -- names, version, debug, import discipline (issues 12 and 13) -----------------------------------
def _installed(name: str) -> str:
    script = Path(sys.executable).with_name(name)
    assert script.exists(), f"{name} is not installed (pip install -e .)"
    return str(script)


def test_console_script_and_python_m_agree_on_version() -> None:
    from importlib.metadata import version

    expected = version("realtime-toolkit")
    by_module = run_cli("--version")
    assert by_module.returncode == 0 and by_module.stdout.strip() == f"realtime-emulator {expected}"
    by_script = subprocess.run(
        [_installed("realtime-emulator"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert by_script.returncode == 0 and by_script.stdout.strip().endswith(expected)
    assert by_script.stderr == ""


def test_old_command_name_still_works_with_a_warning() -> None:
    result = subprocess.run(
        [_installed("emulator"), "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "--timing" in result.stdout
    assert "deprecated" in result.stderr and "realtime-emulator" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_every_subcommand_with_examples_and_exit_codes() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in ("serve", "principal", "config", "token", "stats", "--version", "--debug"):
        assert name in result.stdout
    assert "Examples:" in result.stdout and "10 emulator not reachable" in result.stdout


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["serve", "--help"]])
def test_help_and_version_import_no_server_stack(args: list[str]) -> None:
    # --help and --version must stay fast: no aiohttp, cryptography, SDKs or numpy.
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['realtime-emulator', *{args!r}]\n"
        "try:\n    runpy.run_module('emulator', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('aiohttp', 'cryptography', 'azure', 'numpy', 'jwt', 'sqlite3')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=_env(), capture_output=True, text=True, timeout=60
    )
    assert "HEAVY []" in result.stderr, result.stderr


@pytest.mark.conformance  # subprocess serve; core keeps test_serve_from_the_readme_then_ctrl_c
def test_serve_with_default_timing_is_realistic(serve, tmp_path: Path) -> None:
    state = tmp_path / "realistic"
    served = serve(state_dir=state)
    served.ready()
    settings = json.loads(run_cli("config", "show", "--state-dir", str(state)).stdout)
    assert settings["timing"] == "realistic"
    assert settings["lro_seconds"] == 2.0 and settings["role_propagation_seconds"] == 5.0
    instant = run_cli("config", "set", "timing=instant", "--state-dir", str(state))
    assert json.loads(instant.stdout)["lro_seconds"] == 0.0
    assert served.stop(signal.SIGTERM)[0] == 0


def test_debug_flag_is_accepted_by_every_command(tmp_path: Path) -> None:
    result = run_cli("--debug", "config", "show", "--state-dir", str(tmp_path / "none"))
    _one_line_error(result, 10, "no running emulator")


def test_ctrl_c_during_a_client_command_is_130_without_traceback(tmp_path: Path) -> None:
    from emulator import tls

    state = tmp_path / "silent"
    state.mkdir()
    tls.ensure_certificates(state)
    with socket.socket() as silent:  # accepts TCP, never answers TLS: the command blocks
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        fake = connection.Connection(
            url=f"https://127.0.0.1:{port}",
            arm_url=f"https://127.0.0.1:{port}/",
            authority_url=f"https://127.0.0.1:{port}",
            data_plane_url=f"https://127.0.0.1:{port}/dataplane",
            ca_bundle=state / tls.CA_FILE,
            tenant_id=str(uuid.uuid4()),
            subscription_id=str(uuid.uuid4()),
            port=port,
            pid=os.getpid(),
            admin_key="k" * 43,
        )
        connection.write(state / connection.FILE_NAME, fake)
        proc = subprocess.Popen(
            [sys.executable, "-m", "emulator", "stats", "--state-dir", str(state)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with selectors.DefaultSelector() as selector:  # wait until the command is connecting
            selector.register(silent, selectors.EVENT_READ)
            assert selector.select(DEADLINE), "the command never connected"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and err.strip() == "realtime-emulator: interrupted"
