def acting_user(user):
    """The user to record as the one who acted: None for anonymous or none."""
    return user if getattr(user, "is_authenticated", False) else None
