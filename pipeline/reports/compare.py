"""Comparison groups a reader picks on a municipality page: the country, the county, the size class, or the SDG
network (Bærekraftsnettverket, marts.municipalities.in_sdg_network). Medians per group are computed once for all
municipalities with one group-by per kind, so each page only looks its groups up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.reports.data import is_missing

# (key, bokmål, English); the order of the picker. "size" is the default (the peer group the report always had).
KINDS: tuple[tuple[str, str, str], ...] = (
    ("size", "Størrelsesklasse", "Size class"),
    ("county", "Fylket", "County"),
    ("country", "Landet", "Norway"),
    ("network", "Bærekraftsnettverket", "The SDG network"),
)
DEFAULT_KIND = "size"
NETWORK_COLUMN = "in_sdg_network"


@dataclass(frozen=True)
class Group:
    kind: str
    key: Any  # the group's value in its column (county code, size label, True, "all")
    name_nb: str
    name_en: str
    size: int


class Groups:
    """municipality -> its group of each kind, and medians of any (municipality, ..., value) frame per group."""

    def __init__(self, munis: pd.DataFrame) -> None:
        m = munis.set_index("municipality_code")
        network = m[NETWORK_COLUMN].fillna(False).astype(bool) if NETWORK_COLUMN in m.columns else \
            pd.Series(False, index=m.index)
        self.columns: dict[str, pd.Series] = {
            "country": pd.Series("all", index=m.index),
            "county": m["county_code"].astype("string") if "county_code" in m.columns else pd.Series("", index=m.index),
            "size": m["_peer"].astype("string"),
            # non-members belong to no network group, but still compare with the network's median
            "network": network.map({True: "network", False: None}),
        }
        self.network_size = int(network.sum())
        self.members = set(network[network].index)
        sizes = {k: col.value_counts().to_dict() for k, col in self.columns.items()}
        county_names = dict(zip(m.index, m.get("county_name", pd.Series("", index=m.index)), strict=True))
        peer_en = dict(zip(m.index, m.get("_peer_en", pd.Series("", index=m.index)), strict=True))
        self._of: dict[str, dict[str, Group]] = {}
        for code in m.index:
            county, size = self.columns["county"][code], self.columns["size"][code]
            self._of[code] = {
                "country": Group("country", "all", "Landet", "Norway", len(m)),
                "county": Group("county", county, str(county_names.get(code) or county),
                                str(county_names.get(code) or county), int(sizes["county"].get(county, 0))),
                "size": Group("size", size, str(size), str(peer_en.get(code) or size), int(sizes["size"].get(size, 0))),
                "network": Group("network", "network", "Bærekraftsnettverket", "The SDG network", self.network_size),
            }

    def of(self, code: str) -> dict[str, Group]:
        return self._of[code]

    def in_network(self, code: str) -> bool:
        return code in self.members

    def medians(self, df: pd.DataFrame, keys: list[str], value: str) -> dict[str, dict[tuple, float]]:
        """kind -> {(group key, *keys): median of `value`} over the municipalities of each group."""
        out: dict[str, dict[tuple, float]] = {}
        if df is None or df.empty or value not in df.columns:
            return {k: {} for k, *_ in KINDS}
        data = df[df[value].notna()]
        for kind, col in self.columns.items():
            g = data.assign(_g=data["municipality_code"].map(col)).dropna(subset=["_g"])
            s = g.groupby(["_g", *keys], dropna=False)[value].median()
            out[kind] = {k: float(v) for k, v in s.items() if not is_missing(v)}
        return out
