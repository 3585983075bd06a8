"""HTML sanitising for display in the agent desk and the customer portal (nh3 / ammonia).

One sanitizer for every way HTML enters sladesk: mail (`sladesk.intake.email`), the API,
the portal and the desk (`sladesk.tickets.services` store every message's HTML through
it), so a remote image stripped from a mail is stripped from an API reply too.

What :func:`sanitize_html` guarantees about its output:

* only nh3's default allow-list of tags and attributes survives (no ``<script>``, ``<style>``,
  ``<iframe>``, ``<form>``, event handlers or ``style`` attributes — so no CSS
  ``url(...)`` fetches either); ``<script>`` and ``<style>`` lose their content too;
* links keep only ``http``, ``https``, ``mailto`` and ``tel`` targets and get
  ``rel="noopener noreferrer nofollow"``;
* remote images are blocked: an ``<img>`` keeps its ``src`` only when it is a ``cid:`` reference
  to an inline part of the same message. Any other ``src`` (``http(s)://``, protocol-relative
  ``//host``, relative paths, ``data:``) is removed, so opening a ticket never tells a sender
  (or a tracker) that it was read. The desk rewrites ``cid:`` to its own attachment URL.
"""

from __future__ import annotations

import nh3

__all__ = ["sanitize_html"]

_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.strip().lower().startswith("cid:") else None
    if tag == "a" and attribute == "href" and value.strip().lower().startswith("cid:"):
        return None
    return value


def sanitize_html(markup: str) -> str:
    """Return ``markup`` made safe to embed in a page (see the module docstring)."""
    try:
        return nh3.clean(
            markup,
            url_schemes=_URL_SCHEMES,
            attribute_filter=_keep_attribute,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
    except Exception:  # nh3 only fails on invalid options; never let display break intake
        return ""
