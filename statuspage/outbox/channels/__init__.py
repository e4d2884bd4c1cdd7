"""The outbox's channels: one adapter module each, and this registry of them.

Adding a channel is an adapter module (a ``Channel`` named ``CHANNEL``, see ``base``) and a
line below. Adapters may import ``common`` and the models of what they send to; never the
outbox's services or any view.
"""

from statuspage.outbox.channels import bluesky, chat, mail, mastodon, webhook, x
from statuspage.outbox.channels.base import Channel
from statuspage.outbox.models import POST_CHANNELS

CHANNELS: dict[str, Channel] = {
    adapter.CHANNEL.name: adapter.CHANNEL
    for adapter in (
        x,
        mastodon,
        bluesky,
        mail,
        webhook,
        chat,
    )
}


def channel_of(message) -> Channel:
    return CHANNELS[message.channel]


def networks_on() -> list[Channel]:
    """The networks progress is posted on (set up in the settings), X first."""
    return [CHANNELS[name] for name in POST_CHANNELS if not CHANNELS[name].missing_settings()]
