"""One readable message when a task of the nightly DAG fails for good.

Airflow calls `on_task_failure(context)` once a task has no retry left. The message names
the DAG run, what failed (a source that could not be read, or a step such as a broken
validation rule) and the error ecoute reported, e.g.

    ecoute_nightly, run scheduled__2026-11-24T02:00:00+00:00: source 'velo-atelier' could
    not be read (extract, try 3 of 3): source 'velo-atelier': https://...: HTTP 503 ...

It goes to the task's log always, and where the operator configured them:
- a webhook (Slack, Mattermost, Teams, ntfy...): ECOUTE_ALERT_WEBHOOK, or the URL in the
  `host` of the Airflow connection `ecoute_alerts`; JSON body `{"text": message, ...}`;
- e-mail, through Airflow's SMTP notifier (the connection `smtp_default`, or the one
  [email] email_conn_id names): ECOUTE_ALERT_EMAIL, comma-separated addresses.

A delivery that fails is logged, never raised: the task has failed already, and the
message is in its log. Nothing here imports more than requests at parse time.
"""

from __future__ import annotations

import html
import logging
import os
from typing import Any

log = logging.getLogger("ecoute.alerts")

WEBHOOK_ENV = "ECOUTE_ALERT_WEBHOOK"
EMAIL_ENV = "ECOUTE_ALERT_EMAIL"
WEBHOOK_CONNECTION = "ecoute_alerts"


def failure_message(context: Any) -> str:
    """What failed, where and why, in one paragraph (an Airflow task context in)."""
    ti = context["ti"]
    task = context.get("task")
    retries = getattr(task, "retries", 0) or 0
    exception = context.get("exception")
    source = getattr(exception, "source_id", None) or (
        getattr(ti, "rendered_map_index", None) if ti.task_id == "extract" else None
    )
    what = f"source '{source}' could not be read" if source else f"step '{ti.task_id}' failed"
    tries = f"{ti.task_id}, try {ti.try_number} of {retries + 1}"
    cause = str(exception) if exception is not None else "see the task's log"
    return f"{ti.dag_id}, run {context['run_id']}: {what} ({tries}): {cause}"


def on_task_failure(context: Any) -> None:
    """Airflow's `on_failure_callback`: log the message, then send it where configured."""
    message = failure_message(context)
    log.error("%s", message)
    ti = context["ti"]
    url = os.environ.get(WEBHOOK_ENV) or _connection_host(WEBHOOK_CONNECTION)
    if url:
        _post_webhook(
            url,
            {
                "text": message,
                "dag_id": ti.dag_id,
                "run_id": context["run_id"],
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "try_number": ti.try_number,
            },
        )
    recipients = [a.strip() for a in os.environ.get(EMAIL_ENV, "").split(",") if a.strip()]
    if recipients:
        _send_email(recipients, message, context)


def _post_webhook(url: str, body: dict[str, Any]) -> None:
    import requests

    try:
        response = requests.post(url, json=body, timeout=10)
        response.raise_for_status()
    except requests.RequestException as exc:
        log.warning("the failure alert could not be posted to the webhook: %s", exc)


def _send_email(recipients: list[str], message: str, context: Any) -> None:
    try:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        first_line = message.split(": ", 2)[1] if message.count(": ") >= 2 else message
        SmtpNotifier(
            to=recipients,
            subject=f"[ecoute] {first_line}"[:200],
            html_content=f"<pre>{html.escape(message)}</pre>",
        ).notify(context)
    except Exception as exc:  # no SMTP server, a bad connection: the log has the message
        log.warning("the failure alert could not be e-mailed to %s: %s", recipients, exc)


def _connection_host(conn_id: str) -> str | None:
    """The connection's host (here: a whole URL), inside an Airflow task; else None."""
    try:
        from airflow.sdk import Connection

        return Connection.get(conn_id).host or None
    except Exception:  # no such connection: no webhook
        return None
