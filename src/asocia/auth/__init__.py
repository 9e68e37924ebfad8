"""Accounts, passwords and the authorization policy."""
