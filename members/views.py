"""Pages of the member lifecycle outside the model admins: the worklists of a user's
scope, and the transfer letter as a PDF."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import selectors
from members.models import Transfer
from members.privacy import REVEAL_PERMISSION, id_number_reveal, masked
from orgs.pdf import pdf_response, render_pdf
from orgs.scoped_admin import request_scope

LETTER_REVEAL_REASON = "打印组织关系介绍信"


def worklist_rows(request, today, worklists=selectors.WORKLISTS, counts=None):
    """The `worklists` the user may open, with their counts (counted here unless given),
    in the given order, each linking to the admin list that shows its rows."""
    visible = [w for w in worklists if request.user.has_perm(_view_permission(w.model))]
    if counts is None:
        counts = selectors.worklist_counts(request_scope(request), today, visible)
    return [
        {"worklist": worklist, "count": counts[worklist.key], "url": worklist_url(worklist)}
        for worklist in visible
    ]


def _view_permission(model):
    return f"{model._meta.app_label}.view_{model._meta.model_name}"


def worklist_url(worklist):
    opts = worklist.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{worklist.query_string}"


def worklists(request, admin_site):
    """工作提醒: every due and overdue item of the member lifecycle in the user's scope."""
    today = timezone.localdate()
    context = {
        **admin_site.each_context(request),
        "title": _("党员管理工作提醒"),
        "today": today,
        "rows": worklist_rows(request, today),
    }
    return TemplateResponse(request, "members/worklists.html", context)


@login_required
@permission_required("members.view_transfer", raise_exception=True)
def transfer_letter(request, pk):
    """党员组织关系介绍信 of one transfer, as a PDF, for users whose scope holds the transfer
    (else 404). The full ID number is printed for users who keep the member and may
    reveal it, and the print is recorded like a reveal; others get it masked."""
    scope = request_scope(request)
    transfers = Transfer.objects.for_scope(scope).select_related(
        "member__workplace", "from_party_org", "to_party_org"
    )
    transfer = get_object_or_404(transfers, pk=pk)
    member = transfer.member
    # The receiving side sees the letter before it sees the member: the full number goes
    # only to those who keep the member and may reveal it.
    if selectors.keeps_member(scope, member.pk) and request.user.has_perm(REVEAL_PERMISSION):
        number = id_number_reveal(user=request.user, member=member, reason=LETTER_REVEAL_REASON)
    else:
        number = masked(member.id_number)
    context = {
        "transfer": transfer,
        "member": member,
        "id_number": number,
        "today": timezone.localdate(),
    }
    pdf = render_pdf("pdf/transfer_letter.html", context)
    filename = _("组织关系介绍信-{name}-{number}.pdf").format(
        name=member.name, number=transfer.letter_number
    )
    return pdf_response(pdf, filename)
