"""Secrets (API tokens and keys): from the environment, or from an Airflow connection.

Never from sources.yml, never written anywhere: the value is registered with the source's
HTTP client, which masks it in errors, landing files and stored cursors.
"""

from __future__ import annotations

import os
import sys

from extractors.base import ExtractContext
from extractors.errors import SourceError


def read_secret(ctx: ExtractContext, env_var: str, airflow_conn_id: str) -> str:
    """The secret from `env_var`, else from the Airflow connection's password; registered
    for masking. Raises a `SourceError` naming both places when neither has it."""
    value = os.environ.get(env_var) or airflow_password(airflow_conn_id)
    if not value:
        raise SourceError(
            ctx.source.id,
            f"no credentials: {env_var} is not set",
            hint=f"export {env_var}=..., or create the Airflow connection '{airflow_conn_id}' "
            "with the token as its password",
        )
    ctx.http.add_secret(value)
    return value


def airflow_password(conn_id: str) -> str | None:
    """The connection's password when running inside an Airflow task (which has imported
    the Task SDK already); None elsewhere, without paying for importing Airflow."""
    if "airflow.sdk" not in sys.modules:
        return None
    from airflow.sdk import Connection

    try:
        return Connection.get(conn_id).password
    except Exception:  # no such connection: the caller names both places to look
        return None
