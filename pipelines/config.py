"""Run configuration: where things live (`Settings`) and what to read (`sources.yml`).

sources.yml is a list of sources:

    sources:
      - id: delices-margaux          # lowercase, digits, '-' or '_': it names folders
        kind: rss                    # see `ecoute extract --help` for the kinds
        url: demo/delices-margaux/feed.xml   # http(s) URL, or a path relative to this file
        owners: ["Margaux - Les Délices"]    # author names or ids that are the organisation
        params: {comments: true}     # optional, checked against the kind
        enabled: true                # optional
        http: {min_interval: 5}      # optional, overrides the top-level `http:` block
        sla_hours: 48                # optional: hours allowed to answer (default 24)
        aliases: {"Billaut": ["Jean Michel"]}  # optional: other names of an author
        retention_days: 30           # optional: overrides privacy.retention_days

    privacy:                         # optional (pipelines/privacy.py, warehouse/README.md)
      pseudonymise: true             # false keeps commenters' names (ECOUTE_PSEUDONYMISE=0)
      retention_days: 90             # days raw landed payloads are kept (`ecoute purge`)

    http:                            # optional: politeness and limits of the HTTP client
      min_interval: 1.0              # seconds between two requests to one host
      timeout: 30                    # see extractors.http.HttpSettings for every key

Every mistake is reported as one `ConfigError` naming the file, the source and the key.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractors.base import DEFAULT_RETENTION_DAYS, SourceConfig, get_extractor
from extractors.errors import ConfigError
from extractors.http import HttpSettings, is_local, local_path

DEFAULT_CONFIG = "sources.yml"
DEFAULT_HOME = "data"
DB_FILENAME = "ecoute.duckdb"


@dataclass(frozen=True)
class Settings:
    """Paths of one run, from flags first, then the environment, then (inside an Airflow
    task) the Airflow Variables `ecoute_home`, `ecoute_config`, `ecoute_db` and
    `ecoute_nlp_processes`, then defaults."""

    config_path: Path
    home: Path
    db_path: Path
    nlp_processes: int = 1

    @classmethod
    def resolve(
        cls, config: str | None = None, db: str | None = None, nlp_processes: int | None = None
    ) -> Settings:
        home = Path(_setting("ECOUTE_HOME") or DEFAULT_HOME)
        config_path = Path(config or _setting("ECOUTE_CONFIG") or DEFAULT_CONFIG)
        db_path = Path(db or _setting("ECOUTE_DB") or home / DB_FILENAME)
        processes = nlp_processes or _positive_int_setting("ECOUTE_NLP_PROCESSES") or 1
        return cls(config_path, home, db_path, processes)

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def published_path(self) -> Path:
        """The copy analysts read: replaced at the end of each run that loaded."""
        return self.db_path.parent / "published" / self.db_path.name

    def analyst_db(self, explicit: str | None) -> Path:
        """What read-only commands open: ``--db FILE`` as given, else the published copy
        when a run has published one, else the warehouse itself."""
        if explicit:
            return Path(explicit)
        return self.published_path if self.published_path.exists() else self.db_path


def _setting(name: str) -> str | None:
    """`name` from the environment, else, inside an Airflow task, the Airflow Variable of
    the same name in lower case (`ECOUTE_HOME` -> `ecoute_home`)."""
    return os.environ.get(name) or _airflow_variable(name.lower())


def _airflow_variable(key: str) -> str | None:
    """The Variable's value when this process runs an Airflow task (its task runner talks
    to the scheduler's supervisor); None elsewhere, without importing Airflow."""
    runner = sys.modules.get("airflow.sdk.execution_time.task_runner")
    if runner is None or getattr(runner, "SUPERVISOR_COMMS", None) is None:
        return None
    from airflow.sdk import Variable

    try:
        value = Variable.get(key, default=None)
    except Exception:  # the API unreachable: the defaults apply, as from the CLI
        return None
    return str(value) if value not in (None, "") else None


#: Worker processes of `steps.extract_sources` when `ECOUTE_EXTRACT_WORKERS` does not say:
#: one per core, at most this many.
MAX_DEFAULT_EXTRACT_WORKERS = 4


def extract_workers() -> int:
    """How many sites `ecoute run` extracts side by side: `ECOUTE_EXTRACT_WORKERS`, else
    one per core available to this process, at most `MAX_DEFAULT_EXTRACT_WORKERS`."""
    default = min(len(os.sched_getaffinity(0)), MAX_DEFAULT_EXTRACT_WORKERS)
    return _positive_int_setting("ECOUTE_EXTRACT_WORKERS") or default


def _positive_int_setting(name: str) -> int | None:
    """An integer >= 1 from the environment or a Variable, None when unset; a bad value is
    a ConfigError."""
    value = _setting(name)
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name}={value!r}: expected a whole number of at least 1")
    return int(value)


class _SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    kind: str
    url: str = Field(min_length=1)
    owners: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    http: dict[str, Any] = Field(default_factory=dict)
    sla_hours: float = Field(default=24.0, gt=0)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    retention_days: int | None = Field(default=None, gt=0)


class _PrivacyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pseudonymise: bool = True
    retention_days: int = Field(default=DEFAULT_RETENTION_DAYS, gt=0)


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[dict[str, Any]]
    http: dict[str, Any] = Field(default_factory=dict)
    privacy: _PrivacyModel = Field(default_factory=_PrivacyModel)


def _pseudonymise(configured: bool) -> bool:
    """ECOUTE_PSEUDONYMISE (1/0, true/false, yes/no, on/off) over sources.yml: a
    deployment with a legal basis to keep names can say so without editing the file."""
    value = os.environ.get("ECOUTE_PSEUDONYMISE", "").strip().lower()
    if not value:
        return configured
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"ECOUTE_PSEUDONYMISE={value!r}: expected 1 or 0 (true or false)")


def _describe(exc: ValidationError) -> str:
    """The most telling problem first: a misspelt key explains the 'missing' one."""
    error = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    key = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{key}'"
    if kind == "missing":
        return f"missing key '{key}'"
    if kind == "string_pattern_mismatch" and key == "id":
        return "id must be lowercase letters, digits, '-' or '_' (at most 64)"
    return f"key '{key}': {error['msg']}"


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}", hint="pass --config FILE or set ECOUTE_CONFIG"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None


def _http_settings(path: Path, label: str, merged: dict[str, Any]) -> HttpSettings:
    try:
        return HttpSettings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {label}: http: {_describe(exc)}") from None


def _source(
    path: Path, index: int, raw: Any, http: dict[str, Any], privacy: _PrivacyModel
) -> SourceConfig:
    label = f"source '{raw['id']}'" if isinstance(raw, dict) and "id" in raw else f"source #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {label}: expected a mapping with id, kind, url, owners")
    try:
        model = _SourceModel.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {label}: {_describe(exc)}") from None
    try:
        spec = get_extractor(model.kind)
        spec.parse_params(model.id, model.params)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {label}: {exc.message}", hint=exc.hint) from None
    url = model.url
    if is_local(url):  # relative paths are relative to the config file, not to the cwd
        url = str((path.parent / local_path(url)).resolve())
    return SourceConfig(
        id=model.id,
        kind=model.kind,
        url=url,
        owners=tuple(model.owners),
        params=model.params,
        enabled=model.enabled,
        http=_http_settings(path, label, {**http, **model.http}),
        sla_hours=model.sla_hours,
        aliases={name: tuple(others) for name, others in model.aliases.items()},
        pseudonymise=privacy.pseudonymise,
        retention_days=model.retention_days or privacy.retention_days,
    )


def load_sources(path: Path) -> list[SourceConfig]:
    """All sources of `path`, validated; raises `ConfigError` on the first problem."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'sources' list")
    try:
        top = _FileModel.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    _http_settings(path, "http", top.http)
    privacy = top.privacy.model_copy(
        update={"pseudonymise": _pseudonymise(top.privacy.pseudonymise)}
    )
    sources = [_source(path, i + 1, raw, top.http, privacy) for i, raw in enumerate(top.sources)]
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"{path}: source '{source.id}': duplicate id")
        seen.add(source.id)
    return sources


def select_sources(sources: list[SourceConfig], wanted: list[str] | None) -> list[SourceConfig]:
    """The enabled sources, or exactly those named (even if disabled)."""
    if not wanted:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        raise ConfigError(
            f"unknown source id(s): {', '.join(unknown)}", hint=f"known: {', '.join(by_id)}"
        )
    return [by_id[w] for w in wanted]
