from pathlib import Path

import pytest

from extractors.errors import ConfigError
from pipelines.config import Settings, load_sources, select_sources

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(text, encoding="utf-8")
    return path


VALID = """
sources:
  - id: blog
    kind: rss
    url: feeds/blog.xml
    owners: ["Fromagerie Lucas"]
  - id: remote
    kind: rss
    url: https://fromager-quartier.example/feed/
    params: {comments: false}
    enabled: false
"""


def test_the_bundled_demo_config_is_valid_and_offline() -> None:
    sources = load_sources(REPO / "sources.yml")
    assert {"delices-margaux", "velo-atelier"} <= {s.id for s in sources}
    for source in sources:
        assert Path(source.url).exists(), source.url
        assert source.owners


def test_relative_paths_are_resolved_from_the_config_file(tmp_path: Path) -> None:
    blog, remote = load_sources(write(tmp_path, VALID))
    assert blog.url == str(tmp_path / "feeds" / "blog.xml")
    assert remote.url == "https://fromager-quartier.example/feed/"
    assert blog.owners == ("Fromagerie Lucas",) and remote.params == {"comments": False}


def test_disabled_sources_run_only_when_named(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, VALID))
    assert [s.id for s in select_sources(sources, None)] == ["blog"]
    assert [s.id for s in select_sources(sources, ["remote"])] == ["remote"]
    with pytest.raises(ConfigError, match="unknown source id"):
        select_sources(sources, ["nope"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "sources:\n  - {id: a, kind: rss, url: x, colour: red}\n",
            r"sources.yml: source 'a': unknown key 'colour'",
        ),
        (
            "sources:\n  - {id: a, kind: tiktok, url: x}\n",
            r"source 'a': unknown source kind 'tiktok'.*known kinds: .*rss",
        ),
        (
            "sources:\n  - {id: a, kind: rss, url: x}\n  - {id: a, kind: rss, url: y}\n",
            r"source 'a': duplicate id",
        ),
        (
            "sources:\n  - {id: a, kind: rss, url: x, params: {depth: 2}}\n",
            r"source 'a': params.depth: unknown key",
        ),
        ("sources:\n  - {kind: rss, url: x}\n", r"source #1: missing key 'id'"),
        ("sources:\n  - {id: My Blog, kind: rss, url: x}\n", r"id must be lowercase"),
        ("feeds: []\n", r"unknown key 'feeds'"),
        ("sources: [\n", r"invalid YAML at line 2"),
    ],
)
def test_bad_config_names_the_file_source_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_sources(write(tmp_path, text))


def test_missing_config_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found.*ECOUTE_CONFIG"):
        load_sources(tmp_path / "nope.yml")


def test_settings_follow_flags_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOUTE_HOME", "/srv/ecoute")
    monkeypatch.setenv("ECOUTE_CONFIG", "/etc/ecoute/sources.yml")
    monkeypatch.delenv("ECOUTE_DB", raising=False)
    settings = Settings.resolve()
    assert settings.config_path == Path("/etc/ecoute/sources.yml")
    assert settings.db_path == Path("/srv/ecoute/ecoute.duckdb")
    assert settings.landing == Path("/srv/ecoute/landing")
    assert Settings.resolve("other.yml", "x.duckdb").db_path == Path("x.duckdb")


def test_http_settings_have_polite_defaults_and_per_source_overrides(tmp_path: Path) -> None:
    text = VALID.replace("sources:", "http: {min_interval: 2, timeout: 10}\nsources:", 1)
    text = text.replace("enabled: false", "enabled: false\n    http: {min_interval: 0.5}")
    blog, remote = load_sources(write(tmp_path, text))
    assert (blog.http.min_interval, blog.http.timeout) == (2, 10)
    assert (remote.http.min_interval, remote.http.timeout) == (0.5, 10)
    assert blog.http.max_bytes == 20 * 1024 * 1024


def test_a_bad_http_setting_names_the_source_and_key(tmp_path: Path) -> None:
    text = VALID.replace("enabled: false", "enabled: false\n    http: {timout: 3}")
    with pytest.raises(ConfigError, match=r"source 'remote': http: unknown key 'timout'"):
        load_sources(write(tmp_path, text))


def test_numeric_ids_in_params_are_taken_as_text() -> None:
    from extractors.base import get_extractor

    params = get_extractor("facebook-page").parse_params("fb", {"page_id": 104857600123456})
    assert params.page_id == "104857600123456"


def test_sla_and_aliases_per_source(tmp_path: Path) -> None:
    text = VALID.replace(
        '    owners: ["Fromagerie Lucas"]\n',
        '    owners: ["Fromagerie Lucas"]\n'
        "    sla_hours: 48\n"
        '    aliases: {"Billaut": ["Jean Michel", "JM"]}\n',
    )
    blog, remote = load_sources(write(tmp_path, text))
    assert blog.sla_hours == 48.0 and remote.sla_hours == 24.0
    assert blog.aliases == {"Billaut": ("Jean Michel", "JM")}
    assert type(blog).from_dict(blog.as_dict()) == blog  # what the DAG passes to its tasks


def test_a_non_positive_sla_is_refused(tmp_path: Path) -> None:
    text = "sources:\n  - {id: a, kind: rss, url: x, sla_hours: 0}\n"
    with pytest.raises(ConfigError, match=r"source 'a': .*sla_hours"):
        load_sources(write(tmp_path, text))
