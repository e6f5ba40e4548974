from django.contrib import admin
from django.urls import path

from ledger import jobs, report_views, views

app_name = "ledger"


def _admin(view):
    """A view of the admin site: login, staff and the site's context."""
    return admin.site.admin_view(lambda request, **kwargs: view(request, admin.site, **kwargs))


urlpatterns = [
    path("dashboard/", _admin(views.dashboard), name="dashboard"),
    path("reports/", _admin(report_views.reports), name="reports"),
    path("orgs/<int:pk>/dossier/", _admin(report_views.dossier), name="dossier"),
    path("exports/", _admin(jobs.job_list), name="export_jobs"),
    path("exports/<int:pk>/", _admin(jobs.job_detail), name="export_job"),
    path("exports/<int:pk>/download/", _admin(jobs.job_download), name="export_download"),
]
