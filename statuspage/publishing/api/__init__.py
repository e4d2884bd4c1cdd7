"""The read-only JSON API at /api/v2/ in Atlassian Statuspage's shapes: serializers make the
shapes (for the API and webhooks alike), history the service history's beside them, views
serve them; openapi.json describes them."""
