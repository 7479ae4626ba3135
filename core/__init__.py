"""Shared core of community-needs: settings, database, domain model and the one intake service."""
