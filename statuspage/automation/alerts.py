"""The management API's alerts (Statuspage's paths and shapes): to be written."""

urlpatterns: list = []
