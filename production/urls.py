from django.urls import path

from production import views

app_name = "production"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("today/", views.today, name="today"),
    path("events/", views.event_list, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/shopping-list/", views.shopping_sheet, name="shopping_sheet"),
    path("events/<int:pk>/packing-list/", views.packing_sheet, name="packing_sheet"),
    path(
        "events/<int:pk>/record/<int:recipe_pk>/",
        views.record_batches,
        name="record",
    ),
    path(
        "assignments/<int:pk>/status/",
        views.change_status,
        name="assignment_status",
    ),
    path("history/", views.history, name="history"),
    path("history/<int:pk>/reverse/", views.reverse_record, name="reverse"),
    path("pantry/", views.pantry, name="pantry"),
    path("ingredients/<int:pk>/lots/", views.ingredient_lots, name="ingredient_lots"),
    path("lots/<int:pk>/", views.lot_detail, name="lot"),
    path("lots/<int:pk>/recall/", views.recall, name="recall"),
    path("packages/<int:pk>/trace/", views.package_trace, name="package_trace"),
]
