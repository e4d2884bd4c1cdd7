"""The management API's incidents (Statuspage's paths and shapes): to be written."""

urlpatterns: list = []
