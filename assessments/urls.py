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
        "party-orgs/<int:pk>/points/",
        admin.site.admin_view(lambda request, pk: views.points(request, admin.site, pk)),
        name="points",
    ),
    path(
        "units/",
        admin.site.admin_view(lambda request: views.units(request, admin.site)),
        name="units",
    ),
    path(
        "units/<int:pk>/facts/",
        admin.site.admin_view(lambda request, pk: views.unit_facts(request, admin.site, pk)),
        name="unit_facts",
    ),
    path(
        "gaps/",
        admin.site.admin_view(lambda request: views.gaps(request, admin.site)),
        name="gaps",
    ),
]
