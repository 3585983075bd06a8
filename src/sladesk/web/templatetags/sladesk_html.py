"""``{{ m.body_html|inline_images:"desk:attachment" }}``: a stored message's HTML (already
sanitized by the ticket services) with its inline mail images pointed at this page's
attachment URL."""

from __future__ import annotations

import re

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

#: `sladesk.tickets.services.attachments.INLINE_REF` as written into ``src``.
_REF = re.compile(r'src="cid:sladesk-attachment-(\d+)"')


@register.filter
def inline_images(html: str, url_name: str) -> SafeString:
    """``html`` with each ``cid:sladesk-attachment-<id>`` image source replaced by
    ``reverse(url_name, <id>)`` (the attachment view checks who may see it); other ``cid:``
    sources are left as they are (they show nothing). ``html`` must be sanitized HTML."""
    return mark_safe(
        _REF.sub(lambda m: f'src="{reverse(url_name, args=[int(m.group(1))])}"', html or "")
    )
