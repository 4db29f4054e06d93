"""The audit log is read by team managers in the portal and checked by ``verify_audit``; it is
deliberately not in the admin site, which is for configuration only."""
