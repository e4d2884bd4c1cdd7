"""What the outbox tells others about its messages, once the channel has answered.

``message_sent`` (``message``) and ``message_failed`` (``message``, ``error``: a channel's
``TemporaryError`` or ``PermanentError``), sender ``Message``. Whoever owns the recipient
listens: subscriptions bounce an address the relay refuses, count a webhook's failures.
"""

from django.dispatch import Signal

message_sent = Signal()
message_failed = Signal()
