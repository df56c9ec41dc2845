"""dbt's partial-parse state is kept between builds of one project folder and dropped for any other folder
(dbt keeps the seeds' paths in it: a state from a moved or copied project breaks every seed)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.dbt_manifest import dbt_project, forget_foreign_partial_parse, keep_partial_parse
from tests.dbt_fixture import copy_dbt_project


def test_state_is_kept_for_its_folder_and_dropped_after_a_move(tmp_path: Path) -> None:
    project_dir = copy_dbt_project(tmp_path / "a")
    project = dbt_project(project_dir)
    run_target = tmp_path / "run_target"
    run_target.mkdir()
    (run_target / "partial_parse.msgpack").write_bytes(b"state of a build")
    keep_partial_parse(run_target, project)
    state = Path(project.manifest_path).parent / "partial_parse.msgpack"
    assert state.read_bytes() == b"state of a build"
    forget_foreign_partial_parse(project)
    assert state.exists()  # same folder: the next build parses only what changed
    moved = tmp_path / "b" / "dbt_project"
    shutil.copytree(project_dir, moved)
    moved_state = Path(dbt_project(moved).manifest_path).parent / "partial_parse.msgpack"
    assert moved_state.exists()
    forget_foreign_partial_parse(dbt_project(moved))
    assert not moved_state.exists()  # another folder: dbt parses the whole project instead
    state.with_name("partial_parse.msgpack.root").unlink()
    forget_foreign_partial_parse(project)
    assert not state.exists()  # a state of unknown origin (e.g. a hand-run `dbt parse`) is not trusted
