"""The administrator's pages: users and their keys, reply templates and the audit log."""
