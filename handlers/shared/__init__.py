"""What every capability's handlers share: the typed context, the capability registry, the
router, menus and replies."""
