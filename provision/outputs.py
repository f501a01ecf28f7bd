"""What a provisioned environment offers its clients: endpoint, deployments, realtime URLs, in
three forms (JSON, a ``.env`` file, a table) plus single values (``--raw KEY``).

The realtime URL and dialect come from smoke's one rule (``smoke.realtime.dialects``): GA for
every model unless ``[smoke] dialect = "preview"``; deployment names are URL-quoted.

``.env`` names follow the Azure OpenAI samples and azd templates:

- ``AZURE_OPENAI_ENDPOINT``, ``AZURE_OPENAI_REALTIME_DEPLOYMENT``, ``AZURE_OPENAI_REALTIME_URL``
  and ``AZURE_OPENAI_REALTIME_DIALECT`` describe the FIRST deployment of the environment file;
- every deployment also gets ``AZURE_OPENAI_REALTIME_DEPLOYMENT_<NAME>`` and
  ``AZURE_OPENAI_REALTIME_URL_<NAME>``, where ``<NAME>`` is the deployment name upper-cased with
  every character outside ``A-Z0-9`` replaced by ``_`` (a name that collides with an earlier one
  gets ``_2``, ``_3``, ... in file order); ``AZURE_OPENAI_REALTIME_DEPLOYMENTS`` lists all names,
  comma-separated;
- keys are never exported: apps sign in with Entra ID (scope in ``AZURE_OPENAI_ENTRA_SCOPE``).
"""

from __future__ import annotations

import re
from typing import Any

from provision.errors import UsageError
from provision.model import ActualState, DesiredState

FORMAT_VERSION = 1
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
FORMATS = ("json", "env", "table")


def openai_endpoint(endpoints: dict[str, str], endpoint: str | None) -> str | None:
    """The OpenAI endpoint of an account (AIServices accounts list it separately)."""
    for key in ("OpenAI Realtime API", "OpenAI Language Model Instance API"):
        if endpoints.get(key):
            return endpoints[key]
    return endpoint


def dialect_and_url(
    endpoint: str | None, deployment: str, model: str, requested: str | None = None
) -> tuple[str, str | None]:
    """(dialect, wss URL or None when there is no endpoint) by smoke's rule."""
    from smoke.realtime.dialects import choose_dialect, realtime_url

    dialect = choose_dialect(model, requested)
    url = realtime_url(endpoint, deployment, dialect) if endpoint else None
    return str(dialect.value), url


def build(
    desired: DesiredState,
    actual: ActualState,
    *,
    dialect: str | None = None,
    local: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Outputs as JSON-ready data (``docs/schemas/outputs.schema.json``).

    ``provisioned`` is False when the account is missing; ``dialect`` is ``[smoke] dialect``
    when set; ``local`` describes the emulator endpoint's lifetime (see ``local_endpoint``).
    """
    acct = actual.account
    endpoint = openai_endpoint(acct.endpoints, acct.endpoint) if acct else None
    deployed = {d.name: d for d in actual.deployments}
    deployments = []
    for spec in desired.deployments:
        state = deployed.get(spec.name)
        chosen, url = dialect_and_url(endpoint, spec.name, spec.model, dialect)
        deployments.append(
            {
                "name": spec.name,
                "model": spec.model,
                "version": state.version if state else spec.version,
                "dialect": chosen,
                "realtime_url": url,
                "provisioning_state": state.provisioning_state if state else None,
            }
        )
    return {
        "format_version": FORMAT_VERSION,
        "environment": desired.environment,
        "target": desired.target,
        "subscription_id": desired.subscription_id,
        "resource_group": desired.resource_group.name,
        "account": desired.account.name,
        "account_id": desired.account_id,
        "location": desired.account.location,
        "provisioned": acct is not None,
        "endpoint": endpoint,
        "auth": {"entra_scope": ENTRA_SCOPE, "local_auth": not desired.account.disable_local_auth},
        "deployments": deployments,
        "role_assignments": [
            {"principal": ra.principal, "principal_id": ra.principal_id, "role": ra.role_name}
            for ra in desired.role_assignments
        ],
        "local": local,
    }


def local_endpoint(started_here: bool, state_dir: str, ca_bundle: str | None) -> dict[str, Any]:
    """The emulator endpoint's lifetime: one this command started stops when it exits."""
    serve = f"realtime-emulator serve --state-dir {state_dir}"
    if started_here:
        note = (
            "the local endpoint stopped when this command exited (the emulator was started for "
            f"it); keep one running with `{serve}` in another terminal, then run this again"
        )
    else:
        note = f"served by a running emulator (state {state_dir}); it answers while that runs"
    return {
        "started_by_command": started_here,
        "state_dir": state_dir,
        "ca_bundle": ca_bundle,
        "keep_alive": serve,
        "note": note,
    }


# --------------------------------------------------------------------------- .env form


def env_suffix(name: str) -> str:
    """A deployment name as an environment-variable suffix (``gpt-4o.x`` -> ``GPT_4O_X``)."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def env_variables(data: dict[str, Any]) -> dict[str, str]:
    """The ``.env`` variables of ``data`` (from ``build``), in output order; no keys, ever."""
    deployments = data["deployments"]
    out: dict[str, str] = {
        "AZURE_OPENAI_ENDPOINT": data["endpoint"] or "",
        "AZURE_OPENAI_ENTRA_SCOPE": data["auth"]["entra_scope"],
    }
    if deployments:
        first = deployments[0]
        out["AZURE_OPENAI_REALTIME_DEPLOYMENT"] = first["name"]
        out["AZURE_OPENAI_REALTIME_URL"] = first["realtime_url"] or ""
        out["AZURE_OPENAI_REALTIME_DIALECT"] = first["dialect"]
    out["AZURE_OPENAI_REALTIME_DEPLOYMENTS"] = ",".join(d["name"] for d in deployments)
    for suffix, d in zip(
        unique_suffixes([d["name"] for d in deployments]), deployments, strict=True
    ):
        out[f"AZURE_OPENAI_REALTIME_DEPLOYMENT_{suffix}"] = d["name"]
        out[f"AZURE_OPENAI_REALTIME_URL_{suffix}"] = d["realtime_url"] or ""
    out |= {
        "AZURE_SUBSCRIPTION_ID": data["subscription_id"] or "",
        "AZURE_RESOURCE_GROUP": data["resource_group"],
        "AZURE_LOCATION": data["location"],
        "AZURE_OPENAI_ACCOUNT": data["account"],
    }
    return out


def unique_suffixes(names: list[str]) -> list[str]:
    """``env_suffix`` of each name; a repeat gets ``_2``, ``_3``... in order."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        base = env_suffix(name)
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        seen[candidate] = 1
        out.append(candidate)
    return out


def _quote(value: str) -> str:
    """Quoted when needed so that dotenv parsers and POSIX shells read the same value:
    single quotes are literal in both; a value holding ``'`` or ``\\`` gets double quotes."""
    if re.fullmatch(r"[A-Za-z0-9_./:,@%+=?&-]*", value):
        return value
    if "'" not in value and "\\" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def env_text(data: dict[str, Any]) -> str:
    """``KEY=value`` lines (a ``.env`` file) with a header saying where they came from."""
    lines = [f"# provision outputs --env {data['environment']} ({data['target']})"]
    if not data["provisioned"]:
        lines.append("# not provisioned: run `provision up` first")
    local = data.get("local")
    if local:
        lines.append(f"# {local['note']}")
        if local.get("ca_bundle"):
            lines.append(f"# emulator TLS: trust {local['ca_bundle']} (e.g. SSL_CERT_FILE)")
    lines += [f"{key}={_quote(value)}" for key, value in env_variables(data).items()]
    return "\n".join(lines)


# --------------------------------------------------------------------------- table and raw


def table_text(data: dict[str, Any]) -> str:
    """The human form: account, endpoint, one line per deployment."""
    lines = [
        f"environment: {data['environment']} ({data['target']})",
        f"account:     {data['account']} in {data['resource_group']} ({data['location']})",
        f"endpoint:    {data['endpoint'] or '(not provisioned)'}",
        "deployments:",
    ]
    for d in data["deployments"]:
        url = d["realtime_url"] or "(not provisioned)"
        lines.append(f"  {d['name']:<32} {d['dialect']:<8} {url}")
    local = data.get("local")
    if local:
        lines.append(f"note: {local['note']}")
    return "\n".join(lines)


def raw_keys(data: dict[str, Any]) -> list[str]:
    """Every key ``--raw`` accepts: the ``.env`` names and the top-level scalar JSON fields."""
    scalars = [k for k, v in data.items() if isinstance(v, (str, int, bool)) or v is None]
    return [*env_variables(data), *scalars]


def raw_value(data: dict[str, Any], key: str) -> str:
    """One value by ``.env`` name (``AZURE_OPENAI_ENDPOINT``) or JSON field (``endpoint``).

    Raises UsageError (exit 2) naming the accepted keys for an unknown one.
    """
    variables = env_variables(data)
    if key in variables:
        return variables[key]
    if key in raw_keys(data):
        return _scalar_text(data[key])
    known = ", ".join(raw_keys(data))
    raise UsageError(f"--raw {key}: unknown output; use one of: {known}")


def _scalar_text(value: str | int | bool | None) -> str:
    """A JSON scalar as a shell reads it: ``true``/``false``, empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(data: dict[str, Any], fmt: str) -> str:
    """``data`` in ``fmt`` (json | env | table)."""
    if fmt == "env":
        return env_text(data)
    if fmt == "table":
        return table_text(data)
    import json

    return json.dumps(data, indent=2)
