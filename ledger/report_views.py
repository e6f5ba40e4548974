"""The reports page (报表下载): pick a report, its target, year and format; small exports
download at once, large ones run in the background (ledger.jobs) and the page of the
job shows progress and offers the file.

A dossier (一社一档) is asked for from its org: `dossier` downloads it directly, or
starts (or joins) a job for an org with more members and activities than a page lays
out in a moment.
"""

import io

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from ledger import catalog, targets
from ledger.exporters import FORMATS, export
from members.privacy import REVEAL_PERMISSION
from orgs.models import SocialOrg


def years_of(report, today):
    """The years a report can be made for, newest first: a budget also for next year
    (the one being planned); a compliance summary only for this year (past years need
    the year-end snapshots)."""
    if report == "summary":
        return [today.year]
    last = today.year + 1 if report == "budget" else today.year
    return list(range(last, today.year - 6, -1))


class ReportForm(forms.Form):
    report = forms.ChoiceField(label=_("报表"))
    target = forms.ChoiceField(label=_("范围"))
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    fmt = forms.ChoiceField(label=_("格式"))
    reveal_ids = forms.BooleanField(
        label=_("导出完整身份证号"),
        required=False,
        help_text=_("仅年度台账；每次导出都会记录在案。不勾选时身份证号按规定遮盖。"),
    )

    def __init__(self, *args, user, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.today = user, today
        reports = [r for r in catalog.reports_for(user) if r.key != "dossier"]
        self.fields["report"].choices = [(r.key, r.label) for r in reports]
        self.targets = targets.choices_for(user)
        self.fields["target"].choices = [(t.key, t.label) for t in self.targets]
        years = sorted({y for r in reports for y in years_of(r.key, today)}, reverse=True)
        self.fields["year"].choices = [(y, _("%d年") % y) for y in years]
        self.fields["year"].initial = today.year
        formats = []
        for report in reports:
            formats += [f for f in report.formats if f not in formats]
        self.fields["fmt"].choices = [(f, FORMATS[f][1]) for f in formats]
        if not user.has_perm(REVEAL_PERMISSION):
            del self.fields["reveal_ids"]

    def clean(self):
        data = super().clean()
        report, key, year, fmt = (data.get(k) for k in ("report", "target", "year", "fmt"))
        if None in (report, key, year, fmt):
            return data
        spec = catalog.REPORTS[report]
        if fmt not in spec.formats:
            formats = "、".join(str(FORMATS[f][1]) for f in spec.formats)
            self.add_error("fmt", _("%(report)s只能导出为：%(formats)s") % {
                "report": spec.label, "formats": formats,
            })  # fmt: skip
        if year not in years_of(report, self.today):
            self.add_error("year", _("%(report)s不能按%(year)d年生成") % {
                "report": spec.label, "year": year,
            })  # fmt: skip
        target = catalog.target_for(self.user, report, key)
        if target is None:
            self.add_error("target", _("%(report)s不能按该范围生成") % {"report": spec.label})
        data["target_obj"] = target
        if data.get("reveal_ids") and report != "ledger":
            self.add_error("reveal_ids", _("只有年度台账可以导出完整身份证号"))
        return data


def download_response(exporter, fmt):
    """The export written in this request, as a download."""
    buffer = io.BytesIO()
    export(exporter, fmt, buffer)
    content = buffer.getvalue()
    response = HttpResponse(content, content_type=FORMATS[fmt][0])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exporter.filename(fmt)
    )
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def reports(request, admin_site):
    today = timezone.localdate()
    if not catalog.reports_for(request.user):
        raise Http404
    form = ReportForm(request.POST or None, user=request.user, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report, fmt, year = data["report"], data["fmt"], data["year"]
        reveal = bool(data.get("reveal_ids"))
        exporter = catalog.exporter_for(
            request.user, report, data["target"], year, today=today, reveal_ids=reveal
        )
        if exporter is None:  # the scope changed between the form and now
            raise Http404
        if exporter.runs_in_background(fmt):
            from ledger import jobs

            job = jobs.start(request.user, report, fmt, data["target"], year, reveal_ids=reveal)
            return redirect("ledger:export_job", pk=job.pk)
        return download_response(exporter, fmt)
    context = {
        **admin_site.each_context(request),
        "title": _("报表下载"),
        "form": form,
        "reports": catalog.reports_for(request.user),
    }
    return TemplateResponse(request, "ledger/reports.html", context)


def dossier(request, admin_site, pk):
    """一社一档 of one org of the user's scope, as PDF (or JSON with ?format=json)."""
    today = timezone.localdate()
    org = get_object_or_404(SocialOrg, pk=pk)
    fmt = request.GET.get("format", "pdf")
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        raise Http404 from None
    if fmt not in catalog.REPORTS["dossier"].formats or year not in years_of("dossier", today):
        raise Http404
    key = f"org:{org.pk}"
    exporter = catalog.exporter_for(request.user, "dossier", key, year, today=today)
    if exporter is None:
        raise Http404
    if exporter.runs_in_background(fmt):  # hundreds of members and activities
        from ledger import jobs

        job = jobs.start_or_join(request.user, "dossier", fmt, key, year)
        return redirect("ledger:export_job", pk=job.pk)
    return download_response(exporter, fmt)
