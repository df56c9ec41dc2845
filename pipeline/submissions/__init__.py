"""Municipal submissions: read, validate, store or quarantine files from KOMMUNE_SDG_HOME/inbox/<code>/."""

from pipeline.submissions.process import process_inbox, submit
from pipeline.submissions.store import Outcome, current_values, history, read_log
from pipeline.submissions.templates import write_templates

__all__ = ["Outcome", "current_values", "history", "process_inbox", "read_log", "submit", "write_templates"]
