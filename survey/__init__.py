"""Web surveys: needs surveys before a purchase round, satisfaction surveys after it."""
