"""The sweep: sovereignty rules, then renewals, for every service, as one transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import click

from review.sovereignty import services
from review.surveillance.renewal import renewal_sweep

COLUMNS = (
    "suspended",
    "reinstated",
    "delisted",
    "expired",
    "renewal_notices",
    "hds_expiring",
    "overdue_orders",
    "awaiting_check",
    "unchanged",
)


@dataclass
class SweepReport:
    at: datetime
    counts: Counter = field(default_factory=Counter)
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # slug, action, detail

    def table(self, *, dry_run: bool) -> str:
        title = f"Sovereignty sweep at {self.at.date().isoformat()}" + (
            " (dry run: nothing written)" if dry_run else ""
        )
        lines = [title, ""]
        width = max([len(s) for s, _, _ in self.rows] + [7])
        if self.rows:
            lines.append(f"{'service':<{width}}  {'action':<16}  detail")
            lines.append(f"{'-' * width}  {'-' * 16}  {'-' * 30}")
            for slug, action, detail in self.rows:
                lines.append(f"{slug:<{width}}  {action:<16}  {detail}")
            lines.append("")
        lines.append(" | ".join(f"{c:>{len(c)}}" for c in COLUMNS))
        lines.append(" | ".join(f"{self.counts.get(c, 0):>{len(c)}}" for c in COLUMNS))
        return "\n".join(lines)


def _detail(action) -> str:
    if action.breaches:
        text = ", ".join(
            f"{b.code}{' ' + b.detail['country'] if b.detail.get('country') else ''}"
            for b in action.breaches
        )
        if action.deadline:
            text += f" (deadline {action.deadline.isoformat()})"
        return text
    return "regularised" if action.action == services.REINSTATE else ""


def _progress(rows):
    with click.progressbar(rows, label="Evaluating services") as bar:
        yield from bar


def run_sweep(*, now: datetime, dry_run: bool = False, progress: bool = False) -> SweepReport:

    report = SweepReport(at=now)
    actions = services.sweep_services(
        now=now, dry_run=dry_run, wrap=_progress if progress else None
    )
    decided = {}
    for action in actions:
        decided[action.service_id] = action.action
        if action.action == services.AWAITING_REVIEW:
            report.counts["awaiting_check"] += 1
            report.rows.append((action.slug, "awaiting check", "regularisation declared"))
            continue
        if action.action == services.UNCHANGED:
            if action.breaches and action.deadline:
                report.rows.append((action.slug, "still suspended", _detail(action)))
            continue
        report.counts[action.action] += 1
        report.rows.append((action.slug, action.action, _detail(action)))
    for slug, action, detail in renewal_sweep(now=now, dry_run=dry_run, skip=decided):
        report.counts[action] += 1
        report.rows.append((slug, action, detail))
    for slug, country, expiry in services.expiring_certificates(now.date()):
        report.counts["hds_expiring"] += 1
        report.rows.append((slug, "hds expiring", f"HDS certificate ({country}) ends {expiry}"))
    for order in services.overdue_orders(now.date()):
        report.counts["overdue_orders"] += 1
        report.rows.append(
            (
                f"order #{order.id}",
                "order overdue",
                f"service {order.service_id}, due {order.due_on}",
            )
        )
    changed = {"suspended", "reinstated", "delisted", "expired", "renewal_notices"}
    touched = {slug for slug, what, _detail_ in report.rows if what in changed}
    report.counts["unchanged"] = len([a for a in actions if a.slug not in touched])
    return report
