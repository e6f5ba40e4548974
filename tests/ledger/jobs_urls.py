"""A urlconf for tests/ledger/test_jobs.py: the admin site and the export pages under the
names ledger/urls.py gives them, so the job tests do not depend on the rest of ledger's
pages."""

from django.contrib import admin
from django.urls import include, path

from ledger import jobs


def _admin(view):
    """As ledger/urls.py wraps its pages: login, staff and the site's context."""
    return admin.site.admin_view(lambda request, **kwargs: view(request, admin.site, **kwargs))


ledger_patterns = [
    path("exports/", _admin(jobs.job_list), name="export_jobs"),
    path("exports/<int:pk>/", _admin(jobs.job_detail), name="export_job"),
    path("exports/<int:pk>/download/", _admin(jobs.job_download), name="export_download"),
]

urlpatterns = [
    path("ledger/", include((ledger_patterns, "ledger"))),
    path("admin/", admin.site.urls),
]
