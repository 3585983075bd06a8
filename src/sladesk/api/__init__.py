"""The REST API of sladesk (Django REST framework + drf-spectacular), versioned under ``/api/v1/``.

Layout: `urls` (routes, schema and docs), `views` (thin: parse, check access, call one
service, serialize), `serializers` (input parsing and output shapes), `permissions` (roles
from `sladesk.accounts.roles`), `pagination` (keyset cursors), `errors` (the JSON error
envelope), `commands` (the one composed write a PATCH needs, built from
`sladesk.tickets.services`). See docs/api.md.
"""
