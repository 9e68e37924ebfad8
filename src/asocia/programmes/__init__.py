"""Programmes: the catalogue of public support instruments, eligibility rules as data,
recommendations along the user's journey, the overlap/gap matrix, yearly series, uptake,
coverage and the public feasibility self-assessment."""
