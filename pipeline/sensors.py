"""The submission inbox sensor: a cursor-based watch on KOMMUNE_SDG_HOME/inbox/<municipality>/."""

import hashlib
import json

import dagster as dg

from assets.submissions import submission_inbox
from pipeline.resources import DataHome, InboxIntake
from pipeline.run_launcher import heartbeat_executor
from pipeline.submissions import inbox as inbox_fs
from pipeline.submissions import intake as intake_rules

process_submissions_job = dg.define_asset_job(
    "process_submissions",
    selection=dg.AssetSelection.assets(submission_inbox),
    description="Validate and store (or quarantine) the files waiting in the submission inbox.",
    executor_def=heartbeat_executor,
)


@dg.sensor(
    job=process_submissions_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Requests a `process_submissions` run for each new file in the submission inbox.",
)
def submission_sensor(context: dg.SensorEvaluationContext, data_home: DataHome,
                      intake: InboxIntake) -> dg.SensorResult:
    """Cursor: {relative path: "mtime_ns:size:sha256"} of the files seen in the inbox.

    Only new or changed files are hashed; processed files leave the inbox, so the cursor stays as small
    as the inbox. run_key = "<content sha256>@<mtime_ns>": one run per file version, and a file dropped
    again later (identical content, new mtime) still gets a run. Entries the inbox refuses (links, FIFOs,
    bad names) are never opened: their key hashes the name, and the run records the refusal. A file still
    inside its settle period (pipeline.submissions.intake) is left out of the cursor, so a later tick asks
    again once it has settled.
    """
    home = data_home.home
    root = home.inbox_dir
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, str] = {}
    requests: list[dg.RunRequest] = []
    admission = intake_rules.admit(home, inbox_fs.scan(root), intake.policy())
    waiting = [why for _, why in admission.waiting]
    for entry in admission.ready + [e for e, _, _ in admission.over_limit]:
        rel = entry.relative
        stamp = f"{entry.mtime_ns}:{entry.size}"
        previous = seen.get(rel)
        if previous and previous.rsplit(":", 1)[0] == stamp:
            current[rel] = previous
            continue
        if entry.refused is not None:
            digest = hashlib.sha256(f"refused:{rel}".encode("utf-8", "surrogateescape")).hexdigest()
        else:
            try:
                digest = hashlib.sha256(inbox_fs.read(entry)).hexdigest()
            except inbox_fs.EntryRefused:
                digest = hashlib.sha256(f"refused:{rel}".encode("utf-8", "surrogateescape")).hexdigest()
            except FileNotFoundError:  # processed between listing and reading
                continue
        current[rel] = f"{stamp}:{digest}"
        municipality = rel.split("/", 1)[0] if "/" in rel else ""
        requests.append(dg.RunRequest(
            run_key=f"{digest}@{entry.mtime_ns}",
            tags={"kommune_sdg/submission_file": entry.display[:200], "kommune_sdg/content_sha256": digest,
                  "kommune_sdg/municipality": municipality},
        ))
    cursor = json.dumps(current, sort_keys=True)
    if not requests:
        reason = f"no new files in {root}" + (f"; {len(waiting)} settling: {waiting[0]}" if waiting else "")
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=cursor)
    context.log.info(f"{len(requests)} new file(s) in {root}")
    return dg.SensorResult(run_requests=requests, cursor=cursor)
