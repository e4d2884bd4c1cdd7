"""The management API's components (Statuspage's paths and shapes): to be written."""

urlpatterns: list = []
