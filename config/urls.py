from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# Media files (archive documents) are never served as static files: they hold personal
# data and go through orgs' scoped download view.
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("orgs/", include("orgs.urls")),
    path("members/", include("members.urls")),
    path("assessments/", include("assessments.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("ledger/", include("ledger.urls")),
    path("admin/", admin.site.urls),
]
