"""The REST API under /api/v1/ (DESIGN.md §5, docs/api.md).

Each domain app has an `api/` package (serializers, views); `psp.api.urls` wires them into one
router. This package holds what they share: pagination, throttling, the error shape,
conditional requests and the schema helpers.
"""
