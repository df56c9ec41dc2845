"""Crosswalks on the real KLASS files (shared/data/klass) and the real 07459 population response."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from pipeline.klass import crosswalk, crosswalk_frame, load_klass
from pipeline.klass.build_seeds import aggregation_rows, build
from pipeline.klass.crosswalk import SEEDS_DIR
from pipeline.ssb.jsonstat import read_jsonstat
from tests.klass.conftest import KLASS_DIR, SSB_DIR


@pytest.fixture(scope="module")
def real_seeds(tmp_path_factory: pytest.TempPathFactory):
    """Seeds rebuilt from the shared reference files (not the committed copies)."""
    d = tmp_path_factory.mktemp("seeds")
    build(KLASS_DIR, SSB_DIR, d)
    return d


def _real_codes(year: int) -> set[str]:
    if year == 2019:
        with (KLASS_DIR / "131_codes_2019_latin1.csv").open(encoding="latin-1") as fh:
            return {r["code"] for r in csv.DictReader(fh, delimiter=";")} - {"9999"}
    items = json.loads((KLASS_DIR / f"131_version_{year}.json").read_bytes())["classificationItems"]
    return {i["code"] for i in items} - {"9999"}


@pytest.mark.parametrize("year", [2019, 2020, 2024])
def test_reconstructed_structures_match_real_code_lists(real_seeds, year: int) -> None:
    assert set(load_klass(real_seeds).codes(year)) == _real_codes(year)


@pytest.mark.parametrize("from_year", [2019, 2020, 2023])
def test_every_code_maps_to_2024_codes_with_weights_summing_to_one(real_seeds, from_year: int) -> None:
    xw = crosswalk(from_year, 2024, seeds_dir=real_seeds)
    real_from = _real_codes(2020 if from_year == 2023 else from_year)
    assert set(xw["from_code"]) == real_from
    assert set(xw["to_code"]) <= _real_codes(2024)
    assert set(xw["to_code"]) == _real_codes(2024)  # nothing in 2024 is left without a source
    sums = xw.groupby("from_code")["weight"].sum()
    assert (sums - 1).abs().max() < 1e-9
    assert (xw["weight"] > 0).all()


def _row(xw: pd.DataFrame, code: str) -> dict[str, float]:
    return dict(zip(xw.loc[xw.from_code == code, "to_code"], xw.loc[xw.from_code == code, "weight"], strict=True))


def test_baerum_chain(real_seeds) -> None:
    assert _row(crosswalk(2019, 2020, seeds_dir=real_seeds), "0219") == {"3024": 1.0}
    assert _row(crosswalk(2020, 2024, seeds_dir=real_seeds), "3024") == {"3201": 1.0}
    assert _row(crosswalk(2019, 2024, seeds_dir=real_seeds), "0219") == {"3201": 1.0}
    frame = crosswalk_frame(2019, 2024, data=load_klass(real_seeds))
    assert frame.loc[frame.from_code == "0219", "change_type"].item() == "recoded"


def test_alesund_haram_split_by_population(real_seeds) -> None:
    row = _row(crosswalk(2023, 2024, seeds_dir=real_seeds), "1507")
    assert set(row) == {"1508", "1580"}
    # SSB 07459, 1 January 2024: 1508 Ålesund 58,509, 1580 Haram 9,357
    assert row["1580"] == pytest.approx(9357 / (58509 + 9357))
    # before 2020 Haram was 1534; 2024's Haram follows its old border, so its figures go there whole
    xw19 = crosswalk(2019, 2024, seeds_dir=real_seeds)
    assert _row(xw19, "1534") == {"1580": 1.0}
    assert _row(xw19, "1504") == {"1508": 1.0}


def test_2020_splits_and_merges(real_seeds) -> None:
    xw = crosswalk(2019, 2020, seeds_dir=real_seeds)
    assert set(_row(xw, "1850")) == {"1806", "1875"}  # Tysfjord
    assert set(_row(xw, "5012")) == {"5055", "5056", "5059"}  # Snillfjord
    assert _row(xw, "5030") == {"5001": 1.0}  # Klæbu into Trondheim
    assert (xw.groupby("to_code").size() > 1).sum() > 40  # n -> 1 merges


def test_trondheim_unchanged_since_2020(real_seeds) -> None:
    frame = crosswalk_frame(2020, 2024, data=load_klass(real_seeds))
    assert frame.loc[frame.from_code == "5001"].to_dict("records") == [
        {"from_code": "5001", "to_code": "5001", "weight": 1.0, "change_type": "unchanged",
         "from_population": pytest.approx(210496.0)}]


def test_counties_2024_splits(real_seeds) -> None:
    xw = crosswalk(2023, 2024, level="county", seeds_dir=real_seeds)
    assert set(_row(xw, "30")) == {"31", "32", "33"}
    assert set(_row(xw, "38")) == {"39", "40"}
    assert set(_row(xw, "54")) == {"55", "56"}
    assert _row(xw, "03") == {"03": 1.0}
    assert (xw.groupby("from_code")["weight"].sum() - 1).abs().max() < 1e-9
    xw19 = crosswalk(2019, 2024, level="county", seeds_dir=real_seeds)
    assert set(xw19["from_code"]) == {"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "14",
                                      "15", "18", "19", "20", "50"}


def test_harmonising_real_07459_2022_keeps_national_total(real_seeds) -> None:
    df = read_jsonstat(SSB_DIR / "07459_v0_jsonstat2_2022_K-codes.json")
    munis = df[df["Region"].str.fullmatch(r"K-\d{4}")].assign(code=lambda d: d["Region"].str[2:])
    assert munis["value"].sum() == 5_425_270
    xw = crosswalk(2022, 2024, seeds_dir=real_seeds)
    merged = munis.merge(xw, left_on="code", right_on="from_code", how="left", validate="one_to_many")
    assert merged["to_code"].notna().all()
    harmonised = (merged["value"] * merged["weight"]).groupby(merged["to_code"]).sum()
    assert len(harmonised) == 357
    assert harmonised.sum() == pytest.approx(5_425_270, abs=1e-6)
    assert harmonised["1580"] == pytest.approx(munis.loc[munis.code == "1507", "value"].item() * 9357 / 67866)


def test_backwards_and_unknown_years_are_refused(real_seeds) -> None:
    from pipeline.klass import CrosswalkError

    with pytest.raises(CrosswalkError, match="forward"):
        crosswalk(2024, 2019, seeds_dir=real_seeds)
    with pytest.raises(CrosswalkError, match="covers"):
        crosswalk(2010, 2024, seeds_dir=real_seeds)


@pytest.mark.parametrize("name", ["klass_municipality_versions.csv", "klass_municipality_changes.csv",
                                  "klass_county_versions.csv", "klass_split_weights.csv",
                                  "klass_municipality_population.csv", "klass_crosswalk.csv",
                                  "klass_county_crosswalk.csv", "klass_aggregation.csv"])
def test_committed_seeds_are_what_build_seeds_makes(real_seeds, name: str) -> None:
    assert (SEEDS_DIR / name).read_text(encoding="utf-8") == (real_seeds / name).read_text(encoding="utf-8"), (
        f"{name} is stale: run `python -m pipeline.klass.build_seeds`")


def test_aggregation_rules_cover_the_catalog() -> None:
    rows = {(r["table_id"], r["contents_code"]): r["aggregation"] for r in aggregation_rows()}
    assert rows[("07459", "Personer1")] == "sum"
    assert set(rows.values()) <= {"sum", "mean_pop_weighted", "ratio"}
