"""The background export (ledger.jobs.start enqueues it; `manage.py db_worker` runs it).

The report is built for the requester's scope as it is when the job runs, not when it
was asked for: a user moved to another unit in between gets the new unit's data or none.
The file is written beside the finished ones under a temporary name and renamed when
complete, so a failed or interrupted export leaves no file to download.
"""

import logging
import os
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ledger import catalog, jobs
from ledger.exporters import export
from ledger.models import ExportJob
from members.privacy import REVEAL_PERMISSION

logger = logging.getLogger(__name__)

# Seconds between two progress writes: the job's page reads them every two seconds.
PROGRESS_INTERVAL = 1.0


class ProgressSaver:
    """The `progress(done, total)` of an export: saves done/total to the job (one UPDATE
    of those two columns) on the first call and then at most every `interval` seconds."""

    def __init__(self, job_id, interval=PROGRESS_INTERVAL, clock=time.monotonic):
        self.job_id, self.interval, self.clock = job_id, interval, clock
        self.last = None
        self.done = self.total = 0

    def __call__(self, done, total):
        self.done, self.total = done, total
        now = self.clock()
        if self.last is not None and now - self.last < self.interval:
            return
        self.last = now
        ExportJob.objects.filter(pk=self.job_id).update(done=done, total=total)


class ExportRefused(Exception):
    """The export may not be made; the message is for the user."""


@task
def run_export(job_id):
    """Make the file of ExportJob `job_id`; returns the job's final status."""
    try:
        jobs.purge()
    except Exception:  # tidying up must not keep the export from running
        logger.exception("Purging expired exports failed")
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=now
    )
    if not claimed:  # already run (a second delivery), failed as stale, or deleted
        logger.info("Export job %s is not queued; nothing to do", job_id)
        return None
    job = ExportJob.objects.select_related("requester").filter(pk=job_id).first()
    if job is None:  # deleted with its requester meanwhile
        return None
    progress = ProgressSaver(job.pk)
    temporary = None
    try:
        exporter = _exporter(job)
        name = f"{uuid.uuid4().hex}.{job.fmt}"
        temporary = jobs.temporary_path(name)
        with open(temporary, "xb", opener=_private) as out:
            export(exporter, job.fmt, out, progress)
        final = os.path.join(jobs.export_dir(), name)
        os.replace(temporary, final)
        temporary = final  # removed below if the job is gone
        finished = timezone.now()
        saved = ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE,
            file=name,
            filename=exporter.filename(job.fmt),
            title=str(exporter.title)[:200] or job.title,
            target_label=str(exporter.scope_label)[:200] or job.target_label,
            size=os.path.getsize(final),
            done=progress.done,
            total=progress.total,
            finished_at=finished,
            expires_at=finished + timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )
        if saved:
            temporary = None
        return ExportJob.Status.DONE.value
    except ExportRefused as refusal:
        _fail(job, str(refusal))
        return ExportJob.Status.FAILED.value
    except Exception as error:
        logger.exception("Export job %s failed", job.pk)
        _fail(
            job,
            _("生成报表时出错（%(error)s），请稍后重新导出；仍不成功请联系系统管理员。")
            % {"error": type(error).__name__},
        )
        raise  # the task's result records the traceback too
    except BaseException:  # the worker stopped in the middle (a second Ctrl+C)
        _fail(job, _("导出被中断，请重新导出"))
        raise
    finally:
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)


def _exporter(job):
    user = job.requester
    if not user.is_active:
        raise ExportRefused(_("申请人的账号已停用，不能导出"))
    if job.reveal_ids and not user.has_perm(REVEAL_PERMISSION):
        raise ExportRefused(_("无权导出完整身份证号"))
    exporter = catalog.exporter_for(
        user,
        job.report,
        job.target_key,
        job.year,
        today=timezone.localdate(job.created_at),
        reveal_ids=job.reveal_ids,
    )
    if exporter is None:
        raise ExportRefused(_("无权导出该范围的报表"))
    if job.fmt not in exporter.formats:
        raise ExportRefused(
            _("%(report)s不能导出为%(format)s")
            % {"report": job.get_report_display(), "format": job.get_fmt_display()}
        )
    return exporter


def _private(path, flags):
    """open()'s opener for a file readable by the owner only (0600, whatever the umask)."""
    descriptor = os.open(path, flags, 0o600)
    os.fchmod(descriptor, 0o600)
    return descriptor


def _fail(job, message):
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.FAILED, error=message, finished_at=timezone.now()
    )
