from django.urls import path
from django.views.generic import RedirectView

from events import views

app_name = "events"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="events:event_list"), name="plan"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event_delete"),
    path("events/<int:pk>/copy/", views.event_copy, name="event_copy"),
    path("events/<int:pk>/packages/", views.event_packages, name="event_packages"),
    path("events/<int:pk>/packages/add/", views.add_packages, name="add_packages"),
    path(
        "assignments/<int:pk>/quantity/",
        views.assignment_quantity,
        name="assignment_quantity",
    ),
    path(
        "assignments/<int:pk>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
    path("recipients/", views.recipient_list, name="recipient_list"),
    path("recipients/new/", views.recipient_create, name="recipient_create"),
    path("recipients/<int:pk>/edit/", views.recipient_edit, name="recipient_edit"),
    path(
        "recipients/<int:pk>/delete/", views.recipient_delete, name="recipient_delete"
    ),
    path("packages/", views.package_list, name="package_list"),
    path("packages/new/", views.package_create, name="package_create"),
    path("packages/<int:pk>/", views.package_detail, name="package"),
    path("packages/<int:pk>/edit/", views.package_edit, name="package_edit"),
    path("packages/<int:pk>/delete/", views.package_delete, name="package_delete"),
]
