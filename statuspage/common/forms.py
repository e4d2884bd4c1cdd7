"""Forms and the services behind them."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError, *, fallback: str | None = None) -> None:
    """Show a service's ValidationError on the form: on its field if the form has it,
    else on ``fallback`` or the form as a whole."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(fallback if fallback in form.fields else None, error)
