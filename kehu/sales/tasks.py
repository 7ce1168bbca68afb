"""Background jobs (huey): imports run outside the request; under tests huey runs them immediately."""

from huey.contrib.djhuey import db_task


@db_task()
def run_import_job(job_id: int) -> None:
    from kehu.sales.services import import_job_run

    import_job_run(job_id=job_id)
