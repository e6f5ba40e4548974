"""Background exports (issue 8 §6): a report asked for on the reports page that is too big
to write during the request becomes an `ExportJob`, run by the task worker (ledger.tasks)
and downloaded by its requester from the job's page (ledger.jobs).

The rows stay after their files expire: they say who exported what, and when.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible(path="ledger.models.ExportStorage")
class ExportStorage(FileSystemStorage):
    """The finished exports, in settings.EXPORT_DIR (read when used, so tests can move
    it): files 0600, directories 0700, and no URL (they hold personal data and go out
    only through ledger.jobs.job_download)."""

    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):
        return settings.EXPORT_DIR

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # url() raises: never served at MEDIA_URL


export_storage = ExportStorage()


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Report(models.TextChoices):
        LEDGER = "ledger", _("年度台账")
        SUMMARY = "summary", _("合规情况汇总")
        DOSSIER = "dossier", _("一社一档")
        BUDGET = "budget", _("经费预算表")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"
        PDF = "pdf", "PDF"
        JSON = "json", "JSON"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    report = models.CharField(_("报表"), max_length=16, choices=Report)
    fmt = models.CharField(_("格式"), max_length=8, choices=Format)
    target_key = models.CharField(_("范围代码"), max_length=64)
    target_label = models.CharField(_("范围"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    reveal_ids = models.BooleanField(_("导出完整身份证号"), default=False)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status, default=Status.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    file = models.FileField(_("文件"), storage=export_storage, max_length=100, blank=True)
    filename = models.CharField(_("下载文件名"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)
    task_id = models.CharField(_("后台任务编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("报表导出任务")
        verbose_name_plural = _("报表导出任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requester", "-created_at"], name="exportjob_requester")]

    def __str__(self):
        return f"{self.title or self.get_report_display()}（{self.target_label}，{self.year}）"

    @property
    def active(self):
        """Queued or running: its page refreshes itself."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def expired(self):
        """Done, but its file is gone or past its time."""
        return self.status == self.Status.DONE and (
            not self.file or (self.expires_at is not None and self.expires_at <= timezone.now())
        )

    @property
    def downloadable(self):
        return self.status == self.Status.DONE and not self.expired

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)
