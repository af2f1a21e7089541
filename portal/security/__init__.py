"""Every secret of the portal is created, derived, wrapped and checked here (DESIGN.md §5)."""
