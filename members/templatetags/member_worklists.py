from django import template
from django.utils import timezone

from members.views import worklist_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def member_worklists(context):
    """The worklist rows of the request's user (members.views.worklist_rows)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return worklist_rows(request, timezone.localdate())
