"""Run Airflow for real on 127.0.0.1 for a test: api-server, scheduler and dag-processor.

Why three processes rather than `airflow standalone`: standalone runs the same components
as subprocesses of its own plus a triggerer (nothing in ecoute defers; asset-triggered runs
are created by the scheduler), migrates the database itself and prints all their output
interleaved in one stream. Started one by one, as a deployment runs them (docker-compose.yml
does too), each component gets its own log file, whose tail goes into failure messages, and
its own process group, which the helper can stop for certain; the api-server listens on a
free port of 127.0.0.1, so parallel CI jobs do not collide on 8080.

Usage (see tests/test_scheduler.py)::

    env = airflow_environment(os.environ, home=tmp_path / "airflow", port=free_port(),
                              dags_folder=REPO / "dags")
    migrate(env)
    create_pools(env, {"ecoute_http": (4, "...")}, tmp_path)
    with running_airflow(env, log_dir=tmp_path / "logs") as airflow:
        airflow.login("ecoute")
        airflow.api("GET", "/api/v2/dags/ecoute_nightly")
    assert airflow.leftovers == []      # every process it started has exited

Everything the helper started is stopped when the `with` block ends, also when it ends with
an exception: SIGTERM to each component's process group, then SIGKILL after a grace period
to the group and to each of its descendants: task processes are not in their component's
group (Airflow's supervisor puts each task in a group of its own, and forwards SIGTERM to
it). `groups_alive()`, `leftovers` and `stop_log` let a test check that nothing survived. A
zombie counts as gone: it has exited, only its exit status is left for its parent (or init)
to collect.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil
import requests

BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
#: The components, in the order they are started: the api-server first, the others and
#: the tasks talk to it.
COMPONENTS = ("api-server", "scheduler", "dag-processor")
#: And stopped: the scheduler first, with the task processes it runs, while the api-server
#: can still take their last reports (a task's supervisor stopped after the api-server
#: retries its calls for minutes), the api-server last.
STOP_ORDER = ("scheduler", "dag-processor", "api-server")

T = TypeVar("T")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's choice, so parallel CI jobs do
    not collide on 8080)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def airflow_environment(
    base: Mapping[str, str],
    *,
    home: Path,
    port: int,
    dags_folder: Path,
    parallelism: int = 4,
) -> dict[str, str]:
    """The environment of every Airflow process of one test: ``base`` (ECOUTE_* settings and
    the like) plus an isolated Airflow under ``home`` whose api-server listens on
    127.0.0.1:``port``. Inherited ``AIRFLOW__*`` settings and ``AIRFLOW_CONFIG`` are dropped
    so that the developer's or CI's own Airflow configuration cannot leak in."""
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in base.items() if not k.startswith("AIRFLOW__") and k != "AIRFLOW_CONFIG"}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # -- Metadata and executor ------------------------------------------------------
            # SQLite + LocalExecutor. Airflow 2 refused this pair (SQLite allowed only the
            # SequentialExecutor); Airflow 3.3 has no such check (configuration.py only checks
            # the SQLite version, and the SimpleAuthManager lists sqlite + LocalExecutor as a
            # local, non-production shape): nothing else is needed. SQLite has one writer at
            # a time, which Airflow 3 copes with (tasks write through the api-server).
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            # Task processes at once (default 32): low, the CI machine has 2 cores, which the
            # task processes share with the three components.
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            # -- API server, and how the tasks reach it ---------------------------------------
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",  # the default: one process serves both APIs
            "AIRFLOW__API__BASE_URL": base_url,
            # In Airflow 3 a task does not touch the metadata database: its supervisor talks
            # to the api-server's Execution API. The default is http://localhost:8080/execution/
            # ([core] execution_api_server_url, config.yml), hence the explicit URL.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base_url}/execution/",
            # One JWT signing secret for all components: the scheduler signs each task's
            # token, the api-server checks it (and signs the REST API's tokens). airflow.cfg
            # would get a random one when first written; explicit, it cannot differ between
            # processes whatever wrote that file first.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            # -- Authentication: Airflow 3's default SimpleAuthManager, for real ---------------
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            # One user, role admin; the api-server generates its password at start-up into
            # the passwords file (see AirflowServices.login).
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "ecoute:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            # -- Speed: a test waits for each of these -----------------------------------------
            # Parse each DAG file once: the files do not change during a test and a re-parse
            # takes CPU from the tasks (default: every 30 s). ([dag_processor]
            # refresh_interval, the listing of new files, is 300 s by default, longer than
            # the test already; the scheduler's heartbeats only feed the health endpoint,
            # which counts a component healthy from its first one: both left alone.)
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",
            # Where bundles are stored: under the test's home, not the shared /tmp/airflow.
            "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(home / "bundles"),
            # A task's supervisor waits for its process in select() for up to this long
            # (default 5 s) and checks the exit only then: a task that has finished keeps its
            # executor slot (parallelism) for up to 5 s more. 2 s: one heartbeat call to the
            # api-server every 2 s per running task instead of 5, negligible.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
            # The DAGs start paused, as in production; the test unpauses them through the API.
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        }
    )
    return env


def airflow_cli(
    env: Mapping[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `airflow <args>` in ``env``; a failure raises AssertionError with its output."""
    proc = subprocess.run(
        [AIRFLOW, *args], env=dict(env), capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, (
        f"airflow {' '.join(args)} exited with {proc.returncode}\n"
        f"{_tail_text(proc.stdout + proc.stderr, 4000)}"
    )
    return proc


def cli_json(output: str | subprocess.CompletedProcess[str]) -> Any:
    """The JSON document printed by `airflow ... -o json`: its last line that parses (the
    CLI prints warnings, such as the missing graphviz, on stdout before it)."""
    text = output if isinstance(output, str) else output.stdout
    for line in reversed(text.splitlines()):
        if line.startswith(("[", "{")):
            with contextlib.suppress(json.JSONDecodeError):
                return json.loads(line)
    raise AssertionError(f"no JSON in the output of airflow:\n{_tail_text(text, 4000)}")


def migrate(env: Mapping[str, str]) -> None:
    """`airflow db migrate`: the SQLite metadata database, before anything else."""
    airflow_cli(env, "db", "migrate")


def create_pools(
    env: Mapping[str, str], pools: Mapping[str, tuple[int, str]], workdir: Path
) -> None:
    """The pools {name: (slots, description)}, before the scheduler starts: a task in a
    pool that does not exist is never scheduled. One `airflow pools import` (the same as one
    `airflow pools set` per pool, with one CLI start-up instead of several)."""
    workdir.mkdir(parents=True, exist_ok=True)
    pools_file = workdir / "pools.json"
    pools_file.write_text(
        json.dumps(
            {
                name: {"slots": slots, "description": text, "include_deferred": False}
                for name, (slots, text) in pools.items()
            }
        ),
        encoding="utf-8",
    )
    airflow_cli(env, "pools", "import", str(pools_file))  # exits 1 if a pool failed


def _tail_text(text: str, chars: int) -> str:
    return text if len(text) <= chars else "[...]" + text[-chars:]


def tail(path: Path, chars: int = 6000) -> str:
    """The end of a text file, or a note saying why there is none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - chars))
            data = handle.read()
    except OSError as exc:
        return f"({path}: {exc.strerror})"
    text = data.decode("utf-8", errors="replace")
    return text if size <= chars else "[...]" + text


@dataclass
class _Component:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pgid(self) -> int:
        # start_new_session=True: the component leads a new session and process group,
        # whose id is its pid.
        return self.process.pid


def _alive_in_groups(pgids: set[int]) -> dict[int, int]:
    """The living (not zombie) processes in the process groups ``pgids``, as {pid: pgid}."""
    found = {}
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            pgid = os.getpgid(proc.pid)
        except (psutil.Error, OSError):
            continue  # gone meanwhile
        if pgid in pgids:
            found[proc.pid] = pgid
    return found


def _tree(pid: int, pgid: int) -> set[psutil.Process]:
    """``pid``, its descendants and the other members of its process group ``pgid``, as
    psutil handles (which know their start time: a recycled pid is never mistaken for
    them)."""
    found: set[psutil.Process] = set()
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        found = {root, *root.children(recursive=True)}
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if os.getpgid(proc.pid) == pgid:
                found.add(proc)
    return found


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@dataclass
class AirflowServices:
    """The Airflow components of one test, their logs and an authenticated REST client."""

    env: dict[str, str]
    log_dir: Path
    components: list[_Component] = field(default_factory=list)
    token: str | None = None
    #: Every process stop() found: the components, their descendants and group members.
    seen: set[psutil.Process] = field(default_factory=set)
    #: What stop() found still alive after SIGTERM and SIGKILL (then killed again): a test
    #: asserts it is empty.
    leftovers: list[str] = field(default_factory=list)
    #: How each component was stopped (how long it took, whether SIGKILL was needed).
    stop_log: list[str] = field(default_factory=list)
    stopped: bool = False

    @property
    def base_url(self) -> str:
        return self.env["AIRFLOW__API__BASE_URL"]

    @property
    def home(self) -> Path:
        return Path(self.env["AIRFLOW_HOME"])

    @property
    def pgids(self) -> set[int]:
        return {c.pgid for c in self.components}

    # -- Processes ---------------------------------------------------------------------------

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in COMPONENTS:
            args = [name]
            if name == "scheduler":
                # Its log server is for remote workers; the tasks run on this machine and the
                # api-server reads their log files directly. One port less to pick.
                args.append("--skip-serve-logs")
            log = self.log_dir / f"{name}.log"
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [AIRFLOW, *args],
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group (see stop)
                )
            self.components.append(_Component(name, process, log))

    def stop(self, grace: float = 30.0) -> None:
        """Stop everything started here, one component after the other (STOP_ORDER): SIGTERM
        to the component's process group; if anything of it is still alive after ``grace``
        seconds, SIGKILL to the group and to each of its descendants (a task process has a
        group of its own). Whatever is still alive at the end is killed and listed in
        `leftovers`. Idempotent."""
        if self.stopped:
            return
        self.stopped = True
        by_name = {c.name: c for c in self.components}
        for name in STOP_ORDER:
            if name in by_name:
                self._stop_tree(by_name[name], grace)
        for proc in self.seen:
            if _running(proc):
                self.leftovers.append(_describe(proc.pid))
                with contextlib.suppress(psutil.Error):
                    proc.kill()

    def groups_alive(self) -> list[int]:
        """The components' process groups, and the groups of the processes they had started,
        that still have a living process."""
        groups = self.pgids
        for proc in self.seen:
            with contextlib.suppress(psutil.Error, OSError):
                groups.add(os.getpgid(proc.pid))
        return sorted(set(_alive_in_groups(groups).values()))

    def _stop_tree(self, component: _Component, grace: float) -> None:
        # Until the component is reaped (process.wait), its pid cannot be recycled: its
        # group id designates its group only, and signalling the group is safe.
        started = time.monotonic()
        procs = _tree(component.process.pid, component.pgid)
        # SIGTERM once, to the group only: each process handles it (the scheduler ends its
        # executor, a task's supervisor forwards it to its task). A second SIGTERM would
        # interrupt that clean-up half-way (seen: a scheduler hung until SIGKILL).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(component.pgid, signal.SIGTERM)
        how = "SIGTERM"
        if not self._wait_gone(procs, grace):
            procs |= _tree(component.process.pid, component.pgid)
            survivors = ", ".join(_describe(p.pid) for p in procs if _running(p))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(component.pgid, signal.SIGKILL)
            for proc in procs:  # the task processes too, in groups of their own
                with contextlib.suppress(psutil.Error):
                    proc.kill()  # psutil checks first that the pid is still this process
            self._wait_gone(procs, 10.0)
            how = f"SIGKILL after {grace:.0f} s (alive: {survivors})"
        self.seen |= procs | _tree(component.process.pid, component.pgid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            component.process.wait(timeout=5)
        self.stop_log.append(
            f"{component.name}: {len(procs)} process(es) stopped by {how} in "
            f"{time.monotonic() - started:.1f} s, exit code {component.process.returncode}"
        )

    @staticmethod
    def _wait_gone(procs: set[psutil.Process], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while any(_running(p) for p in procs):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def check_running(self) -> None:
        """Fail, with its log, if a component has exited."""
        for component in self.components:
            code = component.process.poll()
            assert code is None, (
                f"airflow {component.name} exited with {code}\n"
                f"--- {component.log} ---\n{tail(component.log)}"
            )

    # -- Waiting and diagnostics -------------------------------------------------------------

    def wait_for(
        self, what: str, probe: Callable[[], T], *, timeout: float, interval: float = 2.0
    ) -> T:
        """Call ``probe`` until it returns something true, and return that; fail with the
        logs' tails after ``timeout`` seconds or as soon as a component exits."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            self.check_running()
            last = probe()
            if last:
                return last
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f} s waiting for {what}; last answer: "
                    f"{last!r}\n{self.diagnostics()}"
                )
            time.sleep(interval)

    def diagnostics(self, task_logs: int = 6, chars: int = 4000) -> str:
        """The end of each component's log, of the most recent task logs and of the DAG
        files' parsing logs: what a CI failure message needs."""
        parts = []
        for component in self.components:
            parts.append(
                f"--- {component.name} ({component.log}) ---\n{tail(component.log, chars)}"
            )
        logs = self.home / "logs"
        # Task logs: those with an error first, then the latest.
        task_files = sorted(
            logs.glob("dag_id=*/**/*.log"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        task_files.sort(key=lambda p: not _logged_an_error(p))  # stable: still latest first
        for path in task_files[:task_logs]:
            parts.append(f"--- task log {path.relative_to(logs)} ---\n{tail(path, chars)}")
        for path in sorted(logs.glob("dag_processor/**/*.log"))[-3:]:
            parts.append(f"--- parsing log {path.relative_to(logs)} ---\n{tail(path, 2000)}")
        return "\n".join(parts)

    # -- REST API ----------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, auth: bool = True, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if auth:
            assert self.token, "call login() first"
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            return requests.request(
                method, self.base_url + path, headers=headers, timeout=30, **kwargs
            )
        except requests.RequestException as exc:
            raise AssertionError(f"{method} {path}: {exc}\n{self.diagnostics()}") from exc

    def api(self, method: str, path: str, *, expect: int = 200, **kwargs: Any) -> Any:
        """An authenticated call to the REST API; its JSON, or AssertionError (with the
        response and the logs) if the status is not ``expect``."""
        response = self.request(method, path, **kwargs)
        assert response.status_code == expect, (
            f"{method} {path} -> {response.status_code} (expected {expect}): "
            f"{response.text[:2000]}\n{self.diagnostics()}"
        )
        return response.json() if response.content else None

    def health(self) -> dict[str, Any] | None:
        """GET /api/v2/monitor/health (no authentication), or None while not answering."""
        try:
            response = requests.get(self.base_url + "/api/v2/monitor/health", timeout=5)
        except requests.RequestException:
            return None
        return response.json() if response.status_code == 200 else None

    def wait_healthy(self, timeout: float) -> dict[str, Any]:
        """Wait until the api-server answers and reports the metadata database, the scheduler
        and the dag-processor healthy (each from its heartbeat)."""

        def healthy() -> dict[str, Any] | None:
            report = self.health()
            if report and all(
                (report.get(part) or {}).get("status") == "healthy"
                for part in ("metadatabase", "scheduler", "dag_processor")
            ):
                return report
            return None

        return self.wait_for("a healthy Airflow", healthy, timeout=timeout, interval=1.0)

    def login(self, username: str) -> str:
        """A JWT for ``username``, from the password the SimpleAuthManager generated into
        its passwords file at start-up: POST /auth/token {username, password}."""
        passwords_file = Path(self.env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
        password = json.loads(passwords_file.read_text(encoding="utf-8"))[username]
        response = self.request(
            "POST",
            "/auth/token",
            auth=False,
            json={"username": username, "password": password},
        )
        assert response.status_code == 201, f"login: {response.status_code} {response.text}"
        self.token = response.json()["access_token"]
        return self.token


def _logged_an_error(path: Path) -> bool:
    """Whether a task log (JSON lines) has a line at level error or above."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return '"level":"error"' in text or '"level":"critical"' in text


def _describe(pid: int) -> str:
    try:
        return f"pid {pid}: {' '.join(psutil.Process(pid).cmdline())[:200]}"
    except psutil.Error:
        return f"pid {pid}"


@contextlib.contextmanager
def running_airflow(
    env: dict[str, str], *, log_dir: Path, startup_timeout: float = 180.0, grace: float = 30.0
) -> Iterator[AirflowServices]:
    """Start the api-server, the scheduler and the dag-processor, wait until all three are
    healthy, and stop them all at the end, whatever happens in between (see
    `AirflowServices.stop`)."""
    services = AirflowServices(env=env, log_dir=log_dir)
    try:
        services.start()
        services.wait_healthy(startup_timeout)
        yield services
    finally:
        services.stop(grace)
