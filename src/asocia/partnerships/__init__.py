"""Partnerships: cooperation organisations and projects (IATI 2.03 subset), co-ops reached."""
