"""E-mail notices to moderators: *that* there is something to look at, never *what*.

Nothing here runs inside a reporter's request. The reporter's own rows already say that
something is new; a command run by a timer compares them with what the last notice announced
(``news``), writes one generic mail per moderator (``message``) and sends it (``smtp``).
``service`` holds the rules; ``portal/cli/notify.py`` the ``flask notify`` commands, each run one
transaction (``portal.db.transaction``).
"""
