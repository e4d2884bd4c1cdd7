"""What Django raises when the database cannot be reached (refused, dropped, closed)."""

from django.db.utils import InterfaceError, OperationalError

DATABASE_ERRORS = (OperationalError, InterfaceError)
