"""The API under load (issue 13): ENS Store under gunicorn, driven by wrk, next to a bare
five-line Flask "hello" app served with the same gunicorn settings (the ceiling).

    make bench                                        # SQLite, -c16 and -c64, 15 s, 3 rounds
    make bench BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    .venv/bin/python bench/api_load.py --scenarios read,search --concurrency 16 --rounds 1
    .venv/bin/python bench/api_load.py --duration 60 --rounds 1      # the issue's goal check
    .venv/bin/python bench/api_load.py --rounds 0 --profile read,search,refresh   # py-spy

It builds a throwaway database (SQLite in a temporary directory; with ``--database-url``,
a database ``ens_bench_<pid>`` created on that PostgreSQL server and dropped at the end),
migrates it, makes citizens, a referenced service with a confidential production client,
consents and Observations through the app's own services (bench/load_fixture.py), and
mints the credentials each run needs right before it: access tokens, single-use refresh
tokens (each sent once: a reuse would be answered as an attack), authorization codes with
their PKCE verifiers (valid 60 s: runs longer than ``--code-window``, 15 s, are cut into
windows with fresh codes; a code is sent at most the minting time plus the window after it
was minted, and the log says when that could exceed its life).

Every round runs each scenario at each concurrency; the table gives medians over rounds,
failures summed over rounds, and the ratio to the bare hello measured in the same round
at the same concurrency. Each run also accounts for the CPU: milliseconds per request in
the gunicorn workers, in the database server and in wrk, and the machine's busy time used
by anything else (a run where that exceeds ``--max-foreign`` cores was disturbed and is
repeated).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from authz.grants import CODE_LIFETIME  # noqa: E402
from bench import load_fixture  # noqa: E402
from bench.load_procs import (  # noqa: E402
    CpuMeter,
    DatabaseProcesses,
    Gunicorn,
    bench_result,
    rss_mb,
    wait_for_quiet,
    wrk_command,
    wrk_cpu_ticks,
)
from tests.ens_core.fhir.conftest import blood_pressure, observation, transaction  # noqa: E402

LUA = ROOT / "bench" / "api_load.lua"
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - throwaway database
ISSUER = "http://127.0.0.1:5000"
FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    server: str = "ens"  # "ens" or "hello"
    mode: str = "cycle"  # "cycle": reusable credentials; "once": single-use ones


SCENARIOS = [
    Scenario("hello", 'bare Flask "hello" (the ceiling)', "hello"),
    Scenario("ens-bare", "ENS bare route GET /bench/bare (app middleware only)"),
    Scenario("healthz", "ENS GET /healthz (middleware + SELECT 1)"),
    Scenario("read", "GET /fhir/Observation/{id}"),
    Scenario("search", "GET /fhir/Observation?code=29463-7&_count=10"),
    Scenario("create", "POST /fhir/Observation"),
    Scenario("transaction", "POST /fhir transaction Bundle (2 entries)"),
    Scenario("refresh", "refresh grant (rotation + reuse detection)", mode="once"),
    Scenario("code", "code exchange (PKCE S256)", mode="once"),
]
BY_KEY = {s.key: s for s in SCENARIOS}


@dataclass
class Run:
    """One wrk run of one scenario (or the sum of a code-exchange run's windows)."""

    scenario: str
    concurrency: int
    round: int
    requests: int
    seconds: float
    non2xx: int
    s5xx: int
    s4xx: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float
    cpu_app_s: float
    cpu_db_s: float
    cpu_wrk_s: float
    foreign_cores: float
    loadavg: float
    sample: str = ""
    windows: int = 1
    attempts: int = 1

    @property
    def ok_per_s(self) -> float:
        ok = self.requests - self.non2xx - self.socket_errors - self.timeouts
        return max(0, ok) / self.seconds if self.seconds else 0.0


# --- requests of each scenario ----------------------------------------------------------


def _line(method: str, path: str, body: str = "", *headers: str) -> str:
    return "\t".join([method, path, body, *headers])


class Requests:
    """Writes the request file of one run (fresh credentials each time)."""

    def __init__(self, app, fixture: load_fixture.Fixture, workdir: Path, seed: int = 11):
        self.app, self.fixture, self.workdir = app, fixture, workdir
        self.rng = random.Random(seed)

    def _bearer_lines(self, build) -> list[str]:
        tokens = load_fixture.access_tokens(self.app, self.fixture)
        lines = []
        for citizen_id, token in tokens.items():
            auth = f"Authorization: Bearer {token}"
            lines += build(citizen_id, self.fixture.patient_ids[citizen_id], auth)
        self.rng.shuffle(lines)  # consecutive requests hit different citizens
        return lines

    def lines(self, key: str, count: int = 0) -> list[str]:
        if key == "hello":
            return [_line("GET", "/")]
        if key == "ens-bare":
            return [_line("GET", "/bench/bare")]
        if key == "healthz":
            return [_line("GET", "/healthz")]
        if key in ("read", "search", "create", "transaction"):
            return self._fhir_lines(key)
        if key in ("refresh", "code"):
            return self._token_lines(key, count)
        raise ValueError(key)

    def _fhir_lines(self, key: str) -> list[str]:
        """Requests of the FHIR scenarios, each with a citizen's bearer token."""
        fixture = self.fixture
        if key == "read":
            return self._bearer_lines(
                lambda cid, _pid, auth: [
                    _line("GET", f"/fhir/Observation/{oid}", "", auth)
                    for oid in fixture.observation_ids[cid]
                ]
            )
        if key == "search":
            return self._bearer_lines(
                lambda _cid, _pid, auth: [
                    _line("GET", "/fhir/Observation?code=29463-7&_count=10", "", auth)
                ]
            )
        content = f"Content-Type: {FHIR_JSON}"
        if key == "create":
            return self._bearer_lines(
                lambda _cid, pid, auth: [
                    _line(
                        "POST",
                        "/fhir/Observation",
                        json.dumps(
                            observation(
                                pid, "8867-4", 60 + i, "/min", f"2026-03-0{i + 1}T08:00:00Z"
                            )
                        ),
                        auth,
                        content,
                    )
                    for i in range(4)
                ]
            )
        if key == "transaction":

            def bundle(pid, i):
                return transaction(
                    blood_pressure(pid, 120 + i, 80 + i, f"2026-03-0{i + 1}T08:00:00Z"),
                    observation(pid, "8867-4", 70 + i, "/min", f"2026-03-0{i + 1}T08:05:00Z"),
                )

            return self._bearer_lines(
                lambda _cid, pid, auth: [
                    _line("POST", "/fhir", json.dumps(bundle(pid, i)), auth, content)
                    for i in range(4)
                ]
            )
        raise ValueError(key)

    def _token_lines(self, key: str, count: int) -> list[str]:
        """Requests of the token endpoint scenarios, each spending a single-use credential."""
        fixture = self.fixture
        form = "Content-Type: application/x-www-form-urlencoded"
        basic = f"Authorization: {fixture.basic_auth}"
        if key == "refresh":
            return [
                _line(
                    "POST",
                    "/oauth/token",
                    f"grant_type=refresh_token&refresh_token={t}",
                    basic,
                    form,
                )
                for t in load_fixture.refresh_tokens(self.app, fixture, count)
            ]
        if key == "code":
            from urllib.parse import quote

            redirect = quote(load_fixture.REDIRECT_URI, safe="")
            return [
                _line(
                    "POST",
                    "/oauth/token",
                    f"grant_type=authorization_code&code={code}&redirect_uri={redirect}"
                    f"&code_verifier={verifier}",
                    basic,
                    form,
                )
                # Newest first: wrk sends the file in order, and a code lives 60 s; when
                # minting takes long (PostgreSQL on a busy machine), the first-minted codes
                # would expire before they are sent.
                for code, verifier in reversed(
                    load_fixture.authorization_codes(self.app, fixture, count)
                )
            ]
        raise ValueError(key)

    def write(self, key: str, count: int = 0) -> Path:
        path = self.workdir / f"requests-{key}.txt"
        path.write_text("\n".join(self.lines(key, count)) + "\n")
        return path


# --- running wrk ------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    servers: dict[str, Gunicorn]
    meter: CpuMeter
    requests: Requests
    rate_guess: dict[str, float] = field(default_factory=lambda: {"refresh": 400, "code": 300})
    # PostgreSQL without autovacuum: the benchmark analyses its database before each run.
    analyze_before_runs: bool = False

    def wrk(self, scenario: Scenario, connections: int, seconds: int, request_file: Path):
        server = self.servers[scenario.server]
        out = self.requests.workdir / "wrk.out"
        command = wrk_command(
            self.args.wrk,
            server.url,
            connections,
            seconds,
            threads=self.args.wrk_threads,
            timeout=self.args.timeout,
            script=LUA,
            request_file=request_file,
            mode=scenario.mode,
        )
        loadavg = os.getloadavg()[0]
        self.meter.start()
        with out.open("w") as handle:
            process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
            wrk_ticks = wrk_cpu_ticks(process)
        cpu = self.meter.stop(wrk_ticks)
        text = out.read_text()
        result = bench_result(text)
        if process.returncode != 0 or result is None:
            raise RuntimeError(f"wrk failed ({process.returncode}):\n{text}")
        return result, cpu, loadavg

    def once_count(self, key: str, seconds: int) -> int:
        return math.ceil(self.rate_guess[key] * seconds * 1.5) + 100

    def run_window(self, scenario: Scenario, connections: int, seconds: int):
        """One wrk run; single-use credentials are minted first, enough for the run (if
        they run out, the run is redone with twice as many)."""
        for _ in range(6):
            count = self.once_count(scenario.key, seconds) if scenario.mode == "once" else 0
            minting = time.monotonic()
            request_file = self.requests.write(scenario.key, count)
            minting = time.monotonic() - minting
            result, cpu, loadavg = self.wrk(scenario, connections, seconds, request_file)
            if scenario.key == "code":
                self._check_code_age(minting, count, result["requests"], seconds)
            if not result["exhausted"]:
                if scenario.mode == "once":
                    rate = result["requests"] / (result["duration_us"] / 1e6)
                    self.rate_guess[scenario.key] = max(self.rate_guess[scenario.key], rate)
                return result, cpu, loadavg
            log(f"    {scenario.key}: {count} credentials were not enough; minting more")
            self.rate_guess[scenario.key] *= 2
        raise RuntimeError(f"{scenario.key}: could not mint enough credentials")

    def _check_code_age(self, minting: float, count: int, sent: int, seconds: int) -> None:
        """Codes are sent newest first: the oldest of the ``sent`` ones was minted about
        ``minting × sent / count`` seconds before the run began (minting at an even pace).
        Warn when it could have outlived its 60 s before wrk sent it: its refusal would
        then be the benchmark's doing, not the server's."""
        oldest = minting * min(1.0, sent / max(count, 1)) + seconds
        if oldest > CODE_LIFETIME - 5:
            log(
                f"    code: minting {count:,} codes took {minting:.0f} s; the oldest of the "
                f"{sent:,} sent may have been {oldest:.0f} s old (they live {CODE_LIFETIME} s): "
                "lower --code-window"
            )

    def run(self, scenario: Scenario, connections: int, round_no: int) -> Run:
        best = None
        for attempt in range(1, self.args.retries + 2):
            if self.analyze_before_runs:
                self.meter.database.analyze()  # not measured: before the quiet wait
            self.meter.database.match_priority()
            wait_for_quiet(self.meter, self.args.max_foreign, self.args.quiet_timeout, log)
            run = self._run_once(scenario, connections, round_no)
            run.attempts = attempt
            if best is None or run.foreign_cores < best.foreign_cores:
                best = run
            if run.foreign_cores <= self.args.max_foreign:
                break
            log(
                f"    disturbed: {run.foreign_cores:.2f} foreign cores busy "
                f"(load {run.loadavg:.2f}); running it again"
            )
        return best

    def _run_once(self, scenario: Scenario, connections: int, round_no: int) -> Run:
        duration = self.args.duration
        if scenario.key == "code":
            windows = max(1, math.ceil(duration / self.args.code_window))
            lengths = [
                duration // windows + (1 if i < duration % windows else 0) for i in range(windows)
            ]
        else:
            lengths = [duration]
        parts = [self.run_window(scenario, connections, seconds) for seconds in lengths]
        results = [p[0] for p in parts]
        requests = sum(r["requests"] for r in results)
        cpu_app = sum(p[1].app for p in parts)
        cpu_db = sum(p[1].db for p in parts)
        cpu_wrk = sum(p[1].wrk for p in parts)
        seconds = sum(r["duration_us"] for r in results) / 1e6
        samples = [r["sample_body"] for r in results if r["sample_status"]]
        statuses = [r["sample_status"] for r in results if r["sample_status"]]
        return Run(
            scenario=scenario.key,
            concurrency=connections,
            round=round_no,
            requests=requests,
            seconds=seconds,
            non2xx=sum(r["non2xx"] for r in results),
            s5xx=sum(r["s5xx"] for r in results),
            s4xx=sum(r["s4xx"] for r in results),
            socket_errors=sum(
                r["connect_errors"] + r["read_errors"] + r["write_errors"] for r in results
            ),
            timeouts=sum(r["timeouts"] for r in results),
            # Windows of a long code-exchange run: request-weighted p50, worst p99.
            p50_ms=sum(r["p50_us"] * r["requests"] for r in results) / max(1, requests) / 1000,
            p99_ms=max(r["p99_us"] for r in results) / 1000,
            cpu_app_s=cpu_app,
            cpu_db_s=cpu_db,
            cpu_wrk_s=cpu_wrk,
            foreign_cores=sum(p[1].foreign for p in parts) / max(seconds, 1e-9),
            loadavg=max(p[2] for p in parts),
            sample=f"{statuses[0]} {samples[0]}" if samples else "",
            windows=len(parts),
        )


# --- the table ----------------------------------------------------------------------------


def table(runs: list[Run], scenarios: list[Scenario], concurrency: int) -> str:
    hello = {
        r.round: r.ok_per_s for r in runs if r.scenario == "hello" and r.concurrency == concurrency
    }
    rows = [
        "| scenario | req/s ok | req/s all | p50 ms | p99 ms | non-2xx of requests | 5xx "
        "| vs hello | CPU ms/req app · db · wrk |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for scenario in scenarios:
        mine = [r for r in runs if r.scenario == scenario.key and r.concurrency == concurrency]
        if not mine:
            continue
        ratios = [r.ok_per_s / hello[r.round] for r in mine if hello.get(r.round)]
        total = sum(r.requests for r in mine)
        failed = sum(r.non2xx + r.socket_errors + r.timeouts for r in mine)
        share = f" ({100 * failed / total:.0f} %)" if failed and total else ""
        cpu = [
            (
                1000 * r.cpu_app_s / r.requests,
                1000 * r.cpu_db_s / r.requests,
                1000 * r.cpu_wrk_s / r.requests,
            )
            for r in mine
            if r.requests
        ]
        cpu_text = (
            " · ".join(f"{statistics.median(c[i] for c in cpu):.2f}" for i in range(3))
            if cpu
            else "—"
        )
        ratio = f"{100 * statistics.median(ratios):.1f} %" if ratios else "—"
        rows.append(
            f"| {scenario.label} "
            f"| {statistics.median(r.ok_per_s for r in mine):,.0f} "
            f"| {statistics.median(r.requests / r.seconds for r in mine if r.seconds):,.0f} "
            f"| {statistics.median(r.p50_ms for r in mine):.1f} "
            f"| {statistics.median(r.p99_ms for r in mine):.1f} "
            f"| {failed:,} of {total:,}{share} "
            f"| {sum(r.s5xx for r in mine):,} "
            f"| {ratio} | {cpu_text} |"
        )
    return "\n".join(rows)


# --- setup --------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(args, workdir: Path) -> tuple[str, DatabaseProcesses, callable]:
    """The database URL to serve, its server processes, and how to drop it."""
    if not args.database_url:
        return f"sqlite:///{workdir / 'ens.db'}", DatabaseProcesses(None, None), lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(args.database_url)
    name = f"ens_bench_{os.getpid()}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = base.set(database=name).render_as_string(hide_password=False)
    return url, DatabaseProcesses(admin, name), drop


def warm_up(bench: Bench, scenarios: list[Scenario], workers: int) -> None:
    """A few requests of each scenario, one by one: every worker loads its code and keys,
    and a scenario that fails outright stops the benchmark before any figure is taken."""
    import requests

    for scenario in scenarios:
        server = bench.servers[scenario.server]
        lines = bench.requests.lines(scenario.key, 4 * workers)
        for line in lines[: 4 * workers]:
            method, path, body, *headers = line.split("\t")
            response = requests.request(
                method,
                server.url + path,
                data=body.encode() or None,
                headers=dict(h.split(": ", 1) for h in headers),
                timeout=30,
            )
            if not 200 <= response.status_code < 300:
                raise RuntimeError(
                    f"warm-up {scenario.key}: {response.status_code} {response.text[:500]}"
                )


def profile(bench: Bench, scenario: Scenario, connections: int, outdir: Path, tag: str) -> None:
    """Run ``scenario`` under py-spy (all gunicorn workers) and summarise where time goes."""
    from bench.profile_summary import summarise, to_speedscope

    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit(
            "py-spy is missing: .tools/bin/uv sync --locked --extra test --extra bench"
        )
    outdir.mkdir(parents=True, exist_ok=True)
    raw = outdir / f"{tag}-{scenario.key}-c{connections}.txt"
    server = bench.servers[scenario.server]
    wait_for_quiet(bench.meter, bench.args.max_foreign, bench.args.quiet_timeout, log)
    spy = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            py_spy,
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            str(bench.args.profile_rate),
            "--output",
            str(raw),
            *(["--native"] if bench.args.profile_native else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(2)
    run = bench._run_once(scenario, connections, 0)
    spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
    _out, err = spy.communicate(timeout=60)
    if not raw.exists():
        raise RuntimeError(f"py-spy wrote nothing: {err.decode()[-2000:]}")
    to_speedscope(raw, raw.with_suffix(".speedscope.json"), raw.stem)
    summary = summarise(raw)
    header = (
        f"### {scenario.label} — c{connections}, {run.ok_per_s:,.0f} req/s ok under py-spy, "
        f"{run.non2xx} non-2xx\n\n"
    )
    (outdir / f"{raw.stem}.md").write_text(header + summary + "\n")
    print("\n" + header + summary, flush=True)
    log(f"  profile: {raw} (speedscope: {raw.with_suffix('.speedscope.json')})")


def raise_priority(increment: int) -> None:
    """Change the CPU priority of the benchmark and of what it starts (gunicorn, wrk,
    py-spy). With the kernel's autogroup scheduling, nice only ranks processes within one
    session's group: the benchmark then starts a session of its own and sets that group's
    nice, so that other sessions' work on a shared machine does not take its CPU."""
    os.nice(increment)
    autogroup = Path("/proc/self/autogroup")
    if autogroup.exists():
        with contextlib.suppress(OSError):
            os.setsid()
        try:
            autogroup.write_text(str(increment))
        except OSError as error:
            log(f"could not set the autogroup's nice ({error}); continuing")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    _add_run_options(parser)
    _add_machine_options(parser)
    _add_output_options(parser)
    args = parser.parse_args(argv)
    unknown = {k for k in (args.scenarios + "," + args.profile).split(",") if k} - set(BY_KEY)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """What is measured: database, scenarios, load, servers, data and wrk."""
    parser.add_argument("--database-url", help="PostgreSQL server to create a database on")
    parser.add_argument(
        "--scenarios",
        default=",".join(s.key for s in SCENARIOS),
        help="comma-separated, from: " + ", ".join(BY_KEY),
    )
    parser.add_argument("--concurrency", default="16,64", help="wrk -c values (default 16,64)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per run (goal: 60)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the table gives medians")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn --workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn --threads (make run: 4); 1 = sync workers"
    )
    parser.add_argument(
        "--no-access-log",
        dest="access_log",
        action="store_false",
        help="serve without gunicorn's access log (make run logs every request)",
    )
    parser.add_argument("--citizens", type=int, default=64)
    parser.add_argument("--observations", type=int, default=5000)
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--timeout", type=int, default=10, help="wrk --timeout seconds")
    parser.add_argument(
        "--code-window",
        type=int,
        default=15,
        help="longest wrk run on one batch of authorization codes (valid 60 s; the "
        "minting time counts too)",
    )


def _add_machine_options(parser: argparse.ArgumentParser) -> None:
    """How the benchmark guards its runs against the rest of a shared machine."""
    parser.add_argument(
        "--max-foreign",
        type=float,
        default=0.25,
        help="CPU cores busy outside the benchmark beyond which a run is redone",
    )
    parser.add_argument("--retries", type=int, default=2, help="re-runs of a disturbed run")
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=300,
        help="before each run, wait up to this many seconds for the machine to be quiet",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="CPU priority for the benchmark, its servers and wrk (a session and autogroup "
        "of their own), and its PostgreSQL backends within the server's group (negative "
        "needs root: -15 keeps other sessions on a shared machine from disturbing the runs)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    """Profiles, saved figures and the temporary directory."""
    parser.add_argument("--profile", default="", help="scenarios to record with py-spy")
    parser.add_argument("--profile-concurrency", type=int, default=16)
    parser.add_argument("--profile-rate", type=int, default=100, help="py-spy samples/s")
    parser.add_argument(
        "--profile-native",
        action="store_true",
        help="py-spy --native: C frames too (SQLite, the interpreter, system calls)",
    )
    parser.add_argument("--profile-dir", type=Path, default=ROOT / "bench" / "profiles")
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    parser.add_argument("--report", type=Path, help="print the tables of a --json file, and stop")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary directory (and the PostgreSQL database: drop it yourself)",
    )


def report(path: Path) -> None:
    """Print the tables of a run saved with ``--json`` (no server, no wrk)."""
    runs = [Run(**r) for r in json.loads(path.read_text())]
    keys = {r.scenario for r in runs}
    scenarios = [s for s in SCENARIOS if s.key in keys]
    for connections in sorted({r.concurrency for r in runs}):
        rounds = len({r.round for r in runs})
        print(f"\n#### wrk -c{connections}, {rounds} round(s): medians\n")
        print(table(runs, scenarios, connections))
    loads = [r.loadavg for r in runs]
    print(f"\nload average at run start: min {min(loads):.2f}, max {max(loads):.2f}")


def measure_rounds(bench, rounds: int, concurrencies: list[int], scenarios) -> list[Run]:
    """Every scenario at every concurrency, ``rounds`` times, logging each run."""
    runs: list[Run] = []
    for round_no in range(1, rounds + 1):
        for connections in concurrencies:
            for scenario in scenarios:
                run = bench.run(scenario, connections, round_no)
                runs.append(run)
                log(
                    f"  round {round_no} c{connections} {scenario.key:<12} "
                    f"{run.ok_per_s:8.0f} ok/s  p50 {run.p50_ms:7.1f} ms  "
                    f"p99 {run.p99_ms:7.1f} ms  non-2xx {run.non2xx:>6} (5xx {run.s5xx})  "
                    f"foreign {run.foreign_cores:.2f}  load {run.loadavg:.2f}"
                    + (f"  e.g. {run.sample[:120]!r}" if run.sample else "")
                )
                time.sleep(2)  # the workers finish what wrk left in their backlog
    return runs


def report_memory(server: Gunicorn, access_log: Path) -> None:
    """Resident memory of each ENS worker at the end, with the requests served so far
    (the lines of gunicorn's access log, when it is on)."""
    served = sum(1 for _ in access_log.open()) if access_log.exists() else None
    workers = [pid for pid in server.pids() if pid != server.process.pid]
    sizes = ", ".join(f"{rss_mb(pid):.0f} MB" for pid in workers)
    after = f" after {served:,} requests in all" if served is not None else ""
    log(f"ENS workers' resident memory: {sizes}{after}")


def bench_environment(url: str, workdir: Path) -> dict[str, str]:
    """The servers' environment; the ENS variables are set in this process too."""
    env = dict(
        os.environ,
        ENS_DATABASE_URL=url,
        ENS_SECRET_KEY=SECRET,
        ENS_ISSUER=ISSUER,
        ENS_DATA_DIR=str(workdir / "data"),
    )
    os.environ.update(
        {k: env[k] for k in ("ENS_DATABASE_URL", "ENS_SECRET_KEY", "ENS_ISSUER", "ENS_DATA_DIR")}
    )
    return env


def prepare_app(args, url: str):
    """The app on the migrated database, and the benchmark's data in it."""
    from flask_migrate import upgrade

    from ens_core import create_app

    app = create_app()
    log(f"database: {url.split('@')[-1]}")
    with app.app_context():
        upgrade()
    started = time.monotonic()
    fixture = load_fixture.build(
        app, citizens=args.citizens, observations=args.observations, log=log
    )
    log(f"  data ready in {time.monotonic() - started:.0f} s")
    return app, fixture


def start_servers(servers: dict[str, Gunicorn], args, env, workdir: Path) -> None:
    """The hello and ENS servers, added to ``servers`` as they start (to be stopped)."""
    gunicorn_options = dict(
        workers=args.workers,
        threads=args.threads,
        env=env,
        logdir=workdir,
        access_log=args.access_log,
    )
    servers["hello"] = Gunicorn("hello", "bench.hello_app:app", free_port(), **gunicorn_options)
    servers["ens"] = Gunicorn("ens", "bench.ens_app:app", free_port(), **gunicorn_options)
    servers["hello"].wait_ready("/")
    servers["ens"].wait_ready("/bench/bare")


def serving_line(args) -> str:
    return (
        f"gunicorn --workers {args.workers}"
        + (f" --threads {args.threads}" if args.threads > 1 else " (sync)")
        + (" --access-logfile" if args.access_log else "")
    )


def print_tables(args, runs: list[Run], scenarios, concurrencies, serving: str) -> None:
    """The table of each concurrency, and how quiet the machine was."""
    db_name = "PostgreSQL" if args.database_url else "SQLite"
    if runs:
        for connections in concurrencies:
            print(
                f"\n#### {db_name}, {serving}, wrk -t{args.wrk_threads} -c{connections}, "
                f"{args.duration} s, {args.rounds} round(s): medians\n"
            )
            print(table(runs, scenarios, connections))
        loads = [r.loadavg for r in runs]
        print(
            f"\nload average at run start: min {min(loads):.2f}, max {max(loads):.2f}; "
            f"re-runs for disturbance: {sum(r.attempts - 1 for r in runs)}; "
            f"{os.cpu_count()} CPUs",
            flush=True,
        )


def report_locked(server: Gunicorn) -> None:
    locked = server.stderr_log.read_text().count("database is locked")
    if locked:
        log(f"server log: {locked} 'database is locked' ({server.stderr_log})")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.report:
        report(args.report)
        return
    if not shutil.which(args.wrk):
        raise SystemExit("wrk is missing: run .ci/install-wrk (or: make bench)")
    # SIGTERM (and SIGINT, ignored by shells in background jobs) stop the servers too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.nice:
        raise_priority(args.nice)
    scenarios = [BY_KEY[k] for k in args.scenarios.split(",") if k]
    profiled = [BY_KEY[k] for k in args.profile.split(",") if k]
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    workdir = Path(tempfile.mkdtemp(prefix="ens-api-load-"))
    url, database, drop = prepare_database(args, workdir)
    env = bench_environment(url, workdir)
    servers: dict[str, Gunicorn] = {}
    try:
        app, fixture = prepare_app(args, url)
        start_servers(servers, args, env, workdir)
        meter = CpuMeter(list(servers.values()), database)
        bench = Bench(args, servers, meter, Requests(app, fixture, workdir))
        if database.unattended():
            log(
                "PostgreSQL runs without autovacuum here: the benchmark analyses its database "
                "before each run, as autovacuum would (DESIGN.md requires it in service)"
            )
            bench.analyze_before_runs = True
        warm_up(bench, list(dict.fromkeys(scenarios + profiled)), args.workers)
        serving = serving_line(args)
        log(f"serving: {serving}; wrk -t{args.wrk_threads}, {args.duration} s per run")
        runs = measure_rounds(bench, args.rounds, concurrencies, scenarios)
        print_tables(args, runs, scenarios, concurrencies, serving)
        if args.json:
            args.json.write_text(json.dumps([asdict(r) for r in runs], indent=1))
        tag = "pg" if args.database_url else "sqlite"
        for scenario in profiled:
            profile(bench, scenario, args.profile_concurrency, args.profile_dir, tag)
        if args.keep:
            log(f"kept {workdir}" + (f" and the database {url}" if args.database_url else ""))
        report_memory(servers["ens"], workdir / "ens-access.log")
        report_locked(servers["ens"])
    finally:
        for server in servers.values():
            server.stop()
        if not args.keep:
            drop()
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
