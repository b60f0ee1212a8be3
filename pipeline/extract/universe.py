"""The universe: which firms are tracked, kept as a dated membership history in the raw layer.

Members come from a list the user exported from a terminal or website (`import_file`, stored as the function
`universe_import`) or from EastMoney's concept board (`sync`, `stock_board_concept_cons_em`). Either way each
import or fetch is a membership snapshot (columns 代码, 名称), and the newest snapshot is the universe.
A change of more than 10 % at once is shown and not applied unless the user accepts it: a board that halves
overnight is more often an upstream glitch than news.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import clock, codes, sources
from pipeline.config import MEMBERSHIP_REVIEW_SHARE, Paths
from pipeline.errors import EmptyResultError, LeasewatchError, UsageError
from pipeline.extract.common import call, fetch, keep, refuse_sample_mix
from pipeline.extract.member_file import read_member_file
from pipeline.raw.store import RawRecord, RawStore

if TYPE_CHECKING:
    import pandas as pd

MAX_CHANGE_SHARE = MEMBERSHIP_REVIEW_SHARE
DEFAULT_BOARD_NAME = "算力租赁"
CONFIG_FILE = "universe.json"
SNAPSHOT_FUNCTIONS = (sources.BOARD_CONS, sources.UNIVERSE_IMPORT)

@dataclass(frozen=True)
class Snapshot:
    """One membership snapshot: who was on the board (or in the imported list) at `taken_at`."""

    function: str
    board: str
    taken_at: datetime
    members: dict[str, str]  # code → name
    source: str


@dataclass(frozen=True)
class Change:
    """The difference between the current universe and a new list."""

    previous: dict[str, str] | None
    new: dict[str, str]

    @property
    def joined(self) -> list[str]:
        return sorted(set(self.new) - set(self.previous or {}))

    @property
    def left(self) -> list[str]:
        return sorted(set(self.previous or {}) - set(self.new))

    @property
    def share(self) -> float | None:
        """Changes as a fraction of the previous size; None for a first snapshot."""
        if not self.previous:
            return None
        return (len(self.joined) + len(self.left)) / len(self.previous)

    @property
    def needs_review(self) -> bool:
        return self.share is not None and self.share > MAX_CHANGE_SHARE

    def summary(self) -> str:
        if self.previous is None:
            return "first snapshot"
        share = f" ({self.share:.1%})" if self.share is not None else ""
        return f"{len(self.joined)} joined, {len(self.left)} left of {len(self.previous)}{share}"


def compare(previous: dict[str, str] | None, new: dict[str, str]) -> Change:
    return Change(dict(previous) if previous is not None else None, dict(new))


def snapshots(store: RawStore) -> list[Snapshot]:
    """Every membership snapshot in the raw layer, oldest first."""
    records = [r for function in SNAPSHOT_FUNCTIONS for r in store.records(function)]
    out = []
    frames: dict[str, dict[str, str]] = {}
    for record in sorted(records, key=lambda r: r.fetched_at):
        if record.path not in frames:
            frames[record.path] = members_of(store.read(record))
        out.append(
            Snapshot(
                function=record.function,
                board=str(record.args.get("symbol") or record.args.get("file") or ""),
                taken_at=datetime.fromisoformat(record.fetched_at),
                members=frames[record.path],
                source=record.source,
            )
        )
    return out


def latest_snapshot(store: RawStore) -> Snapshot | None:
    taken = snapshots(store)
    return taken[-1] if taken else None


def members_of(frame: "pd.DataFrame") -> dict[str, str]:
    """code → name from a frame with 代码 and 名称, as stored."""
    if len(frame) == 0 or "代码" not in frame.columns:
        return {}
    names = frame["名称"] if "名称" in frame.columns else [None] * len(frame)
    return {codes.normalize_code(c): (None if n is None or n != n else str(n)) for c, n in zip(frame["代码"], names)}


# -- Import ------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    label: str
    members: dict[str, str]
    change: Change
    applied: bool
    record: RawRecord | None
    skipped_rows: int = 0


class _FileSource:
    """The user's file behind the source door, so an import is stored with provenance like any fetch."""

    name = "user"
    is_sample = False

    def __init__(self, now: datetime):
        from pipeline import __version__

        self.version = f"leasewatch {__version__}"
        self._now = now

    def now(self) -> datetime:
        return self._now


def import_file(
    store: RawStore, path: Path, *, label: str | None = None, accept_changes: bool = False, now: datetime | None = None
) -> ImportResult:
    """Record a member list (CSV or XLSX with 代码/名称) as a dated membership snapshot.

    `label` files the snapshot under a stable name (default: the file name), so imports of differently named
    exports can form one history."""

    path = Path(path)
    source = _FileSource((now or clock.china_now()).replace(microsecond=0))
    refuse_sample_mix(store, source)
    members, skipped = read_member_file(path)
    label = label or path.name
    current = latest_snapshot(store)
    change = compare(current.members if current else None, members)
    if change.needs_review and not accept_changes:
        return ImportResult(label, members, change, False, None, skipped)
    import pandas as pd

    frame = pd.DataFrame({"代码": list(members), "名称": list(members.values())}, dtype="str")
    record = keep(source, store, sources.UNIVERSE_IMPORT, {"file": label}, frame)
    return ImportResult(label, members, change, True, record, skipped)


# -- EastMoney board ---------------------------------------------------------------------------------------


@dataclass
class BoardConfig:
    """The pinned EastMoney board, in data/universe.json: found once by name, then always fetched by BK code."""

    name: str = DEFAULT_BOARD_NAME
    code: str | None = None
    title: str | None = None
    pinned_at: str | None = None

    @classmethod
    def load(cls, paths: Paths) -> "BoardConfig":
        path = paths.data_dir / CONFIG_FILE
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: data.get(k) for k in ("name", "code", "title", "pinned_at") if k in data})
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{path} is not valid: {exc}", "fix or delete it, then run leasewatch universe sync") from exc

    def save(self, paths: Paths) -> Path:
        path = paths.data_dir / CONFIG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


@dataclass
class BoardRefresh:
    frame: "pd.DataFrame"
    members: dict[str, str]
    change: Change
    applied: bool
    record: RawRecord | None


def refresh_board(
    source, store: RawStore, board: str, *, accept_changes: bool = False, fresh_after: datetime | None = None
) -> BoardRefresh:
    """The board's constituents, stored as a snapshot unless they differ from the current universe by more
    than 10 % and the change was not accepted. A snapshot stored after `fresh_after` is reused."""

    args = {"symbol": board}
    current = latest_snapshot(store)
    previous = current.members if current else None
    stored = store.latest(sources.BOARD_CONS, args, source=source.name)
    if fresh_after and stored and datetime.fromisoformat(stored.fetched_at) >= fresh_after:
        frame = store.read(stored)
        return BoardRefresh(frame, members_of(frame), compare(previous, members_of(frame)), True, None)
    frame = call(source, sources.BOARD_CONS, **args)
    if len(frame) == 0:
        raise EmptyResultError(
            f"{sources.BOARD_CONS}(symbol={board!r}) returned no members",
            "check the board code (leasewatch universe sync --board BKxxxx) or import a member list",
        )
    members = members_of(frame)
    change = compare(previous, members)
    if change.needs_review and not accept_changes:
        return BoardRefresh(frame, members, change, False, None)
    return BoardRefresh(frame, members, change, True, keep(source, store, sources.BOARD_CONS, args, frame))


@dataclass
class SyncResult:
    config: BoardConfig
    refresh: BoardRefresh
    ths_count: int | None = None
    notes: list[str] = field(default_factory=list)


def sync(
    source,
    store: RawStore,
    paths: Paths,
    *,
    name: str | None = None,
    board: str | None = None,
    accept_changes: bool = False,
) -> SyncResult:
    """Take the EastMoney concept board as the universe: find it by name once and pin its BK code, fetch its
    constituents, and compare the size with Tonghuashun's board of the same name where that page answers."""

    refuse_sample_mix(store, source)
    config = BoardConfig.load(paths)
    pinned = config.code
    if board:
        if not re.fullmatch(r"BK\d{4,}", board.upper()):
            raise UsageError(f"'{board}' is not an EastMoney board code", "board codes look like BK1134")
        config.code, config.title = board.upper(), None
        config.name = name or config.name
    elif (name and name != config.name) or not config.code:
        config.name = name or config.name
        config.code, config.title = _find_board(source, store, config.name)
    if config.code != pinned or not config.pinned_at:
        config.pinned_at = source.now().isoformat()
    # Pinned only once the board answered and its members were taken: a mistyped code, a failed fetch or a refused
    # change of more than 10 % leaves the previous pin in place.
    refresh = refresh_board(source, store, config.code, accept_changes=accept_changes)
    if refresh.applied:
        config.save(paths)
    result = SyncResult(config, refresh)
    _compare_with_ths(source, store, config.name, len(refresh.members), result)
    return result


def _find_board(source, store: RawStore, name: str) -> tuple[str, str]:
    from pipeline.sources.shapes import BOARD_NAMES

    _, boards = fetch(source, store, BOARD_NAMES)
    if len(boards) == 0:
        raise EmptyResultError(f"{BOARD_NAMES}() returned no boards", "rerun later, or pin the board: --board BKxxxx")
    titles = [str(t) for t in boards["板块名称"]]
    found = [(str(c), t) for c, t in zip(boards["板块代码"], titles) if name in t]
    exact = [(c, t) for c, t in found if t == name]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if found:
        listed = ", ".join(f"{c} {t}" for c, t in found[:10])
        raise UsageError(f"several EastMoney boards match '{name}': {listed}", "choose one: leasewatch universe sync --board BKxxxx")
    near = [f"{c} {t}" for c, t in zip(boards["板块代码"], titles) if name[:2] in t][:10]
    raise UsageError(
        f"no EastMoney concept board is named like '{name}'" + (f"; boards with '{name[:2]}': {', '.join(near)}" if near else ""),
        "choose one: leasewatch universe sync --board BKxxxx, or import a member list",
    )


def _compare_with_ths(source, store, name: str, size: int, result: SyncResult) -> None:
    """Tonghuashun's 涨跌家数 ("25/222": rising/falling) adds up to about its member count (flat stocks are
    left out). Best effort: the THS page is often unreachable, and a failure here is only a note."""
    from pipeline.sources.shapes import THS_BOARD_INFO

    try:
        _, frame = fetch(source, store, THS_BOARD_INFO, symbol=name)
    except LeasewatchError as exc:
        result.notes.append(f"Tonghuashun's member count is unavailable ({exc.message})")
        return
    values = dict(zip(frame["项目"].astype(str), frame["值"].astype(str))) if len(frame) else {}
    counts = [int(n) for n in re.findall(r"\d+", values.get("涨跌家数", ""))]
    if not counts:
        result.notes.append(f"Tonghuashun's page for '{name}' shows no 涨跌家数")
        return
    result.ths_count = sum(counts)
    gap = abs(size - result.ths_count) / max(result.ths_count, 1)
    result.notes.append(
        f"Tonghuashun '{name}' has about {result.ths_count} members (涨跌家数), EastMoney's board {size}"
        + (f": they differ by {gap:.0%}, the boards are curated differently" if gap > MAX_CHANGE_SHARE else "")
    )


# -- Listing ----------------------------------------------------------------------------------------------


@dataclass
class Listing:
    members: list[dict]
    changes: list[dict]
    origin: str  # "warehouse" or "raw layer"
    snapshot: Snapshot | None


def listing(paths: Paths, *, changes: int = 20) -> Listing:
    """Members and the latest changes: from the warehouse's marts when it holds every snapshot, otherwise
    (no warehouse yet, or snapshots taken since the last build) from the raw layer."""
    store = RawStore(paths.raw_dir)
    taken = snapshots(store)
    if not taken:
        raise UsageError(
            "there is no universe yet",
            "import a member list (leasewatch universe import FILE) or take EastMoney's board (leasewatch universe sync)",
        )
    if paths.warehouse.exists():
        from_marts = _from_warehouse(paths, taken, changes)
        if from_marts is not None:
            return from_marts
    return _from_raw(taken, changes)


def _from_warehouse(paths: Paths, taken: list[Snapshot], limit: int) -> Listing | None:
    from pipeline.build import warehouse

    distinct = {(s.function, s.board, s.taken_at) for s in taken}
    with warehouse.connect(paths) as con:
        built = con.execute(
            "select count(*) from (select distinct membership_source, board, snapshot_at from staging.stg_universe_snapshots)"
        ).fetchone()[0]
        if built != len(distinct):
            return None
        cursor = con.execute(
            "select code, name, exchange, membership_source as source, board, first_seen, last_seen, is_current "
            "from marts.universe order by is_current desc, code"
        )
        members = _dicts(cursor)
        cursor = con.execute(
            "select snapshot_at::date as day, change, code, name, membership_source as source, board, needs_review "
            f"from marts.universe_changes order by snapshot_at desc, change, code limit {int(limit)}"
        )
        changes = _dicts(cursor)
    return Listing(members, changes, "warehouse", taken[-1])


def _from_raw(taken: list[Snapshot], limit: int) -> Listing:
    latest = taken[-1]
    seen: dict[str, dict] = {}
    for snap in taken:
        for code, name in snap.members.items():
            entry = seen.setdefault(code, {"code": code, "first_seen": snap.taken_at.date()})
            entry.update(name=name, source=snap.function, board=snap.board, last_seen=snap.taken_at.date())
    members = []
    for code in sorted(seen, key=lambda c: (c not in latest.members, c)):
        entry = seen[code]
        members.append(
            {
                "code": code, "name": entry["name"], "exchange": codes.exchange_of(code), "source": entry["source"],
                "board": entry["board"], "first_seen": entry["first_seen"], "last_seen": entry["last_seen"],
                "is_current": code in latest.members,
            }
        )
    changes = []
    previous: dict[tuple[str, str], Snapshot] = {}
    for snap in taken:
        before = previous.get((snap.function, snap.board))
        if before is not None:
            change = compare(before.members, snap.members)
            for kind, listed, names in (("joined", change.joined, snap.members), ("left", change.left, before.members)):
                for code in listed:
                    changes.append(
                        {
                            "day": snap.taken_at.date(), "change": kind, "code": code, "name": names.get(code),
                            "source": snap.function, "board": snap.board, "needs_review": change.needs_review,
                        }
                    )
        previous[(snap.function, snap.board)] = snap
    changes.sort(key=lambda c: (-c["day"].toordinal(), c["change"], c["code"]))
    return Listing(members, changes[:limit], "raw layer", latest)


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
