from django.contrib import admin
from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path(
        "worklists/",
        admin.site.admin_view(lambda request: views.worklists(request, admin.site)),
        name="worklists",
    ),
    path("transfers/<int:pk>/letter.pdf", views.transfer_letter, name="transfer_letter"),
]
