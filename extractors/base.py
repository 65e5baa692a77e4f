"""The extractor contract: typed config in, items and a new cursor out.

An extractor is one function per source kind, registered with `@extractor("kind",
params=ParamsModel)`. It receives an `ExtractContext` (the source, the shared HTTP client,
the previous cursor) and yields `Item`s; it may set `ctx.new_cursor`. It never lands,
loads or commits anything: the pipeline does, so a crash never advances a cursor.

    class MyParams(ExtractorParams):
        page_size: int = 50

    @extractor("my-kind", params=MyParams)
    def extract_my_kind(ctx: ExtractContext, params: MyParams) -> Iterator[Item]:
        payload = ctx.http.get_json(ctx.source.url)
        for post in payload["posts"]:
            yield ctx.item(platform_id=post["id"], kind="post", ...)
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from extractors.errors import ConfigError
from extractors.http import HttpClient, HttpSettings, Recorder, is_local
from extractors.records import Item, ItemKind, content_hash, stable_id


class ExtractorParams(BaseModel):
    """Base of every kind's `params`: unknown keys are an error, not silently ignored.
    Numbers given for text fields are taken as text: `page_id: 104857600123456` in YAML
    or on the command line is an id, not an arithmetic value."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


def _identity(name: str) -> str:
    return unicodedata.normalize("NFC", name).replace("\u2019", "'").casefold().strip()


#: Days raw landing payloads are kept when sources.yml says nothing (`retention_days`).
DEFAULT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class SourceConfig:
    """One entry of sources.yml, validated."""

    id: str
    kind: str
    url: str
    owners: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    http: HttpSettings = field(default_factory=HttpSettings)
    #: Hours the organisation gives itself to answer a question (response metrics).
    sla_hours: float = 24.0
    #: Other names people use for an author: {"Billaut": ("Jean Michel",)} (reply detection).
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Replace the names and ids of authors who are not owners by pseudonyms when landing
    #: (sources.yml `privacy.pseudonymise`, ECOUTE_PSEUDONYMISE; see pipelines/privacy.py).
    pseudonymise: bool = True
    #: Days the raw payloads of a landed run are kept (`ecoute purge`).
    retention_days: int = DEFAULT_RETENTION_DAYS

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "owners": list(self.owners),
            "params": dict(self.params),
            "enabled": self.enabled,
            "http": self.http.model_dump(),
            "sla_hours": self.sla_hours,
            "aliases": {name: list(others) for name, others in self.aliases.items()},
            "pseudonymise": self.pseudonymise,
            "retention_days": self.retention_days,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceConfig:
        return cls(
            id=data["id"],
            kind=data["kind"],
            url=data["url"],
            owners=tuple(data.get("owners", ())),
            params=dict(data.get("params", {})),
            enabled=data.get("enabled", True),
            http=HttpSettings.model_validate(data.get("http", {})),
            sla_hours=float(data.get("sla_hours", 24.0)),
            aliases={k: tuple(v) for k, v in data.get("aliases", {}).items()},
            pseudonymise=data.get("pseudonymise", True),
            retention_days=int(data.get("retention_days", DEFAULT_RETENTION_DAYS)),
        )

    def is_owner(self, *identities: str | None) -> bool:
        """True when any of the author's name or id is one of the configured owners
        (case, Unicode normal form and curly apostrophes aside: WordPress prints U+2019)."""
        owners = {_identity(o) for o in self.owners}
        return any(i is not None and _identity(i) in owners for i in identities)


@dataclass
class ExtractContext:
    """What an extractor gets besides its params; `item()` fills the common fields."""

    source: SourceConfig
    http: HttpClient
    cursor: dict[str, Any] = field(default_factory=dict)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    new_cursor: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    complete_threads: set[str] = field(default_factory=set)

    def thread_complete(self, post_platform_id: str) -> None:
        """Say that every comment of this post now visible was yielded: comments of it
        that the warehouse has and this run did not see are then marked deleted.
        Only for complete listings (an API's every page, a whole page of comments), never
        for feeds that show the latest N."""
        self.complete_threads.add(self.item_id(post_platform_id))

    def warn(self, message: str) -> None:
        """Something was skipped but the source goes on; the run summary shows it."""
        self.warnings.append(message)

    @classmethod
    def for_source(
        cls,
        source: SourceConfig,
        *,
        cursor: dict[str, Any] | None = None,
        recorder: Recorder | None = None,
    ) -> ExtractContext:
        """The context a run gives an extractor: an HTTP client with the source's settings,
        bound to its site, and the conditional-GET state kept in its cursor."""
        cursor = dict(cursor or {})
        http = HttpClient(
            settings=source.http,
            allow_local_files=is_local(source.url),
            recorder=recorder,
            site=source.url,
            validators=dict(cursor.get("http", {})),
        )
        return cls(source=source, http=http, cursor=cursor)

    def final_cursor(self) -> dict[str, Any]:
        """What to store after a successful extraction: the extractor's own state (new, or
        the previous one when it set none) and the validators of the URLs it fetched."""
        own = self.new_cursor
        if own is None:
            own = {k: v for k, v in self.cursor.items() if k != "http"}
        return {**own, "http": self.http.current_validators()}

    def item_id(self, platform_id: str) -> str:
        return stable_id(self.source.id, platform_id)

    def item(
        self,
        *,
        platform_id: str,
        kind: ItemKind,
        post_platform_id: str,
        parent_platform_id: str | None,
        author_name: str | None,
        author_id: str | None,
        published_at: datetime,
        text: str,
        url: str | None = None,
        title: str | None = None,
        extra: dict[str, Any] | None = None,
        owner: bool = False,
    ) -> Item:
        """An `Item` whose ids, owner flag, fetch time and hash follow the contract.

        `owner=True` when the platform itself says the author is the organisation (a
        page's own id, a post author's id); configured `owners` count in any case."""
        return Item(
            item_id=self.item_id(platform_id),
            source_id=self.source.id,
            kind=kind,
            post_id=self.item_id(post_platform_id),
            parent_id=self.item_id(parent_platform_id) if parent_platform_id else None,
            author_name=author_name,
            author_id=author_id,
            is_owner=owner or self.source.is_owner(author_name, author_id),
            published_at=published_at,
            url=url,
            title=title,
            text=text,
            fetched_at=self.fetched_at,
            content_hash=content_hash(title, text, author_name),
            extra=extra or {},
        )


ExtractFunction = Callable[[ExtractContext, Any], Iterator[Item]]


@dataclass(frozen=True)
class ExtractorSpec:
    kind: str
    function: ExtractFunction
    params: type[ExtractorParams]

    def parse_params(self, source_id: str, raw: Mapping[str, Any]) -> ExtractorParams:
        try:
            return self.params.model_validate(dict(raw))
        except ValidationError as exc:
            problem = exc.errors()[0]
            key = ".".join(str(p) for p in problem["loc"]) or "params"
            reason = "unknown key" if problem["type"] == "extra_forbidden" else problem["msg"]
            raise ConfigError(
                f"source '{source_id}': params.{key}: {reason}",
                hint=f"kind '{self.kind}' accepts: {', '.join(self.params.model_fields) or 'none'}",
            ) from None

    def run(self, ctx: ExtractContext) -> Iterator[Item]:
        params = self.parse_params(ctx.source.id, ctx.source.params)
        return self.function(ctx, params)


_REGISTRY: dict[str, ExtractorSpec] = {}
#: Entry points that failed to load, by kind: reported when that kind is asked for.
_BROKEN: dict[str, str] = {}
#: Installed packages declare their kinds in this entry-point group (ecoute's own too).
ENTRY_POINT_GROUP = "ecoute.extractors"


def extractor(
    kind: str, *, params: type[ExtractorParams] = ExtractorParams
) -> Callable[[ExtractFunction], ExtractFunction]:
    """Register `function` as the extractor of `kind`."""

    def register(function: ExtractFunction) -> ExtractFunction:
        known = _REGISTRY.get(kind)
        if known and known.function.__module__ != function.__module__:
            raise ValueError(
                f"extractor kind '{kind}' is registered twice: by {known.function.__module__} "
                f"and by {function.__module__}"
            )
        _REGISTRY[kind] = ExtractorSpec(kind=kind, function=function, params=params)
        return function

    return register


@functools.cache
def _load_plugins() -> None:
    """Import every module declared in the `ecoute.extractors` entry-point group, once.

    A plugin that fails to import does not take the others down: the error is kept and
    given to whoever asks for that kind."""
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry.load()
        except Exception as exc:  # a third-party package may fail in any way
            _BROKEN[entry.name] = f"{entry.value}: {type(exc).__name__}: {exc}"


def registered_kinds() -> list[str]:
    _load_plugins()
    return sorted(_REGISTRY)


def broken_kinds() -> dict[str, str]:
    _load_plugins()
    return dict(_BROKEN)


def get_extractor(kind: str) -> ExtractorSpec:
    kinds = registered_kinds()
    if kind in _REGISTRY:
        return _REGISTRY[kind]
    if kind in _BROKEN:
        raise ConfigError(
            f"the extractor plugin for kind '{kind}' failed to load: {_BROKEN[kind]}",
            hint="fix or reinstall the package that provides it",
        )
    raise ConfigError(f"unknown source kind '{kind}'", hint=f"known kinds: {', '.join(kinds)}")
