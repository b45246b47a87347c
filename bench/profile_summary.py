"""Summarise a py-spy profile (collapsed stacks, ``py-spy record --format raw``).

    .venv/bin/python bench/profile_summary.py PROFILE.txt [--top 20]

Prints, as Markdown: the phases of a request (each sample goes to the innermost phase on
its stack, so the phases add up to 100 %), and within each phase the layer whose code was
running (the leaf frame's library: SQLAlchemy ORM, SQLAlchemy Core, DB driver, Flask/
Werkzeug, joserfc/cryptography, json…); then the top functions by own time and by total
time. Also converts the profile to speedscope's JSON (``--speedscope OUT``), to open in
https://www.speedscope.app or any offline copy of it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# (phase, function, file fragment): a sample belongs to the innermost listed frame.
PHASES = [
    ("JWT verification (joserfc, ES256)", "validate_request", "authlib/oauth2/rfc6750"),
    ("JWT verification (joserfc, ES256)", "validate_request", "authlib/oauth2/rfc6749/resource"),
    ("JWT verification (joserfc, ES256)", "authenticate_token", "authz/protector"),
    ("protector: live token/grant/client/citizen check", "authenticate_request", "authz/protector"),
    ("access-log entry + hash chain", "record_access", "ens_core/health/access_log"),
    ("access-log entry + hash chain", "new_entry", "ens_core/health/access_log"),
    ("access-log entry + hash chain", "append_entry", "ens_core/health/access_log"),
    ("FHIR operation (query, visibility, mapping)", "perform", "ens_core/fhir/services"),
    ("FHIR body parse + validation", "_body", "ens_core/fhir/views"),
    ("response body (json.dumps, Response)", "fhir_response", "ens_core/fhir/errors"),
    ("commit", "commit", "sqlalchemy/orm/session"),
    ("commit", "commit", "sqlalchemy/orm/scoping"),
    ("express lane: live check (token, grant, client, citizen, service)", "express", "authz/protector"),
    ("express lane: the record or page (row, mapping)", "read_result", "ens_core/fhir/services"),
    ("express lane: the record or page (row, mapping)", "_search", "ens_core/fhir/express"),
    ("express lane: the record or page (row, mapping)", "owned_observation", "ens_core/health/services"),
    ("commit", "commit", "ens_core/prepared"),
    ("express lane: SQLite write lock (BEGIN IMMEDIATE)", "become_writer", "ens_core/prepared"),
    ("express lane: answer (headers, JSON)", "__call__", "ens_core/fhir/express"),
    ("token endpoint: client authentication", "authenticate_token_endpoint_client", "authlib/"),
    ("token endpoint: refresh token lookup + claim", "authenticate_refresh_token", "authz/grants"),
    ("token endpoint: code lookup + claim", "query_authorization_code", "authz/grants"),
    ("token endpoint: grant + citizen check", "authenticate_user", "authz/grants"),
    ("token endpoint: issue tokens (sign + insert)", "issue_tokens", "authz/tokens"),
    ("token endpoint: Authlib request parsing", "create_oauth2_request", "authlib/"),
    ("session teardown / connection return", "_teardown_session", "flask_sqlalchemy"),
    ("session teardown / connection return", "remove", "sqlalchemy/orm/scoping"),
    ("500s: rollback, logged traceback, error page", "handle_user_exception", "flask/app"),
    ("500s: rollback, logged traceback, error page", "handle_exception", "flask/app"),
    ("Flask request dispatch and hooks", "wsgi_app", "flask/app"),
    ("gunicorn (accept, parse, write, access log)", "handle", "gunicorn/"),
]

LAYERS = [
    ("SQLAlchemy ORM", ("sqlalchemy/orm/",)),
    ("SQLAlchemy Core (compile, execute, results)", ("sqlalchemy/",)),
    ("DB driver + engine (C: sqlite3 / libpq calls)", ("sqlite3/", "psycopg/", "psycopg_c")),
    ("joserfc / cryptography", ("joserfc/", "cryptography/")),
    ("Authlib", ("authlib/",)),
    ("Flask / Werkzeug / Jinja", ("flask/", "werkzeug/", "jinja2/", "flask_", "markupsafe/")),
    ("Babel / Flask-Babel", ("babel/",)),
    ("json / orjson", ("json/", "orjson")),
    ("gunicorn", ("gunicorn/",)),
    ("logging", ("logging/",)),
    (
        "app code (ens_core, authz, catalogue, review)",
        ("ens_core/", "authz/", "catalogue/", "review/"),
    ),
]


def parse_frame(text: str) -> tuple[str, str]:
    match = FRAME.match(text)
    if not match:
        return text, ""
    return match["func"], match["file"].replace("\\", "/")


def short_file(path: str) -> str:
    """``site-packages/x/y.py`` → ``x/y.py``; the repository's files relative to it."""
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            tail = path.split(marker, 1)[1]
            return tail.split("/", 1)[1] if marker == "/lib/python3" else tail
    for top in ("ens_core/", "authz/", "catalogue/", "review/", "bench/"):
        if f"/{top}" in path:
            return top + path.split(f"/{top}", 1)[1]
    return path


# SQLAlchemy functions that call straight into the C driver (sqlite3 has no Python frames
# of its own): their own time is the driver's and the database engine's.
DRIVER_CALLS = {
    "DefaultDialect.do_execute",
    "DefaultDialect.do_executemany",
    "DefaultDialect.do_execute_no_params",
    "DefaultDialect.do_commit",
    "DefaultDialect.do_rollback",
    "DefaultDialect.do_begin",
    "DefaultDialect.do_ping",
    "CursorFetchStrategy.fetchall",
    "CursorFetchStrategy.fetchone",
    "CursorFetchStrategy.fetchmany",
    "_sqlite_begin",
    "_sqlite_pragmas",
}

# Functions worth a line of their own (inclusive time): (label, function, file fragment).
KEY_FUNCTIONS = [
    ("signing keys loaded from the database (published_keys)", "published_keys", "authz/keys"),
    ("JWT decode + ES256 signature check (joserfc jwt.decode)", "decode", "joserfc/jwt"),
    ("JWT claims validation", "validate_token", "authz/protector"),
    ("current signing key query (current_key)", "current_key", "authz/keys"),
    (
        "session.execute calls (protector's join, UPDATE claims)",
        "execute",
        "sqlalchemy/orm/scoping",
    ),
    ("service lookup (get_service)", "get_service", "catalogue/services"),
    ("access-log head (_head, SELECT … FOR UPDATE)", "_head", "ens_core/health/access_log"),
    ("access-log hash (compute_hash)", "compute_hash", "ens_core/health/access_log"),
    ("lazy loads (ORM attribute refresh / relationship)", "_load_for_state", "sqlalchemy/orm"),
    ("expire after commit", "_expire", "sqlalchemy/orm/state"),
    ("FHIR mapping (to_fhir)", "to_fhir", "ens_core/fhir/services"),
    ("visibility (hidden types)", "can_see", "ens_core/health"),
    ("traceback formatting of 500s (logging.exception)", "format_exception", "traceback"),
    ("traceback extraction of 500s", "_extract_from_extended_frame_gen", "traceback"),
    ("gunicorn access log line", "access", "gunicorn/glogging"),
    ("security headers hook", "_set_security_headers", "ens_core/security"),
    ("language cookie hook", "_remember_language", "ens_core/i18n"),
    ("Flask-Login user loading", "_load_user", "flask_login"),
    ("HTML error page render (500s of the token endpoint)", "render_template", "flask/templating"),
    ("Authlib client authentication", "authenticate_client", "authlib/"),
    ("refresh token lookup by hash (with its grant and citizen)", "find_refresh_state", "authz/tokens"),
    ("access token signing (ES256)", "_sign_access_token", "authz/tokens"),
    ("ORM flush (autoflush and explicit flush: INSERT/UPDATE)", "flush", "sqlalchemy/orm/session"),
    ("connection checkout + pre-ping", "_checkout", "sqlalchemy/pool"),
]


def layer_of(path: str, func: str = "") -> str:
    if func in DRIVER_CALLS:
        return "DB driver + engine (C: sqlite3 / libpq calls)"
    short = short_file(path)
    for name, fragments in LAYERS:
        if any(short.startswith(f) or f"/{f}" in f"/{short}" for f in fragments):
            return name
    return "Python stdlib / other"


def read_text(path: Path) -> str:
    """A collapsed-stacks file, gzipped (``.gz``, as committed under bench/) or not."""
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes()).decode()
    return path.read_text()


def read_samples(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    samples = []
    for line in read_text(path).splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [parse_frame(f) for f in stack.split(";")]
        # py-spy's first frame is the process/thread ("process 123:…"): drop it.
        frames = [(fn, short_file(fl)) for fn, fl in frames if fl]
        samples.append((frames, int(count)))
    return samples


def phase_of(frames) -> str:
    for func, file in reversed(frames):
        for phase, name, fragment in PHASES:
            if (func == name or func.endswith("." + name)) and fragment in file:
                return phase
    return "outside a request (worker loop)"


def summarise(path: Path, top: int = 20) -> str:
    samples = read_samples(path)
    total = sum(n for _, n in samples) or 1
    phases: Counter = Counter()
    by_phase_layer: dict[str, Counter] = {}
    own: Counter = Counter()
    inclusive: Counter = Counter()
    for frames, n in samples:
        phase = phase_of(frames)
        phases[phase] += n
        leaf_func, leaf_file = frames[-1] if frames else ("?", "")
        by_phase_layer.setdefault(phase, Counter())[layer_of(leaf_file, leaf_func)] += n
        own[f"{leaf_func} ({leaf_file})"] += n
        for key in {f"{f} ({fl})" for f, fl in frames}:
            inclusive[key] += n

    def pct(n):
        return f"{100 * n / total:.1f} %"

    lines = [f"{total} samples ({path.name})", "", "| phase | share | main layers inside it |"]
    lines.append("|---|---:|---|")
    for phase, n in phases.most_common():
        layers = ", ".join(
            f"{name} {100 * k / n:.0f} %" for name, k in by_phase_layer[phase].most_common(4)
        )
        lines.append(f"| {phase} | {pct(n)} | {layers} |")
    all_layers: Counter = Counter()
    for counter in by_phase_layer.values():
        all_layers.update(counter)
    lines += ["", "| layer (own time, whole profile) | share |", "|---|---:|"]
    lines += [f"| {name} | {pct(n)} |" for name, n in all_layers.most_common()]
    keyed: Counter = Counter()
    for frames, n in samples:
        for label, name, fragment in KEY_FUNCTIONS:
            if any((f == name or f.endswith("." + name)) and fragment in fl for f, fl in frames):
                keyed[label] += n
    lines += ["", "| function (inclusive) | share |", "|---|---:|"]
    lines += [f"| {label} | {pct(n)} |" for label, n in keyed.most_common() if n]
    lines += ["", f"Top {top} functions by own time:", "", "| function | own |", "|---|---:|"]
    lines += [f"| `{k}` | {pct(n)} |" for k, n in own.most_common(top)]
    lines += ["", f"Top {top} functions by total time (below the request spine, < 60 %):"]
    lines += ["", "| function | total |", "|---|---:|"]
    below = [(k, n) for k, n in inclusive.most_common() if n < 0.6 * total]
    lines += [f"| `{k}` | {pct(n)} |" for k, n in below[:top]]
    return "\n".join(lines)


def to_speedscope(path: Path, out: Path, name: str) -> None:
    frames: dict[str, int] = {}
    samples, weights = [], []
    for line in read_text(path).splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples.append([frames.setdefault(f, len(frames)) for f in stack.split(";")])
        weights.append(int(count))
    document = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": [{"name": f} for f in frames]},
        "profiles": [
            {
                "type": "sampled",
                "name": name,
                "unit": "none",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
        "name": name,
        "exporter": "bench/profile_summary.py",
    }
    out.write_text(json.dumps(document))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--speedscope", type=Path)
    args = parser.parse_args()
    print(summarise(args.profile, args.top))
    if args.speedscope:
        to_speedscope(args.profile, args.speedscope, args.profile.stem)


if __name__ == "__main__":
    main()
