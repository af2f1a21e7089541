"""Moderator accounts, used by the set-up wizard, the CLI and the moderation pages.

``service`` holds the rules (creation, log-in, lock-out, password change, reset, key grants); the
secrets those rules handle are wrapped and unwrapped in ``portal.security.user_keys``.
"""
