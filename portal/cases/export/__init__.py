"""A case exported for a hand-over (issue 15, part 3): a PDF with passages masked, and a zip of it
with the case's files. Made in memory and never stored; the moderators' side (portal/moderation/
cases/exporting.py) decrypts, audits and serves them."""
