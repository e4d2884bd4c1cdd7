"""What subscriptions do when the outbox reports on a message to one of theirs: bounce an
address the relay refuses for good, count a webhook's or chat hook's failures, turn a gone
one off."""

from statuspage.outbox.channels.base import PermanentError
from statuspage.outbox.models import ChannelName, Message
from statuspage.outbox.signals import message_failed, message_sent
from statuspage.subscriptions import services

HOOKS = (ChannelName.WEBHOOK, ChannelName.CHAT)


def _failed(sender, message: Message, error: Exception, **kwargs) -> None:
    refused = isinstance(error, PermanentError) and error.recipient_refused
    if message.channel == ChannelName.EMAIL and message.subscriber and refused:
        services.subscriber_bounce(subscriber=message.subscriber)
    elif message.channel in HOOKS and refused:
        services.webhook_disable(hook=message.webhook, reason=str(error))
    elif message.channel in HOOKS and not isinstance(error, PermanentError):
        services.webhook_record_delivery(hook=message.webhook, ok=False, error=str(error))


def _sent(sender, message: Message, **kwargs) -> None:
    if message.channel in HOOKS and message.webhook.failures:
        services.webhook_record_delivery(hook=message.webhook, ok=True)


def connect_signals() -> None:
    message_failed.connect(_failed, sender=Message, dispatch_uid="subscriptions-failed")
    message_sent.connect(_sent, sender=Message, dispatch_uid="subscriptions-sent")
