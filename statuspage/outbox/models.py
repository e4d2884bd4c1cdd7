"""The outbox: one row per outgoing message and channel, whatever the channel.

A post of an update on X, Mastodon or Bluesky, an e-mail to a subscriber, a webhook's
delivery: each is a ``Message``, written in the transaction that calls for it and sent by a
task after the commit (``statuspage.outbox.services``). Two proxies split the rows as staff
see them: ``CrossPost`` (progress posts, which Status editors run) and ``Notification``
(what subscribers and webhooks are sent, which holds their addresses).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from statuspage.models import StatusUpdate
from statuspage.subscriptions.models import Subscriber, Webhook


class ChannelName(models.TextChoices):
    """The outbox's channels, by the name each adapter registers (``channels/``)."""

    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")
    CHAT = "chat", _("Slack, Teams or Discord")


# Channels whose messages are public posts of an update, in one thread per event.
POST_CHANNELS = (ChannelName.X, ChannelName.MASTODON, ChannelName.BLUESKY)
# Channels whose messages go to one subscriber or webhook.
NOTICE_CHANNELS = (ChannelName.EMAIL, ChannelName.WEBHOOK, ChannelName.CHAT)


class MessageState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    # The worker stopped while sending: the channel may or may not have it.
    UNCONFIRMED = "unconfirmed", _("Check on the network")


FINISHED_STATES = (
    MessageState.SENT,
    MessageState.FAILED,
    MessageState.SKIPPED,
    MessageState.UNCONFIRMED,
)


class Message(models.Model):
    """One message on one channel: what to send, to whom, and what became of it."""

    channel = models.CharField(max_length=16, help_text="The adapter that sends it: x, email …")
    topic = models.CharField(max_length=100, help_text="What it is about, e.g. update:42.")
    update = models.ForeignKey(
        StatusUpdate, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    webhook = models.ForeignKey(
        Webhook,
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
        help_text="A webhook's owner also gets e-mail (to confirm it, or when it is turned off).",
    )
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="The post's or e-mail's text, or the webhook's JSON.")
    html = models.TextField(blank=True, help_text="An e-mail's HTML part, if it has one.")
    state = models.CharField(
        max_length=12, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    # An X or Mastodon post's id; a Bluesky post's AT URI (at://did:plc:…/app.bsky.feed.post/…).
    reply_to_id = models.CharField(max_length=300, blank=True)
    remote_id = models.CharField(max_length=300, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["update", "channel"],
                condition=models.Q(subscriber__isnull=True, webhook__isnull=True),
                name="one_post_per_update_and_channel",
            ),
            models.UniqueConstraint(
                fields=["subscriber", "topic"],
                condition=models.Q(subscriber__isnull=False),
                name="one_message_per_subscriber_and_topic",
            ),
            models.UniqueConstraint(
                fields=["webhook", "channel", "topic"],
                condition=models.Q(webhook__isnull=False),
                name="one_message_per_webhook_channel_and_topic",
            ),
            models.CheckConstraint(
                condition=~models.Q(subscriber__isnull=False, webhook__isnull=False),
                name="message_has_at_most_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        recipient = self.subscriber or self.webhook or self.update
        return f"{self.topic} → {self.channel}: {recipient}"

    @property
    def recipient(self) -> Subscriber | Webhook | None:
        return self.subscriber or self.webhook

    def shown_to_readers(self) -> bool:
        """A post is shown (on /social/ and in the API) once it is sent."""
        return (
            self.channel in POST_CHANNELS
            and self.state == MessageState.SENT
            and self.update.shown_to_readers()
        )


class CrossPostManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(channel__in=POST_CHANNELS)


class CrossPost(Message):
    """Progress posts of updates (X, Mastodon, Bluesky), as staff see and run them in the admin."""

    objects = CrossPostManager()

    class Meta:
        proxy = True
        verbose_name = "cross-post"

    def __str__(self) -> str:
        return f"{self.update} → {self.channel}: {self.get_state_display()}"


class NotificationManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(channel__in=NOTICE_CHANNELS)


class Notification(Message):
    """What subscribers and webhooks are sent (e-mail, webhook deliveries)."""

    objects = NotificationManager()

    class Meta:
        proxy = True

    def __str__(self) -> str:
        return f"{self.topic} → {self.subscriber or self.webhook}"
