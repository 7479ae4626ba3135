"""Text understanding: classify requests (category, kind, urgency) and group them into clusters."""
