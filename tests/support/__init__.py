"""What the sladesk tests share: factories, a frozen clock, loopback receivers, the email
corpus, worker processes and the query-count baselines.

`tests/` is on the import path through pytest's ``pythonpath`` option (pyproject.toml), so
a test says ``from support.mail import build_mail``. Plain helpers live in the modules of
this package; fixtures live in `support.fixtures` and are registered once, for every test,
by ``tests/conftest.py``. Nothing here imports Django at module level: the framework-free
tests (``tests/pure``) load the same package with the Django plugin disabled.
"""
