"""The fixtures every test may use, registered once (see tests/README.md for the layout).

They live in `support.fixtures` and import Django only inside the fixtures, so this file
also loads in the framework-free pass (``pytest -p no:django tests/pure``).
"""

pytest_plugins = [
    "support.fixtures.accounts",
    "support.fixtures.receivers",
    "support.fixtures.queries",
    "support.fixtures.api",
    "support.fixtures.email",
    "support.fixtures.timers",
    "support.fixtures.web",
    "support.status",
    "support.oncall",
]
