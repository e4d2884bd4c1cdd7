"""Every outgoing message, one row per message and channel, sent by one machine (services):
queued in the transaction, claimed, retried, recovered. channels/ holds one adapter per way
out (X, Mastodon, Bluesky, e-mail, webhooks, Slack/Teams/Discord hooks). Imports the core
and subscriptions' models; never views."""
