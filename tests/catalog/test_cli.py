"""`kommune-sdg catalog check` as a real subprocess: live against the PxWebApi test server serving the real
recorded SSB responses (a real socket on 127.0.0.1), and on a generated demo snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.catalog import ssb_catalog
from pipeline.demo import generate_demo_snapshot
from testkit.pxweb_server import PxWebTestServer
from tests.catalog.conftest import table

MATCHING_14216 = table("14216", "Region", {"Areal": "Areal av tettsted", "Bosatte": "Bosatte"}, codelist="vs_Kommun")


@pytest.fixture
def server(recorded: Path) -> Iterator[PxWebTestServer]:
    """A test server with only the real recorded responses (05300, 14216, 12134, /config, a codelist)."""
    srv = PxWebTestServer(recorded=recorded)
    srv.start()
    yield srv
    srv.stop()
    assert not srv.violations


def test_live_all_match_exits_0(server: PxWebTestServer, write_catalog, run_cli) -> None:
    proc = run_cli("--source", "live", "--catalog", str(write_catalog(MATCHING_14216)), ssb_url=server.base_url)
    assert proc.returncode == 0
    out = proc.stdout
    assert f"against live {server.base_url}" in out
    assert "14216  MATCH  SSB: 14216: Areal og befolkning i tettsteder (K) (T) 2000-2026" in out
    assert "OK        contents Areal: 'Areal av tettsted (km²)'" in out
    assert "OK        codelist: vs_Kommun 'Alle kommuner' is offered for Region" in out
    assert "NOTE      dimension TettSted: 'tettsted' not in the catalog's selection: SSB eliminates it" in out
    assert out.rstrip().endswith("1 tables: 1 match, 0 mismatch, 0 refused (not municipal), 0 unreadable")
    # it asked SSB what it should: /config once, then the table's metadata
    assert server.count("/config") == 1 and server.count("/tables/14216/metadata") == 1
    assert server.count("/data") == 0


def test_live_mismatches_exit_1_with_ssb_labels(server: PxWebTestServer, write_catalog, run_cli) -> None:
    catalog = write_catalog(
        MATCHING_14216,
        table("12134", "Region", {"KOSAG110000": "Frie inntekter per innbygger",
                                  "KOSAG120000": "Netto driftsresultat"}, codelist="agg_KommSummer"),
        table("14216", "Region", {"Personer": "Bosatte personer"}, codelist="agg_KommSummer"),
        table("05300", "Region", {"Avstand": "Avstand"}),
        table("99999", "Region", {"X": "x"}),
    )
    proc = run_cli("--source", "live", "--catalog", str(catalog), ssb_url=server.base_url)
    assert proc.returncode == 1
    out = proc.stdout
    assert "14216  MATCH" in out
    # a wrong region dimension (a KOSTRA table) and a code the table does not have
    assert "12134  MISMATCH (2)" in out
    assert ("MISMATCH  region dimension: the catalog says 'Region', SSB's region dimension is KOKkommuneregion0000 "
            "'region': 0301 'Oslo - Oslove', 4601 'Bergen', 5001 'Trondheim - Tråante'") in out
    assert "OK        contents KOSAG110000: 'Frie inntekter per innbygger (kr)'" in out
    assert ("MISMATCH  contents KOSAG120000: not in ContentsCode (catalog: 'Netto driftsresultat'); SSB has "
            "KOSAG110000 'Frie inntekter per innbygger (kr)'") in out
    # a wrong contents code and a codelist the table does not offer
    assert "14216  MISMATCH (2)" in out
    assert "MISMATCH  contents Personer: not in ContentsCode (catalog: 'Bosatte personer'); SSB has Areal" in out
    assert ("MISMATCH  codelist: agg_KommSummer is not offered for Region; SSB offers: agg_Valgdistrikt "
            "'Valgdistrikt', vs_Kommun 'Alle kommuner'; the municipal choice is vs_Kommun") in out
    # a national-only table is refused, naming the table
    assert "05300  REFUSED" in out
    assert "REFUSED   table 05300 (05300: Avstand til nærmeste lokale/sted" in out and "is national-only" in out
    # a table SSB does not have: an error, the others still checked
    assert "99999  ERROR" in out and "HTTP 404" in out and "Table 99999 not found" in out
    assert out.rstrip().endswith("5 tables: 1 match, 2 mismatch, 1 refused (not municipal), 1 unreadable")


def test_table_option_checks_only_those(server: PxWebTestServer, write_catalog, run_cli) -> None:
    catalog = write_catalog(MATCHING_14216, table("05300", "Region", {"Avstand": "Avstand"}))
    proc = run_cli("--source", "live", "--catalog", str(catalog), "--table", "14216", ssb_url=server.base_url)
    assert proc.returncode == 0 and "05300" not in proc.stdout
    assert server.count("/tables/05300") == 0


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    catalog = ssb_catalog()
    small = replace(catalog, tables=tuple(t for t in catalog.tables if t.id in ("07459", "12241")))
    return generate_demo_snapshot(tmp_path_factory.mktemp("demo"), small)


def test_snapshot_source(demo_snapshot: Path, write_catalog, run_cli) -> None:
    good = write_catalog(
        table("07459", "Region", {"Personer1": "Personer"}, codelist="agg_KommSummer"),
        table("12241", "Region", {"KgPerInnb": "kg"}, selection={"AvfallHushold": ["01"]}), name="good.yaml")
    proc = run_cli("--source", f"snapshot:{demo_snapshot}", "--catalog", str(good))
    assert proc.returncode == 0
    assert "(kind demo)" in proc.stdout and "generated from the catalog" in proc.stdout
    assert "OK        contents Personer1: 'Personer'" in proc.stdout
    # the demo keeps the real structure: the codelist the evidence shows for 07459 is offered
    assert "OK        codelist: agg_KommSummer 'agg_KommSummer' is offered for Region" in proc.stdout

    bad = write_catalog(
        table("12241", "Region", {"KgPerInnbygger": "Husholdningsavfall per innbygger (kg)"},
              selection={"AvfallHushold": ["99"]}),
        table("08764", "Region", {"X": "x"}), name="bad.yaml")
    proc = run_cli("--source", f"snapshot:{demo_snapshot}", "--catalog", str(bad))
    assert proc.returncode == 1
    assert ("closest to the catalog's label: KgPerInnb 'Husholdningsavfall per innbygger (kg)'") in proc.stdout
    assert "MISMATCH  selection AvfallHushold: code(s) 99 not in AvfallHushold" in proc.stdout
    assert "08764  ERROR" in proc.stdout and "table 08764 is not in the snapshot" in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--source", "demo"], "use live or snapshot:DIR"),
    (["--source", "nowhere"], "unknown source 'nowhere'"),
    (["--source", "live", "--table", "00000"], "table(s) 00000 not in"),
])
def test_usage_errors_exit_2(args: list[str], message: str, run_cli) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2 and message in proc.stderr


def test_not_a_snapshot_exits_2(tmp_path: Path, run_cli) -> None:
    proc = run_cli("--source", f"snapshot:{tmp_path}")
    assert proc.returncode == 2 and "no snapshot manifest" in proc.stderr
