from django.contrib import admin
from django.urls import path

from assessments import views

app_name = "assessments"
urlpatterns = [
    path(
        "party-orgs/<int:pk>/compliance/",
        admin.site.admin_view(lambda request, pk: views.compliance(request, admin.site, pk)),
        name="compliance",
    ),
    path(
        "gaps/",
        admin.site.admin_view(lambda request: views.gaps(request, admin.site)),
        name="gaps",
    ),
]
