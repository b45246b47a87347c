"""Processes of bench/api_load.py: gunicorn servers, and who used the CPU during a run.

The machine is shared (2 cores, other sessions at work): every run accounts the CPU time
of the gunicorn workers, of wrk and of the database server's processes serving our
database, and calls the rest of the machine's busy time "foreign". A run with too much
foreign CPU was disturbed and is repeated.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_ticks(pid: int) -> int:
    """utime + stime of a process (all its threads), in clock ticks; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def machine_busy_ticks() -> int:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values[:8]) - idle


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


class Gunicorn:
    """One gunicorn serving ``app_spec`` (``module:variable``) on a loopback port."""

    def __init__(
        self,
        name,
        app_spec,
        port,
        *,
        workers,
        threads,
        env,
        logdir,
        access_log,
        executable: Path | None = None,
        cwd: Path = ROOT,
    ):
        """``executable``: another virtualenv's gunicorn (bench/peer_dot.py's peer), run in
        ``cwd``; by default this interpreter's, in the project."""
        self.name, self.port = name, port
        command = [
            str(executable or Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--error-logfile",
            str(logdir / f"{name}-error.log"),
        ]
        if threads > 1:  # `make run` uses --threads 4 (gthread worker); plain sync otherwise
            command += ["--threads", str(threads)]
        if access_log:  # `make run` logs every request (`--access-logfile -`)
            command += ["--access-logfile", str(logdir / f"{name}-access.log")]
        command.append(app_spec)
        self.error_log = logdir / f"{name}-error.log"
        # The workers' stderr (the app's own logging: tracebacks of 500s) goes to a file,
        # as it would go to the terminal under `make run`.
        self.stderr_log = logdir / f"{name}-stderr.log"
        with self.stderr_log.open("w") as stderr:
            self.process = subprocess.Popen(  # noqa: S603 - fixed command line
                command, cwd=cwd, env=env, stdout=stderr, stderr=stderr
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited; see {self.error_log}")
            try:
                if requests.get(self.url + path, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name}: not ready after {timeout} s; see {self.error_log}")

    def pids(self) -> list[int]:
        return [self.process.pid, *children(self.process.pid)]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


class DatabaseProcesses:
    """The PostgreSQL server processes that serve one database (its client backends) plus
    the server's own background processes; nothing for SQLite (it runs in the workers)."""

    def __init__(self, admin_url: str | None, database: str | None):
        self.admin_url, self.database = admin_url, database

    def pids(self) -> list[int]:
        if not self.admin_url:
            return []
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND "
                "(datname = %s OR (datname IS NULL AND backend_type <> 'client backend'))",
                (self.database,),
            ).fetchall()
        return [row[0] for row in rows]

    def unattended(self) -> bool:
        """Whether the server runs without autovacuum (``SHOW autovacuum``): nothing then
        analyses the benchmark's tables but the benchmark itself (:meth:`analyze`)."""
        if not self.admin_url:
            return False
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            (setting,) = conn.execute("SHOW autovacuum").fetchone()
        return setting != "on"

    def analyze(self) -> None:
        """``ANALYZE`` the benchmark's database, as autovacuum does on a server in service
        (DESIGN.md: PostgreSQL must run with it). Without it the tables keep no statistics,
        or those of a young database, and a prepared statement keeps a plan made on them:
        a FHIR read after a few minutes of token refreshes cost PostgreSQL twice as much
        (bench/RESULTS-after.md, "Seventh session" and "Ninth session")."""
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.admin_url).set(database=self.database)
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute("ANALYZE")

    def match_priority(self) -> None:
        """Give the backends serving our database the benchmark's own CPU priority (see
        ``--nice``); the server's other processes are left as they are."""
        if not self.admin_url:
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.database,),
            ).fetchall()
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        for (pid,) in rows:
            with contextlib.suppress(OSError):  # a backend that just ended
                os.setpriority(os.PRIO_PROCESS, pid, mine)


@dataclass
class CpuUse:
    """CPU seconds used during one run, by whom."""

    app: float
    db: float
    wrk: float
    foreign: float
    seconds: float

    @property
    def foreign_cores(self) -> float:
        return self.foreign / self.seconds if self.seconds else 0.0


class CpuMeter:
    """Start before a run, stop after it: CPU seconds of app, database, wrk, the rest."""

    def __init__(self, servers: list[Gunicorn], database: DatabaseProcesses):
        self.servers, self.database = servers, database

    def start(self, wrk_pid: int | None = None) -> None:
        self.t0 = time.monotonic()
        self.busy0 = machine_busy_ticks()
        self.app0 = {p: process_ticks(p) for s in self.servers for p in s.pids()}
        self.db0 = {p: process_ticks(p) for p in self.database.pids()}

    def stop(self, wrk_ticks: int) -> CpuUse:
        seconds = time.monotonic() - self.t0
        busy = machine_busy_ticks() - self.busy0
        app_pids = {p for s in self.servers for p in s.pids()} | set(self.app0)
        app = sum(process_ticks(p) - self.app0.get(p, 0) for p in app_pids)
        db_pids = set(self.database.pids()) | set(self.db0)
        db = sum(max(0, process_ticks(p) - self.db0.get(p, 0)) for p in db_pids)
        foreign = max(0, busy - app - db - wrk_ticks)
        return CpuUse(
            app / CLOCK_TICKS,
            db / CLOCK_TICKS,
            wrk_ticks / CLOCK_TICKS,
            foreign / CLOCK_TICKS,
            seconds,
        )


def wait_for_quiet(meter: CpuMeter, limit: float, timeout: float, log) -> float:
    """Wait (up to ``timeout`` s) until the rest of the machine uses at most ``limit``
    cores for two seconds in a row; returns the last foreign load seen."""
    deadline = time.monotonic() + timeout
    quiet, said = 0, False
    while True:
        meter.start()
        time.sleep(1)
        foreign = meter.stop(0).foreign_cores
        quiet = quiet + 1 if foreign <= limit else 0
        if quiet >= 2 or time.monotonic() > deadline:
            return foreign
        if not said and foreign > limit:
            log(f"    waiting for the machine to calm down ({foreign:.2f} foreign cores busy)")
            said = True


def wrk_cpu_ticks(process: subprocess.Popen) -> int:
    """CPU ticks of a finished child (its rusage, read before it is reaped)."""
    _pid, _status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(_status)
    return round((usage.ru_utime + usage.ru_stime) * CLOCK_TICKS)


def wrk_command(
    wrk: str,
    url: str,
    connections: int,
    seconds: int,
    *,
    threads: int,
    timeout: float,
    script: Path,
    request_file: Path,
    mode: str,
) -> list[str]:
    """wrk with bench/api_load.lua (``script``): ``request_file``'s requests, in ``mode``
    ("cycle" or "once", see the script), ``threads`` threads at most."""
    threads = min(threads, connections)
    return [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={timeout}s",
        "-s",
        str(script),
        url,
        "--",
        str(request_file),
        mode,
        str(threads),
    ]


def bench_result(output: str) -> dict | None:
    """The counts the wrk script prints last (its ``BENCH_RESULT`` line), or None."""
    import json

    marker = [line for line in output.splitlines() if line.startswith("BENCH_RESULT ")]
    return json.loads(marker[-1].removeprefix("BENCH_RESULT ")) if marker else None
