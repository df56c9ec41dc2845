"""Ingest layer: the municipal submission inbox (validate, then store or quarantine every pending file)."""

import dagster as dg
from dagster import AssetExecutionContext

from pipeline.asset_keys import SUBMISSION_INBOX
from pipeline.resources import DataHome, InboxIntake
from pipeline.submissions import process_inbox
from pipeline.submissions.store import Outcome

MAX_ERRORS_IN_METADATA = 200


def errors_markdown(outcomes: list[Outcome], limit: int = MAX_ERRORS_IN_METADATA) -> str:
    """Every rejected file and its errors as a Markdown table (Norwegian message, English message)."""
    rejected = [o for o in outcomes if not o.accepted]
    if not rejected:
        return "Ingen feil / No errors."
    lines = ["| Fil / File | Rad / Row | Kolonne / Column | Verdi / Value | Melding / Message | Regel / Rule |",
             "|---|---|---|---|---|---|"]
    shown = 0
    for o in rejected:
        for i in o.issues:
            if shown >= limit:
                break
            cells = [f"{o.municipality}/{o.file}", "" if i.row is None else str(i.row), i.column or "", i.value or "",
                     f"{i.message_nb} / {i.message_en}", f"`{i.rule}`"]
            lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
            shown += 1
    total = sum(len(o.issues) for o in rejected)
    if total > shown:
        lines.append(f"\n… {total - shown} more in the quarantine error reports")
    return "\n".join(lines)


@dg.asset(
    key=SUBMISSION_INBOX,
    group_name="ingest",
    owners=["team:data-engineering"],
    kinds={"python"},
    description="Validates every file in KOMMUNE_SDG_HOME/inbox/<municipality>/: accepted files go to "
                "submissions/accepted/*.parquet (versioned), rejected ones to quarantine/ with an error report; "
                "every original is archived by content hash. The DEMO submission has its own intake "
                "(KOMMUNE_SDG_HOME/demo/, origin demo), processed the same way into its own store.",
)
def submission_inbox(context: AssetExecutionContext, data_home: DataHome,
                     intake: InboxIntake) -> dg.MaterializeResult:
    home, policy = data_home.home, intake.policy()
    outcomes = process_inbox(home, policy, log=context.log.info)
    # queued by demo runs only; loaded by demo runs only
    demo = process_inbox(home.demo_intake, policy, log=context.log.info)
    outcomes += demo
    accepted = [o for o in outcomes if o.accepted]
    rejected = [o for o in outcomes if not o.accepted]
    for o in outcomes:
        (context.log.info if o.accepted else context.log.warning)(o.summary_line())
    files_md = "\n".join(f"- {o.summary_line()} (`{o.submission_id}`)" for o in outcomes)
    return dg.MaterializeResult(metadata={
        "files_accepted": dg.MetadataValue.int(len(accepted)),
        "files_rejected": dg.MetadataValue.int(len(rejected)),
        "rows_accepted": dg.MetadataValue.int(sum(o.rows for o in accepted)),
        "values_superseded": dg.MetadataValue.int(sum(o.superseded for o in accepted)),
        "errors": dg.MetadataValue.int(sum(len(o.issues) for o in rejected)),
        "files": dg.MetadataValue.md(files_md or "Innboksen var tom / The inbox was empty."),
        "error_list": dg.MetadataValue.md(errors_markdown(outcomes)),
        "submission_ids": dg.MetadataValue.json([o.submission_id for o in outcomes]),
        "demo_files": dg.MetadataValue.int(len(demo)),
    })
