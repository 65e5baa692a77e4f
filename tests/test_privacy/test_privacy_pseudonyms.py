"""Pseudonyms given at landing: keyed, stable with one key, owners in clear, a setting to
keep names, and the key itself (environment, or a file created once, readable by its
owner only)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors.base import SourceConfig
from extractors.errors import ConfigError
from extractors.names import NameKeys, name_variants
from extractors.records import Item, content_hash
from pipelines.config import Settings, load_sources
from pipelines.privacy import KEY_ENV, LandingGuard, key_file, pseudonym_key

KEY = NameKeys(b"k" * 32)
OTHER_KEY = NameKeys(b"o" * 32)
SOURCE = SourceConfig(
    id="blog",
    kind="rss",
    url="https://blog.example/feed",
    owners=("Margaux - Les Délices",),
    aliases={"Sandrine B.": ("Sandrine Bertin",)},
)
WHEN = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def item(author: str, author_id: str | None = None, **extra: object) -> Item:
    text = "Vous livrez à Lyon ?"
    return Item(
        item_id="blog:c1",
        source_id="blog",
        kind="comment",
        post_id="blog:post",
        parent_id="blog:post",
        author_name=author,
        author_id=author_id,
        is_owner=SOURCE.is_owner(author),
        published_at=WHEN,
        text=text,
        fetched_at=WHEN,
        content_hash=content_hash(None, text, author),
        extra=dict(extra),
    )


def test_one_key_gives_one_pseudonym_per_name_and_another_key_another() -> None:
    assert KEY.pseudonym("Hélène M.") == NameKeys(b"k" * 32).pseudonym("Hélène M.")
    assert KEY.pseudonym("Hélène M.") == KEY.pseudonym("helene m")  # as replies compare
    assert KEY.pseudonym("Hélène M.") != OTHER_KEY.pseudonym("Hélène M.")
    assert KEY.pseudonym("Hélène M.") != KEY.pseudonym("Hélène B.")
    assert KEY.pseudonym("Hélène M.").startswith("anon-") and len(KEY.pseudonym("x")) == 17
    assert KEY.id_pseudonym("kevin.lyon") != KEY.id_pseudonym("kevin_lyon")  # two accounts


def test_non_owners_are_landed_with_pseudonyms_and_the_keys_of_their_names() -> None:
    landed = LandingGuard(SOURCE, KEY).protect(
        item("Sandrine B.", "https://sandrine.example", handle="sandrine.bsky.social")
    )
    assert landed is not None
    assert landed.author_name == KEY.pseudonym("Sandrine B.")
    assert landed.author_id == KEY.id_pseudonym("https://sandrine.example")
    assert landed.extra["handle"] == KEY.id_pseudonym("sandrine.bsky.social")
    # full name, without the initial, the configured alias and its first name
    variants = ["sandrine bertin", "sandrine b", "sandrine"]
    assert name_variants("Sandrine B.", SOURCE.aliases) == variants
    assert landed.extra["author_keys"] == sorted(KEY.address_key(v) for v in variants)
    assert landed.content_hash == content_hash(None, landed.text, landed.author_name)
    assert "Sandrine" not in landed.to_json() and "sandrine" not in landed.to_json()


def test_owners_keep_their_names() -> None:
    owner = item("Margaux - Les Délices", "margaux")
    assert LandingGuard(SOURCE, KEY).protect(owner) == owner


def test_with_the_setting_off_names_stay_as_fetched() -> None:
    clear = SourceConfig(id="blog", kind="rss", url="x", pseudonymise=False)
    comment = item("Sandrine B.", "https://sandrine.example")
    assert LandingGuard(clear, KEY).protect(comment) == comment


def test_the_key_file_is_created_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    first = pseudonym_key(tmp_path)
    path = key_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert pseudonym_key(tmp_path) == first and len(first) == 64
    assert [p.name for p in path.parent.iterdir()] == ["pseudonym.key"]  # no draft left
    assert pseudonym_key(tmp_path / "elsewhere") != first


def test_the_key_from_the_environment_wins_and_must_be_long_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "x" * 40)
    assert pseudonym_key(tmp_path) == b"x" * 40
    assert not key_file(tmp_path).exists()
    monkeypatch.setenv(KEY_ENV, "secret")
    with pytest.raises(ConfigError, match="at least 32"):
        pseudonym_key(tmp_path)


def test_a_short_key_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    key_file(tmp_path).parent.mkdir()
    key_file(tmp_path).write_text("abc\n")
    with pytest.raises(ConfigError, match=r"pseudonym\.key: the pseudonym key has 3 characters"):
        pseudonym_key(tmp_path)


def write_config(tmp_path: Path, top: str = "", source: str = "") -> Path:
    config = tmp_path / "sources.yml"
    config.write_text(
        f"{top}sources:\n"
        "  - {id: a, kind: rss, url: https://a.example/feed" + source + "}\n"
        "  - {id: b, kind: rss, url: https://b.example/feed}\n",
        encoding="utf-8",
    )
    return config


def test_pseudonymisation_is_on_by_default_and_retention_is_90_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOUTE_PSEUDONYMISE", raising=False)
    sources = load_sources(write_config(tmp_path))
    assert [(s.pseudonymise, s.retention_days) for s in sources] == [(True, 90), (True, 90)]


def test_the_privacy_block_and_a_source_set_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOUTE_PSEUDONYMISE", raising=False)
    config = write_config(
        tmp_path, "privacy: {pseudonymise: false, retention_days: 30}\n", ", retention_days: 7"
    )
    sources = load_sources(config)
    assert [(s.pseudonymise, s.retention_days) for s in sources] == [(False, 7), (False, 30)]
    assert SourceConfig.from_dict(sources[0].as_dict()) == sources[0]  # what the DAG passes


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("off", False), ("1", True)])
def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: bool
) -> None:
    monkeypatch.setenv("ECOUTE_PSEUDONYMISE", value)
    top = f"privacy: {{pseudonymise: {str(not expected).lower()}}}\n"
    assert {s.pseudonymise for s in load_sources(write_config(tmp_path, top))} == {expected}


def test_privacy_mistakes_are_one_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOUTE_PSEUDONYMISE", "peut-être")
    with pytest.raises(ConfigError, match="ECOUTE_PSEUDONYMISE='peut-être'"):
        load_sources(write_config(tmp_path))
    monkeypatch.delenv("ECOUTE_PSEUDONYMISE")
    with pytest.raises(ConfigError, match=r"unknown key 'privacy\.pseudonymize'"):
        load_sources(write_config(tmp_path, "privacy: {pseudonymize: false}\n"))
    with pytest.raises(ConfigError, match="source 'a': key 'retention_days'"):
        load_sources(write_config(tmp_path, "", ", retention_days: 0"))


def test_settings_give_the_key_a_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOUTE_HOME", str(tmp_path))
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert pseudonym_key(Settings.resolve().home) == key_file(tmp_path).read_text().strip().encode()
