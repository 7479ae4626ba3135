"""Open311 GeoReport v2: other systems file and follow requests through the standard civic API.

Every request filed here goes through the one intake service (intake.service.submit), so it is
classified, clustered and acknowledged like a request from any other channel. See docs/open311.md.
"""
