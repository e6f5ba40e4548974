"""Admin faces of the import service: upload → preview (a dry run) → confirm.

The uploaded file waits in a private folder under MEDIA_ROOT between preview and
confirm, named by a random token kept in the user's session, so one user cannot confirm
another's upload. Confirming runs the same service again, for real.
"""

import os
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.importing.registry import get_template
from orgs.importing.service import import_file
from orgs.importing.workbook import template_workbook
from orgs.validators import human_size

SESSION_KEY = "pending_import"
PREVIEW_ROWS = 200
MAX_ERRORS_SHOWN = 500
UPLOAD_MAX_AGE_SECONDS = 24 * 3600


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("名册文件"),
        help_text=gettext_lazy("支持 .xlsx 和 .csv（UTF-8）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise forms.ValidationError(_("仅支持 .xlsx 和 .csv 文件"))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过{size}").format(size=human_size(settings.IMPORT_MAX_BYTES))
            )
        return upload


def _upload_dir():
    folder = Path(settings.MEDIA_ROOT) / "import-uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _forget_old_uploads(folder):
    cutoff = time.time() - UPLOAD_MAX_AGE_SECONDS
    for stale in folder.iterdir():
        if stale.is_file() and stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


class ImportAdminMixin:
    """Adds 导入 and 下载模板 to a ModelAdmin; set `import_template`."""

    import_template = ""
    change_list_template = "admin/orgs/change_list_import.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
        ] + super().get_urls()

    def has_import_permission(self, request):
        return request.user.has_perm(get_template(self.import_template).permission)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        template = get_template(self.import_template)
        response = HttpResponse(
            template_workbook(template),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f"attachment; filename*=UTF-8''{quote(template.title)}.xlsx"
        )
        return response

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        template = get_template(self.import_template)
        if request.method == "POST" and request.POST.get("action") == "confirm":
            return self._confirm(request, template)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            folder = _upload_dir()
            _forget_old_uploads(folder)
            token = secrets.token_urlsafe(24)
            stored = folder / (token + Path(upload.name).suffix.lower())
            # Owner-only, like uploaded documents: the register holds personal data.
            with os.fdopen(
                os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb"
            ) as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            with stored.open("rb") as handle:
                report = import_file(
                    template_name=template.name,
                    file=handle,
                    filename=upload.name,
                    user=request.user,
                    dry_run=True,
                )
            if report.ok:
                request.session[SESSION_KEY] = {
                    "token": token,
                    "template": template.name,
                    "suffix": stored.suffix,
                    "filename": upload.name,
                }
            else:
                stored.unlink(missing_ok=True)
        return self._render(request, template, form, report)

    def _confirm(self, request, template):
        pending = request.session.get(SESSION_KEY) or {}
        token = request.POST.get("token", "")
        if (
            not token
            or not secrets.compare_digest(token, pending.get("token", ""))
            or pending.get("template") != template.name
        ):
            messages.error(request, _("导入已过期或已确认过，请重新上传"))
            return redirect(self._import_url())
        stored = _upload_dir() / (token + pending["suffix"])
        if not stored.is_file():
            messages.error(request, _("导入已过期或已确认过，请重新上传"))
            return redirect(self._import_url())
        with stored.open("rb") as handle:
            report = import_file(
                template_name=template.name,
                file=handle,
                filename=pending["filename"],
                user=request.user,
                dry_run=False,
            )
        stored.unlink(missing_ok=True)
        del request.session[SESSION_KEY]
        if not report.ok:
            return self._render(request, template, ImportUploadForm(), report)
        messages.success(request, report.summary())
        return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def _import_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")

    def _render(self, request, template, form, report):
        pending = request.session.get(SESSION_KEY) or {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入{title}").format(title=template.title),
            "template": template,
            "form": form,
            "report": report,
            "errors": report.errors[:MAX_ERRORS_SHOWN] if report else [],
            "more_errors": max(0, len(report.errors) - MAX_ERRORS_SHOWN) if report else 0,
            "preview_rows": report.rows[:PREVIEW_ROWS] if report else [],
            "token": pending.get("token") if report and report.ok else None,
            "template_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_import_template"
            ),
        }
        return TemplateResponse(request, "admin/orgs/import.html", context)
