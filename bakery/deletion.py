"""Deleting from the pages: asked first, and refused, saying what keeps the
row, while other rows refer to it (the models protect them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

# How the pages name the rows that keep another, where the model's own name
# is not the baker's; None: not named beside the rows that come with it (a
# planned cost is kept when the first batch is recorded).
NAMES = {
    "events.assignment": ("package given", "packages given"),
    "events.frozenplannedcost": None,
}


def deletion_refusal(obj: models.Model, *, instead: str) -> str:
    """Why `obj` cannot be deleted, or "" when it can; `instead` says what
    to do rather."""
    try:
        Collector(using=router.db_for_write(type(obj))).collect([obj])
    except (ProtectedError, RestrictedError) as error:
        return _kept_because(obj, kept_by(error), instead)
    return ""


@transaction.atomic
def delete_unless_kept(obj: models.Model, *, instead: str) -> None:
    """Deletes `obj`, or raises ValidationError saying what keeps it."""
    try:
        obj.delete()
    except (ProtectedError, RestrictedError) as error:
        raise ValidationError(
            _kept_because(obj, kept_by(error), instead), code="kept"
        ) from error


def confirm_delete(
    request: HttpRequest,
    obj: models.Model,
    *,
    instead: str,
    goes_with_it: str = "",
    back_url: str,
    done_url: str,
) -> HttpResponse:
    """The page that asks before deleting `obj` (GET) and deletes it (POST),
    or says why it stays (409 when refused on POST)."""
    name = str(obj)
    if request.method == "POST":
        try:
            delete_unless_kept(obj, instead=instead)
        except ValidationError as error:
            refusal = error.messages[0]
        else:
            messages.success(request, f"Deleted {name}.")
            return redirect(done_url)
    else:
        refusal = deletion_refusal(obj, instead=instead)
    return render(
        request,
        "confirm_delete.html",
        {
            "name": name,
            "refusal": refusal,
            "goes_with_it": goes_with_it,
            "back_url": back_url,
        },
        status=409 if refusal and request.method == "POST" else 200,
    )


def kept_by(error: ProtectedError | RestrictedError) -> Iterable[models.Model]:
    """The rows that keep the one a deletion was refused."""
    return getattr(error, "protected_objects", None) or getattr(
        error, "restricted_objects", ()
    )


def _kept_because(obj: models.Model, keeping: Iterable[models.Model], instead: str):
    """ "Ann cannot be deleted: 3 packages given refer to it. Rename…"."""
    names = [
        NAMES.get(
            row._meta.label_lower,
            (row._meta.verbose_name, row._meta.verbose_name_plural),
        )
        for row in keeping
    ]
    counts = Counter(name for name in names if name) or Counter(
        (row._meta.verbose_name, row._meta.verbose_name_plural) for row in keeping
    )
    what = ", ".join(
        f"{count} {plural if count != 1 else singular}"
        for (singular, plural), count in sorted(counts.items())
    )
    verb = "refers" if sum(counts.values()) == 1 else "refer"
    return f"{obj} cannot be deleted: {what} {verb} to it. {instead}"
