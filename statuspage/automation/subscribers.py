"""The management API's subscribers (Statuspage's paths and shapes): to be written."""

urlpatterns: list = []
