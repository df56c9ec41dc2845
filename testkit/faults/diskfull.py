"""Disk-full faults on real small filesystems: a size-limited tmpfs mounted over one area of the lab's home.

Each scenario makes one place too small (the build database, the warehouse folder publish writes into,
the exports), runs a refresh with new inputs and expects it to fail with a message saying the disk is
full and where, with the published warehouse byte-identical and nothing half-written left; then it gives
the filesystem room (`mount -o remount,size=...`) and expects the next refresh to succeed with no clean-up.
The publish and exports scenarios also write into the full filesystem directly (`publish_marts`,
`export_marts`), so DuckDB's own "No space left on device" is turned into the same clear error. The
refreshes stop after the exports (the dbt docs and HTML report are left out: they cost minutes and write
nowhere these faults fill).

Mounting needs root (or CAP_SYS_ADMIN). Without it the scenario raises: it never skips.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from testkit.faults.lab import Lab, Outcome, rewrite_table, scale_values, sha256_file, summary_reason

MiB = 1024 * 1024


class MountError(RuntimeError):
    """A tmpfs could not be mounted: the disk-full scenarios cannot run here (they fail, never skip)."""


def _run(*cmd: str) -> None:
    r = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise MountError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()} (needs root or "
                         "CAP_SYS_ADMIN; the disk-full faults run on a real size-limited tmpfs)")


@contextlib.contextmanager
def tmpfs(path: Path, size: int, carry: bool = True) -> Iterator[Path]:
    """Mount a tmpfs of `size` bytes over `path`, carrying its contents in and, on the way out, back;
    `carry=False` starts it empty and drops what was written (the build folder: every refresh recreates it)."""
    path.mkdir(parents=True, exist_ok=True)
    if not carry:
        _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
        try:
            yield path
        finally:
            _run("umount", str(path))
        return
    with tempfile.TemporaryDirectory(prefix="ksdg_tmpfs_carry_") as carry_dir:
        held = Path(carry_dir) / "content"
        shutil.copytree(path, held, symlinks=True)
        _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
        try:
            shutil.copytree(held, path, symlinks=True, dirs_exist_ok=True)
            yield path
        finally:
            shutil.rmtree(held)
            shutil.copytree(path, held, symlinks=True)
            _run("umount", str(path))
            shutil.rmtree(path)
            shutil.copytree(held, path, symlinks=True)


def resize(path: Path, size: int) -> None:
    """Free space the way an operator would: give the filesystem more room."""
    _run("mount", "-o", f"remount,size={size}", str(path))


def fill(path: Path, leave: int) -> Path:
    """A ballast file that leaves about `leave` bytes free on the filesystem of `path`."""
    from pipeline.diskspace import free_bytes  # noqa: PLC0415

    ballast = path / ".ballast"
    ballast.unlink(missing_ok=True)  # a leftover ballast would be counted as used, then freed by the truncation
    n = max(0, free_bytes(path) - leave)
    with ballast.open("wb") as fh:
        fh.truncate(0)
        chunk = b"\0" * MiB
        while n > 0:
            fh.write(chunk[: min(n, MiB)])
            n -= MiB
    return ballast


def _refresh(lab: Lab, source: str):
    """The refresh up to the exports (the dbt docs and the HTML report write nowhere these faults fill, and
    cost minutes on a busy machine): Dagster's own asset selection, its checks included."""
    import dagster as dg  # noqa: PLC0415

    from pipeline.asset_keys import DBT_DOCS, MUNICIPALITY_REPORT  # noqa: PLC0415
    from pipeline.refresh import run_refresh  # noqa: PLC0415

    return run_refresh(lab.settings, source, selection=dg.AssetSelection.all()
                       - dg.AssetSelection.assets(DBT_DOCS, MUNICIPALITY_REPORT))


def _changed_source(lab: Lab, work: Path, name: str, factor: float) -> str:
    snap = lab.copy_demo(work / f"{name}_snapshot")
    rewrite_table(snap, "06944", scale_values(factor))  # new figures: the refresh is not skipped as unchanged
    return f"snapshot:{snap}"


def _leftovers(lab: Lab) -> list[str]:
    wh = lab.home.warehouse_dir
    return sorted(str(p.relative_to(lab.home.root)) for p in
                  [*wh.glob(".*.publishing*"), *lab.home.exports_dir.parent.glob(".exports.*.tmp")])


def _outcome(name: str, fault: str, lab: Lab, failed, unchanged: bool, retry, extra: dict, t0: float) -> Outcome:
    reason = summary_reason(failed, lab.home) if not failed.success else "the refresh did NOT fail"
    then = f"published run {retry.run_id[:8]}" if retry.success else "FAILED: " + summary_reason(retry, lab.home)
    return Outcome(name, fault, "fails, then recovers", "succeeded" if (not failed.success and retry.success)
                   else "failed", reason, unchanged,
                   notes=f"after freeing space the next refresh {then}; leftovers: {extra.get('leftovers') or 'none'}",
                   seconds=time.monotonic() - t0, extra=extra | {"failed_ok": not failed.success,
                                                                 "retry_ok": retry.success})


def disk_full_build(lab: Lab, work: Path) -> Outcome:
    """The build database's filesystem (warehouse/build/) is 6 MiB: the load runs out of space."""
    source = _changed_source(lab, work, "disk_full_build", 1.03)
    before = sha256_file(lab.published)
    t0 = time.monotonic()
    build = lab.home.build_db.parent
    with tmpfs(build, 6 * MiB, carry=False):
        failed = _refresh(lab, source)
        unchanged = sha256_file(lab.published) == before
        left = sorted(p.name for p in build.iterdir())
        resize(build, 2048 * MiB)
        retry = _refresh(lab, source)
    return _outcome("disk_full_build", "warehouse/build/ on a 6 MiB tmpfs (the build database needs more); then "
                    "remounted at 2 GiB", lab, failed, unchanged, retry,
                    {"build_left": left, "leftovers": _leftovers(lab), "run_id": failed.run_id}, t0)


@contextlib.contextmanager
def small_home(lab: Lab, leave: int) -> Iterator[Path]:
    """The whole home on a tmpfs with about `leave` bytes free (a ballast file takes the rest), the build
    folder and Dagster's home on big tmpfs of their own (builds on a scratch volume, run history on another):
    only publish and exports can run out of space. Yields the ballast; deleting it frees the space."""
    from pipeline.retention import tree_size  # noqa: PLC0415

    root = lab.home.root
    # Dagster's run history on a volume of its own too: with it on the full filesystem Dagster itself cannot
    # record the run ("disk I/O error" from SQLite) before the product gets to say anything
    # room beyond today's home: the pre-publish space check asks about 1.1 x (warehouse + exports), so once the
    # ballast is gone the next refresh must find at least that free (the marts grow with the catalog)
    exports = tree_size(lab.home.exports_dir) if lab.home.exports_dir.exists() else 0
    room = int(1.5 * (lab.published.stat().st_size + exports)) + 64 * MiB
    with tmpfs(root, tree_size(root) - tree_size(lab.home.build_db.parent) + room), \
            tmpfs(lab.settings.dagster_home, 1024 * MiB):
        ballast = fill(root, leave)
        try:
            with tmpfs(lab.home.build_db.parent, 2048 * MiB, carry=False):
                yield ballast
        finally:  # never carried back into the home, whatever happened
            ballast.unlink(missing_ok=True)


def _built_marts(lab: Lab) -> list[str]:
    """Every mart in the build database the failed refresh left (it failed at publish, after dbt)."""
    import duckdb  # noqa: PLC0415

    con = duckdb.connect(str(lab.home.build_db), read_only=True)
    try:
        return [r[0] for r in con.execute("select table_name from information_schema.tables "
                                          "where table_schema = 'marts' and table_type = 'BASE TABLE'").fetchall()]
    finally:
        con.close()


def _direct(call) -> str:
    """The error a direct write into the full filesystem gives (the scenario wants a DiskFull)."""
    from pipeline.diskspace import DiskFull  # noqa: PLC0415

    try:
        call()
    except DiskFull as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded, and the test fails on it
        return f"NOT a DiskFull: {exc!r}"
    return "NOT a DiskFull: the write succeeded"


def disk_full_publish(lab: Lab, work: Path) -> Outcome:
    """The warehouse's filesystem has room for half a new warehouse file."""
    from pipeline.publish import publish_marts  # noqa: PLC0415
    from pipeline.resources import Warehouse  # noqa: PLC0415

    source = _changed_source(lab, work, "disk_full_publish", 1.04)
    before = sha256_file(lab.published)
    size = lab.published.stat().st_size
    t0 = time.monotonic()
    with small_home(lab, size // 2) as ballast:
        failed = _refresh(lab, source)
        unchanged = sha256_file(lab.published) == before
        # DuckDB itself hitting the full disk while writing the new warehouse file
        direct = _direct(lambda: publish_marts(Warehouse.for_home(lab.home), _built_marts(lab), "directwrite", "demo"))
        unchanged = unchanged and sha256_file(lab.published) == before
        leftovers = _leftovers(lab)
        ballast.unlink()  # free space
        retry = _refresh(lab, source)
    return _outcome("disk_full_publish", f"home on a tmpfs with {size // 2 // 1024} KiB free (the warehouse file "
                    f"is {size // 1024} KiB; builds on their own volume); then the ballast deleted", lab, failed,
                    unchanged, retry, {"direct": direct, "leftovers": leftovers, "run_id": failed.run_id}, t0)


def disk_full_exports(lab: Lab, work: Path) -> Outcome:
    """Room for a new warehouse file but not for a new set of exports beside the old one."""
    from pipeline.exports import export_marts  # noqa: PLC0415
    from pipeline.retention import tree_size  # noqa: PLC0415

    source = _changed_source(lab, work, "disk_full_exports", 1.05)
    before = sha256_file(lab.published)
    exports = lab.home.exports_dir
    size, wh_size = tree_size(exports), lab.published.stat().st_size
    t0 = time.monotonic()
    with small_home(lab, int(wh_size * 1.2) + size // 2) as ballast:
        old = {p.relative_to(exports): sha256_file(p) for p in exports.rglob("*") if p.is_file()}
        failed = _refresh(lab, source)
        unchanged = sha256_file(lab.published) == before
        direct = _direct(lambda: export_marts(lab.published, exports))
        kept = {p.relative_to(exports): sha256_file(p) for p in exports.rglob("*") if p.is_file()}
        leftovers = _leftovers(lab)
        ballast.unlink()
        retry = _refresh(lab, source)
    return _outcome("disk_full_exports", f"home on a tmpfs with room for a new warehouse file but only "
                    f"{size // 2 // 1024} KiB for exports (they take {size // 1024} KiB); then the ballast deleted",
                    lab, failed, unchanged, retry,
                    {"direct": direct, "exports_intact": old == kept, "leftovers": leftovers, "run_id": failed.run_id},
                    t0)


DISK_FAULTS = {"disk_full_build": disk_full_build, "disk_full_publish": disk_full_publish,
               "disk_full_exports": disk_full_exports}
