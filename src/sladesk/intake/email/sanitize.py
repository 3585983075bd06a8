"""The HTML sanitizer of the email layer: `sladesk.core.html.sanitize_html` (one sanitizer
for mail, API, portal and desk; see there for what it guarantees)."""

from sladesk.core.html import sanitize_html

__all__ = ["sanitize_html"]
