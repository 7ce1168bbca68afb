"""Background jobs (huey): imports run outside the request; under tests huey runs them immediately."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_import_job(job_id: int) -> None:
    from kehu.sales.services import import_job_run

    import_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*/5"))
def mark_interrupted_imports() -> None:
    """A job whose worker died (no heartbeat) is shown as interrupted and can be retried."""
    from kehu.sales.services import import_jobs_mark_interrupted

    import_jobs_mark_interrupted()
