"""Read the published marts once (read-only, short-lived connection) and shape what the report pages show.

The marts grow columns over time (DESIGN section 6: "names are stable; columns may be added"), so this
module reads every table generically and uses optional columns (peer groups, ratings, trends, national
and peer ranks, distance to target) only when they are present.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipeline.refresh_meta import read_refresh_meta

MARTS_SCHEMA = "marts"

# Candidate names for a peer-group column, in order of preference (first one found is used).
PEER_COLUMNS = ("peer_group", "peer_group_name", "peer_group_label", "kostra_group", "size_class")

RATINGS: dict[str, tuple[str, str, str]] = {
    # rating -> (css colour, bokmål, English); SDSN dashboard semantics (DESIGN section 5)
    "green": ("#3f9c35", "Mål nådd", "Achieved"),
    "yellow": ("#f2c500", "Utfordringer gjenstår", "Challenges remain"),
    "orange": ("#f08a24", "Betydelige utfordringer", "Significant challenges"),
    "red": ("#d7263d", "Store utfordringer", "Major challenges"),
}
NO_RATING = ("#c9c9c9", "Ikke vurdert", "Not rated")


@dataclass(frozen=True)
class Trend:
    arrow: str
    css: str
    nb: str
    en: str


TRENDS = {
    "on_track": Trend("↑", "t-on", "I rute mot 2030", "On track for 2030"),
    "moderate": Trend("↗", "t-mod", "Moderat forbedring", "Moderately improving"),
    "stagnating": Trend("→", "t-stag", "Stagnerer", "Stagnating"),
    "decreasing": Trend("↓", "t-dec", "Går i feil retning", "Decreasing"),
}
NO_TREND = Trend("", "t-none", "Ingen trend", "No trend data")


def trend_of(value: Any) -> Trend:
    """Map the scoring mart's trend label (spelling may vary) to an arrow and labels."""
    if not isinstance(value, str) or not value.strip():
        return NO_TREND
    v = value.lower().replace("-", "_").replace(" ", "_")
    if "track" in v or "achiev" in v:
        return TRENDS["on_track"]
    if "moderat" in v:
        return TRENDS["moderate"]
    if "stagn" in v:
        return TRENDS["stagnating"]
    if "decreas" in v or "declin" in v or "wors" in v:
        return TRENDS["decreasing"]
    return Trend("·", "t-none", value, value)


def rating_of(value: Any) -> tuple[str, str, str, str]:
    """(key, colour, bokmål, English) of a rating; unknown or missing ratings are 'not rated'."""
    key = value.strip().lower() if isinstance(value, str) else ""
    if key in RATINGS:
        return (key, *RATINGS[key])
    return ("none", *NO_RATING)


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


@dataclass
class Marts:
    """Every table of schema marts as a DataFrame, plus meta.refresh (run id, published_at, snapshot kind)."""

    db_path: Path
    tables: dict[str, pd.DataFrame]
    refresh: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def has(self, name: str, *columns: str) -> bool:
        df = self.tables.get(name)
        return df is not None and all(c in df.columns for c in columns)


def load_marts(db_path: Path, duckdb_config: dict | None = None) -> Marts:
    """Read all marts into memory with one read-only connection, closed before rendering starts."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"{db_path}: no published warehouse (run `kommune-sdg refresh` first)")
    con = duckdb.connect(str(db_path), read_only=True, config=duckdb_config or {})
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [MARTS_SCHEMA]).fetchall()]
        tables = {n: con.execute(f'select * from {MARTS_SCHEMA}."{n}"').df() for n in names}
        refresh = read_refresh_meta(con) or {}
    finally:
        con.close()
    return Marts(Path(db_path), tables, refresh)


def frame_records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    """DataFrame -> list of dicts with None for missing values (the map, goal and county pages use it)."""
    if df is None or df.empty:
        return []
    obj = df.astype(object)
    return obj.where(df.notna(), None).to_dict("records")


def peer_column(municipalities: pd.DataFrame) -> str | None:
    for c in PEER_COLUMNS:
        if c in municipalities.columns and municipalities[c].notna().any():
            return c
    return None


def size_class(population: Any) -> str:
    """Fallback peer group when the marts carry none: SSB-style population size classes."""
    if is_missing(population):
        return "Ukjent størrelse"
    p = int(population)
    if p < 5_000:
        return "Under 5 000 innb."
    if p < 20_000:
        return "5 000–19 999 innb."
    if p < 50_000:
        return "20 000–49 999 innb."
    return "50 000+ innb."


PEER_NAME_COLUMNS = (("peer_group_name_nb", "peer_group_name_en"), ("size_class_name_nb", "size_class_name_en"))


def with_peer_groups(municipalities: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Add `_peer` (bokmål label) and `_peer_en` columns, and say where the groups came from."""
    df = municipalities.copy()
    df["_peer_en"] = ""
    for nb, en in PEER_NAME_COLUMNS:
        if nb in df.columns and df[nb].notna().any():
            df["_peer"] = df[nb].astype("string").fillna("Ukjent")
            if en in df.columns:
                df["_peer_en"] = df[en].astype("string").fillna("")
            return df, f"marts.municipalities.{nb}"
    col = peer_column(df)
    if col is not None:
        df["_peer"] = df[col].astype("string").fillna("Ukjent / Unknown")
        return df, f"marts.municipalities.{col}"
    pop = df["population"] if "population" in df.columns else pd.Series([None] * len(df), index=df.index)
    df["_peer"] = [size_class(p) for p in pop]
    return df, "størrelsesklasse etter folketall (population size class)"


def is_demo(marts: Marts) -> bool:
    """Demo when the refresh says so or any published value is flagged demo."""
    kind = str(marts.refresh.get("snapshot_kind") or "")
    if "demo" in kind.split(","):
        return True
    for name in ("indicator_values", "indicator_scores"):
        df = marts.get(name)
        if df is not None and "is_demo" in df.columns and bool(df["is_demo"].fillna(False).astype(bool).any()):
            return True
    return False


def report_year(goal_scores: pd.DataFrame) -> int | None:
    """The latest year with any goal score (the year the tiles show)."""
    scored = goal_scores[goal_scores["score"].notna()]
    if scored.empty:
        return int(goal_scores["year"].max()) if len(goal_scores) else None
    return int(scored["year"].max())


def fmt_number(value: Any, decimals: int | None = None) -> str:
    """Norwegian number format: thin-space thousands, decimal comma ('12 345,6')."""
    if is_missing(value):
        return "–"
    x = float(value)
    if decimals is None:
        decimals = 0 if abs(x) >= 1000 or x == int(x) else (1 if abs(x) >= 10 else 2)
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\u202f").replace(".", ",")


def fmt_timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M %Z").strip()
    return "–" if is_missing(value) else str(value)
