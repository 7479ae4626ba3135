"""Public web pages and the JSON API."""
