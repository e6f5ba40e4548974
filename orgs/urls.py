from django.urls import path

from orgs import views

app_name = "orgs"
urlpatterns = [
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
