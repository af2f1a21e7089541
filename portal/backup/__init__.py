"""Backups: a consistent, portable, passphrase-encrypted copy of the database (docs/backup.md)."""
