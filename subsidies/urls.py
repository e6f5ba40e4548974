from django.contrib import admin
from django.urls import path

from subsidies import views

app_name = "subsidies"
urlpatterns = [
    path(
        "budgets/<int:pk>/json/",
        admin.site.admin_view(lambda request, pk: views.budget_json(request, admin.site, pk)),
        name="budget_json",
    ),
    path(
        "underpaid/",
        admin.site.admin_view(lambda request: views.underpaid(request, admin.site)),
        name="underpaid",
    ),
    path(
        "dues/arrears/",
        admin.site.admin_view(lambda request: views.arrears(request, admin.site)),
        name="arrears",
    ),
    path(
        "dues/returns/",
        admin.site.admin_view(lambda request: views.dues_returns(request, admin.site)),
        name="dues_returns",
    ),
    path(
        "party-orgs/<int:pk>/dues/",
        admin.site.admin_view(lambda request, pk: views.collect_dues(request, admin.site, pk)),
        name="collect_dues",
    ),
]
