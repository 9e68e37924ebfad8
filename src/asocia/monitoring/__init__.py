"""Strategy monitoring: strategy 2030, plans and actions, council sessions and agreements,
indicators (DHIS2-style values, achievement and status) and the session briefing."""
