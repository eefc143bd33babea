"""Release notices: composed per language, sent once per subscriber, unsubscribes honoured.

compose.py (the words), mime.py (the message), recipients.py (the list, checked whole),
journal.py (who got what; the lock; the suppression list), smtp.py (one connection, errors
named), send.py (the run), unsubscribe.py (the one-click endpoint).
"""

from site_builder.notify.compose import build_notices, preview_html
from site_builder.notify.send import send_notice, write_notice

__all__ = ["build_notices", "preview_html", "send_notice", "write_notice"]
