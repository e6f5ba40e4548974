"""Background exports: start one, keep the files tidy, and the pages of a user's exports.

`start()` records an ExportJob and hands it to the task worker when the transaction
commits (ledger.tasks.run_export). The pages (wrapped by the admin site's admin_view:
active staff only) show a user their own jobs — a superuser everybody's — with progress,
and the file when done. A file goes only to its requester or a superuser; to anybody else
the job does not exist (404). Files are deleted EXPORT_KEEP_HOURS after they were made
(`purge()`, run by every export and by `manage.py purge_exports`); the rows stay as the
record of who exported what.
"""

import logging
import os
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger import catalog
from ledger.exporters import FORMATS
from ledger.models import ExportJob, export_storage

logger = logging.getLogger(__name__)

PER_PAGE = 50
# A job queued or running this long was lost (no worker, or the worker died in it).
STALE_AFTER = timedelta(hours=24)
# A finished file no job names (its job was deleted with its user) is removed after this;
# the worker renames a file a moment before saving its name.
ORPHAN_AFTER = timedelta(hours=1)
TEMPORARY_SUFFIX = ".part"


# --- starting a job -----------------------------------------------------------------------


def start_or_join(user, report, fmt, target_key, year) -> ExportJob:
    """`user`'s queued or running job of this very export, or a new one (`start`): a
    link followed again (a reload) joins the job it started instead of queuing another."""
    open_job = ExportJob.objects.filter(
        requester=user, report=report, fmt=fmt, target_key=target_key, year=year,
        reveal_ids=False, status__in=(ExportJob.Status.QUEUED, ExportJob.Status.RUNNING),
    ).first()  # fmt: skip
    return open_job or start(user, report, fmt, target_key, year)


def start(user, report, fmt, target_key, year, *, reveal_ids=False) -> ExportJob:
    """A new export of `report` as `fmt` for `user`, queued for the worker once the
    current transaction commits. A target that is not the user's gives a job that failed
    at once (the worker asks again when it runs, with the user's scope of that moment)."""
    if report not in catalog.REPORTS or fmt not in catalog.REPORTS[report].formats:
        raise ValueError(f"no export {report} as {fmt}")
    if reveal_ids and report != ExportJob.Report.LEDGER:
        raise ValueError("only the annual ledger reveals ID numbers")
    job = ExportJob(
        requester=user,
        report=report,
        fmt=fmt,
        target_key=target_key,
        year=year,
        reveal_ids=reveal_ids,
        title=str(catalog.REPORTS[report].label),
        target_label=target_key,
    )
    # For the title and the file's name only (the worker builds its own when it runs).
    exporter = catalog.exporter_for(user, report, target_key, year, today=timezone.localdate())
    if exporter is None:
        job.status = ExportJob.Status.FAILED
        job.error = _("无权导出该范围的报表")
        job.finished_at = timezone.now()
    else:
        job.title = str(exporter.title)[:200] or job.title
        job.target_label = str(exporter.scope_label)[:200] or target_key
        job.filename = exporter.filename(fmt)
    job.save()
    if job.status == ExportJob.Status.QUEUED:
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _enqueue(job_id):
    from ledger.tasks import run_export

    try:
        result = run_export.enqueue(job_id)
    except Exception:
        logger.exception("Export job %s could not be queued", job_id)
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
            status=ExportJob.Status.FAILED,
            error=_("无法加入后台任务队列，请稍后重新导出"),
            finished_at=timezone.now(),
        )
        return
    ExportJob.objects.filter(pk=job_id).update(task_id=str(result.id))


# --- files --------------------------------------------------------------------------------


def export_dir():
    """settings.EXPORT_DIR, created (0700) if missing."""
    path = os.path.abspath(settings.EXPORT_DIR)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def temporary_path(name):
    """Where the worker writes `name` until it is complete (a dot file, never listed)."""
    return os.path.join(export_dir(), f".{name}{TEMPORARY_SUFFIX}")


def purge(now=None):
    """Delete the files of expired jobs (their rows stay, without a file), fail the jobs
    lost in the queue or in a dead worker, and remove files no job names. Returns the
    counts {"expired", "stale", "stray"}."""
    now = now or timezone.now()
    expired = list(
        ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now)
        .exclude(file="")
        .values_list("pk", "file")
    )
    for _pk, name in expired:
        export_storage.delete(name)  # no error if it is already gone
    ExportJob.objects.filter(pk__in=[pk for pk, _name in expired]).update(file="")
    stale = ExportJob.objects.filter(
        status=ExportJob.Status.QUEUED, created_at__lt=now - STALE_AFTER
    ).update(
        status=ExportJob.Status.FAILED,
        error=_("后台任务长时间没有执行，请重新导出；仍不成功请联系系统管理员检查后台任务进程"),
        finished_at=now,
    )
    stale += ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER
    ).update(status=ExportJob.Status.FAILED, error=_("导出被中断，请重新导出"), finished_at=now)
    return {"expired": len(expired), "stale": stale, "stray": _remove_strays(now)}


def _remove_strays(now):
    directory = export_dir()
    named = set(ExportJob.objects.exclude(file="").values_list("file", flat=True))
    removed = 0
    with os.scandir(directory) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False) or entry.name in named:
                continue
            age = now.timestamp() - entry.stat(follow_symlinks=False).st_mtime
            temporary = entry.name.endswith(TEMPORARY_SUFFIX)
            limit = STALE_AFTER if temporary else ORPHAN_AFTER
            if age > limit.total_seconds():
                os.remove(entry.path)
                removed += 1
    return removed


# --- pages --------------------------------------------------------------------------------


def visible_jobs(user):
    """The jobs `user` may see and download: their own; a superuser's, all."""
    jobs = ExportJob.objects.select_related("requester")
    return jobs if user.is_superuser else jobs.filter(requester=user)


def _context(request, admin_site, title, **extra):
    return {
        **admin_site.each_context(request),
        "title": title,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
        **extra,
    }


def job_list(request, admin_site):
    """我的导出: the user's jobs, newest first (a superuser: everybody's)."""
    page = Paginator(visible_jobs(request.user), PER_PAGE).get_page(request.GET.get("p"))
    context = _context(
        request,
        admin_site,
        gettext_lazy("全部导出") if request.user.is_superuser else gettext_lazy("我的导出"),
        page=page,
        jobs=page.object_list,
        show_requester=request.user.is_superuser,
    )
    return TemplateResponse(request, "ledger/export_jobs.html", context)


def job_detail(request, admin_site, pk):
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    return _job_page(request, admin_site, job)


def _job_page(request, admin_site, job, *, gone=False, status=200):
    context = _context(request, admin_site, job.title, job=job, gone=gone or job.expired)
    return TemplateResponse(request, "ledger/export_job.html", context, status=status)


def job_download(request, admin_site, pk):
    """The finished file, to its requester or a superuser; 410 once it has expired."""
    job = get_object_or_404(visible_jobs(request.user), pk=pk, status=ExportJob.Status.DONE)
    if job.expired:
        return _job_page(request, admin_site, job, gone=True, status=410)
    try:
        handle = open(job.file.path, "rb")  # noqa: SIM115 (FileResponse closes it)
    except FileNotFoundError:
        return _job_page(request, admin_site, job, gone=True, status=410)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename or job.file.name,
        content_type=FORMATS[job.fmt][0],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
