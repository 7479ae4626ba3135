"""The one intake path every channel uses (intake.service), and the public web channels: the
need form (intake.form) and the JSON API (intake.api)."""
