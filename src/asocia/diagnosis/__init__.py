"""Cooperative diagnosis: instruments as data, one scoring engine, XLSForm out, ODK/Kobo in."""
