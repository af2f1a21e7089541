"""The case domain, shared by both audiences (DESIGN.md §5): the report's vault, its attachments,
the dialogue and the legal clocks.

``reporting`` (the reporter's side) and ``moderation`` (the moderators' side) both build on this
package and never on each other. Nothing here registers routes or runs at import.
"""
