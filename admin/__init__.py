"""Staff side: community workers, admins and organization viewers."""
