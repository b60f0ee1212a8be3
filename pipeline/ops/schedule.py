"""Scheduler entries: a crontab block or systemd units that run `leasewatch refresh` after the Shanghai close."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.clock import CHINA_TZ
from pipeline.errors import UsageError
from pipeline.runtime.runlog import LOG_FILE

SCHEDULE_AT = "18:30"  # China time: the exchanges close at 15:00 and EastMoney's evening data settles by then




@dataclass(frozen=True)
class ScheduleTarget:
    executable: Path  # the venv's leasewatch
    data_dir: Path
    reports_dir: Path
    at: str = SCHEDULE_AT  # HH:MM, China time

    def command(self) -> str:
        args = [str(self.executable), "--data-dir", str(self.data_dir), "--reports-dir", str(self.reports_dir)]
        for arg in args:
            if "\n" in arg or "\r" in arg:  # a crontab line or a unit's ExecStart= cannot hold one
                raise UsageError(f"the path {arg!r} contains a line break; a scheduler entry cannot run it",
                                 "move the data, reports or venv directory to a path without one")
        return " ".join(shlex.quote(a) for a in args) + " refresh --source akshare"


def parse_at(text: str) -> tuple[int, int]:
    """'18:30' → (18, 30); raises ValueError on anything else."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(text)
    h, m = int(hours), int(minutes)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(text)
    return h, m


def cron_entry(target: ScheduleTarget, local_zone: str | None = None) -> str:
    """A crontab block: CRON_TZ=Asia/Shanghai for cronie, and the same moment in this machine's zone for crons
    that ignore CRON_TZ (Debian's and Ubuntu's)."""
    hour, minute = parse_at(target.at)
    logs = target.data_dir / "logs"
    # The shell opens cron.log before leasewatch runs, so its directory must exist first.
    line = f"mkdir -p {shlex.quote(str(logs))} && {target.command()} >> {shlex.quote(str(logs / 'cron.log'))} 2>&1"
    line = line.replace("%", "\\%")  # cron turns an unescaped % into a line break, even inside quotes
    zone, local_hour, local_minute, shift, has_dst = _in_local_zone(hour, minute, local_zone)
    days = _weekdays(shift)
    dst_note = " This zone has daylight saving time, so that line drifts by an hour part of the year." if has_dst else ""
    return "\n".join(
        [
            f"# leasewatch: refresh after the Shanghai close, Monday to Friday at {target.at} China time. The command",
            "# itself skips exchange holidays (exchange_calendars XSHG); --wait is off, so a run that finds the previous",
            "# one still going exits with code 7. Codes: 0 ok, 10 partial, 3 source blocked, 5 data tests failed (old",
            f"# warehouse kept), 7 lock held. Steps: {target.data_dir / 'logs' / LOG_FILE} (rotated); cron.log gets",
            "# only each run's outcome, warnings and errors (a few lines a day).",
            "# CRON_TZ is honoured by cronie (RHEL, Fedora, Arch). Debian's and Ubuntu's cron ignore it: there, use the",
            f"# commented line instead, which is the same moment in this machine's zone ({zone}).{dst_note}",
            f"CRON_TZ={CHINA_TZ}",
            f"{minute} {hour} * * 1-5 {line}",
            f"# {local_minute} {local_hour} * * {days} {line}",
        ]
    )


def systemd_units(target: ScheduleTarget, user: str) -> str:
    """A oneshot service and a timer (OnCalendar with a time zone needs systemd ≥ 235)."""
    hour, minute = parse_at(target.at)
    return "\n".join(
        [
            "# /etc/systemd/system/leasewatch-refresh.service",
            "[Unit]",
            "Description=leasewatch daily refresh (akshare -> raw layer -> warehouse -> reports)",
            "Wants=network-online.target",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=oneshot",
            f"User={user}",
            # systemd expands %-specifiers and $VARIABLES in ExecStart=, even inside quotes: %% and $$ are literal
            f"ExecStart={target.command().replace('%', '%%').replace('$', '$$')}",
            f"# Output goes to the journal (journalctl -u leasewatch-refresh); the run log is {target.data_dir / 'logs' / LOG_FILE}.",
            "# Exit codes: 0 ok, 10 partial, 3 source blocked, 5 data tests failed (old warehouse kept), 7 lock held.",
            "",
            "# /etc/systemd/system/leasewatch-refresh.timer",
            "[Unit]",
            "Description=leasewatch refresh after the Shanghai close (the command skips exchange holidays)",
            "",
            "[Timer]",
            f"OnCalendar=Mon..Fri *-*-* {hour:02d}:{minute:02d}:00 {CHINA_TZ}",
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
            "# Install: sudo systemctl daemon-reload && sudo systemctl enable --now leasewatch-refresh.timer",
        ]
    )


def _weekdays(shift: int) -> str:
    """Cron's Monday-to-Friday (1-5, Sunday = 0) moved by `shift` days."""
    first, last = (1 + shift) % 7, (5 + shift) % 7
    return f"{first}-{last}" if first <= last else f"{first}-6,0-{last}"


def _in_local_zone(hour: int, minute: int, zone_name: str | None) -> tuple[str, int, int, int, bool]:
    """China time HH:MM in the local zone: (zone, hour, minute, day shift, whether the zone has DST)."""
    from zoneinfo import ZoneInfo

    china = ZoneInfo(CHINA_TZ)
    local = ZoneInfo(zone_name) if zone_name else datetime.now().astimezone().tzinfo
    name = zone_name or datetime.now().astimezone().tzname() or "local"
    monday = datetime(2025, 1, 6, hour, minute, tzinfo=china)
    there = monday.astimezone(local)
    offsets = {datetime(2025, m, 15, tzinfo=local).utcoffset() for m in (1, 7)}
    return name, there.hour, there.minute, (there.date() - monday.date()).days, len(offsets) > 1


