from django.urls import path

from pantry import views

app_name = "pantry"

urlpatterns = [
    path("buy/", views.buy, name="buy"),
    path("buy/row/", views.buy_row, name="buy_row"),
    path("buy/choices/", views.buy_choices, name="buy_choices"),
    path("lots/", views.lots, name="lots"),
    path("lots/<int:pk>/adjust/", views.lot_adjust, name="lot_adjust"),
    path("ingredients/new/", views.ingredient_create, name="ingredient_new"),
    path("ingredients/<slug:slug>/", views.ingredient_detail, name="ingredient"),
    path(
        "ingredients/<slug:slug>/edit/", views.ingredient_edit, name="ingredient_edit"
    ),
    path("products/new/", views.product_create, name="product_new"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/buy-again/", views.buy_again, name="buy_again"),
    path("recipes/", views.recipes, name="recipes"),
    path("recipes/new/", views.recipe_create, name="recipe_new"),
    path("recipes/line/", views.recipe_line_row, name="recipe_line_row"),
    path("recipes/line/check/", views.recipe_line_check, name="recipe_line_check"),
    path("recipes/<slug:slug>/", views.recipe_detail, name="recipe"),
    path("recipes/<slug:slug>/edit/", views.recipe_edit, name="recipe_edit"),
    path("recipes/<slug:slug>/delete/", views.recipe_delete, name="recipe_delete"),
]
