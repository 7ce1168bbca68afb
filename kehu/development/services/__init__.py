"""Writes of the development app: prospects, plans, progress reports and the shared pool."""

from kehu.development.services.plans import (
    LineInput,
    development_plan_save,
    development_plan_submit,
    on_plan_approval_event,
    plan_regulation_lines,
    progress_report_submit,
)
from kehu.development.services.pool import pool_claim, pool_release, pool_sweep
from kehu.development.services.prospects import (
    key_account_team_form,
    prospect_convert,
    prospect_create,
    prospect_drop,
    prospect_survey_submit,
    prospect_update,
)

__all__ = [
    "LineInput",
    "development_plan_save",
    "development_plan_submit",
    "key_account_team_form",
    "on_plan_approval_event",
    "plan_regulation_lines",
    "pool_claim",
    "pool_release",
    "pool_sweep",
    "progress_report_submit",
    "prospect_convert",
    "prospect_create",
    "prospect_drop",
    "prospect_survey_submit",
    "prospect_update",
]
