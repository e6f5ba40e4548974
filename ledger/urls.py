from django.contrib import admin
from django.urls import path

from ledger import views

app_name = "ledger"
urlpatterns = [
    path(
        "dashboard/",
        admin.site.admin_view(lambda request: views.dashboard(request, admin.site)),
        name="dashboard",
    ),
]
