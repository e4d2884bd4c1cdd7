"""E-mail subscribers and webhooks (one's own, or Slack, Teams, Discord): signing up with
double opt-in, managing, stopping; who is told what (notices) and what their deliveries'
outcomes do to them (receivers). Imports the core, common, security, the outbox and
publishing's serializers."""
