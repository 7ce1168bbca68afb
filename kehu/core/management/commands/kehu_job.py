from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from kehu.core.jobs import REGISTRY, JobError, UnknownJob, job_get, job_retry, jobruns_mark_interrupted
from kehu.core.models import JobRun, JobRunStatus, JobTrigger


class Command(BaseCommand):
    help = "运行或列出后台任务。Run a background job now (`run <name> [--key K] [--arg k=v]`) or list jobs (`list`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run a job now, in this process, and record the run")
        run.add_argument("name")
        run.add_argument("--key", default="", help="idempotency key: a key that already ran is skipped")
        run.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE", help="keyword argument")
        sub.add_parser("list", help="registered jobs and their last run")
        sub.add_parser("recover", help="mark runs whose worker process died as interrupted")
        retry = sub.add_parser("retry", help="run an interrupted or failed run again (same key and arguments)")
        retry.add_argument("run_id", type=int)
        retry.add_argument("--now", action="store_true", help="run in this process instead of queueing")

    def handle(self, *args, action: str, **options):
        autodiscover_modules("tasks")
        if action == "list":
            for name in sorted(REGISTRY):
                job = REGISTRY[name]
                last = JobRun.objects.filter(name=name).order_by("-started_at").first()
                when = f"{last.started_at:%Y-%m-%d %H:%M} {last.get_status_display()}" if last else "—"
                kind = "定时" if job.periodic else "后台"
                self.stdout.write(f"{name:<40} {kind}  {when}  {job.label}")
            return
        if action == "recover":
            self.stdout.write(f"已标记为中断 / marked interrupted: {jobruns_mark_interrupted()}")
            return
        if action == "retry":
            previous = JobRun.objects.filter(pk=options["run_id"]).first()
            if previous is None:
                raise CommandError(f"没有编号为 {options['run_id']} 的任务运行记录 / no such run")
            try:
                result = job_retry(previous, now=options["now"])
            except (JobError, UnknownJob) as exc:
                raise CommandError(str(exc)) from None
            outcome = f"#{result.pk} {result.get_status_display()}" if options["now"] else "已排队 / queued"
            self.stdout.write(f"{previous.name} [{previous.idempotency_key or '-'}] {outcome}")
            return
        try:
            job = job_get(options["name"])
        except UnknownJob:
            raise CommandError(f"没有名为 {options['name']} 的任务 / unknown job; see `kehu_job list`") from None
        kwargs = {}
        for item in options["arg"]:
            if "=" not in item:
                raise CommandError(f"参数格式应为 名称=值 / expected NAME=VALUE, got {item!r}")
            k, v = item.split("=", 1)
            kwargs[k] = v
        run = job.run(key=options["key"], trigger=JobTrigger.CLI, **kwargs)
        line = f"{run.name} [{run.idempotency_key or '-'}] {run.get_status_display()} (#{run.pk})"
        if run.status == JobRunStatus.FAILED:
            raise CommandError(f"{line}\n{run.message}")
        self.stdout.write(line)
        if run.message:
            self.stdout.write(run.message)
        if run.result is not None:
            self.stdout.write(f"结果 / result: {run.result}")
