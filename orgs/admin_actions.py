"""State changes as small admin pages: a button on the record's change page opens a form
(a date, a reason), and its POST calls the service that makes the change.

Each action names its form, the service call, when it is available, and who may run it.
The record is looked up through the admin's scoped queryset (404 outside the scope);
a service's ValidationError comes back onto the form beside the field it names.
"""

import inspect
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache


def add_errors(form, error):
    """Put a ValidationError's messages on `form`: on their field where the form has it,
    otherwise at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message.message % (message.params or {}))
    else:
        for message in error.messages:
            form.add_error(None, message)


@dataclass(frozen=True)
class ObjectAction:
    name: str
    label: str
    form_class: type
    run: object  # (model_admin, request, obj, cleaned_data) -> None; raises ValidationError
    available: object = None  # (obj) -> bool
    allowed: object = None  # (model_admin, request, obj) -> bool, beyond change permission
    done_message: str = ""
    # A permission of its own ("app.codename"), asked instead of the model's change
    # permission: an officer may override a record's derived field without editing it.
    permission: str = ""

    def is_available(self, obj):
        return self.available is None or self.available(obj)

    def permitted(self, model_admin, request, obj):
        if self.permission:
            return request.user.has_perm(self.permission)
        return model_admin.has_change_permission(request, obj)


class ObjectActionsMixin:
    object_actions: tuple = ()
    change_form_template = "admin/object_actions_change_form.html"

    def _action_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_action"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/do/<slug:action>/",
                self.admin_site.admin_view(never_cache(self.object_action_view)),
                name=self._action_url_name(),
            ),
        ] + super().get_urls()

    def actions_for(self, request, obj):
        """The actions `request.user` may run on `obj` now."""
        if obj is None:
            return []
        return [
            action
            for action in self.object_actions
            if action.permitted(self, request, obj)
            and action.is_available(obj)
            and (action.allowed is None or action.allowed(self, request, obj))
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["object_actions"] = [
            (action.label, reverse(f"admin:{self._action_url_name()}", args=[obj.pk, action.name]))
            for action in self.actions_for(request, obj)
        ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def object_action_view(self, request, object_id, action):
        try:
            obj = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        except (ValueError, ValidationError):
            obj = None  # not an id at all: as unknown as any other
        chosen = next((a for a in self.object_actions if a.name == action), None)
        if obj is None or chosen is None:
            raise Http404
        if chosen not in self.actions_for(request, obj):
            if not chosen.permitted(self, request, obj):
                raise PermissionDenied
            if chosen.is_available(obj):
                raise PermissionDenied  # available, but not to this user
            messages.warning(request, _("该记录当前的状态下不能执行此操作"))
            return HttpResponseRedirect(self._change_url(obj))
        data = request.POST if request.method == "POST" else None  # a bare confirm is a POST
        form = chosen.form_class(data, **self.action_form_kwargs(request, chosen, obj))
        if request.method == "POST" and form.is_valid():
            try:
                chosen.run(self, request, obj, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, chosen.done_message or _("操作已完成"))
                return HttpResponseRedirect(self._change_url(obj))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": chosen.label,
            "form": form,
            "errors": form.errors.get(NON_FIELD_ERRORS),
            "change_url": self._change_url(obj),
        }
        return TemplateResponse(request, "admin/object_action.html", context)

    def action_form_kwargs(self, request, action, obj=None):
        """Forms that take the request (to scope their choices) or the record declare a
        `request` or an `obj` argument."""
        parameters = inspect.signature(action.form_class.__init__).parameters
        available = {"request": request, "obj": obj}
        return {name: value for name, value in available.items() if name in parameters}

    def _change_url(self, obj):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
