"""django-markdownx's preview and upload views, open to active staff only.

markdownx ships them without any access check; these wrappers answer 403 to
everyone else and 400 (not a 500) to a preview request without content.
"""

from functools import wraps

from django.http import HttpResponseBadRequest, JsonResponse
from markdownx.views import ImageUploadView, MarkdownifyView


def staff_only(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return JsonResponse({"error": "Only signed-in staff may use the editor."}, status=403)
        return view(request, *args, **kwargs)

    return guarded


class PreviewView(MarkdownifyView):
    def post(self, request, *args, **kwargs):
        if "content" not in request.POST:
            return HttpResponseBadRequest("Send the Markdown to preview as “content”.")
        return super().post(request, *args, **kwargs)


preview = staff_only(PreviewView.as_view())
upload = staff_only(ImageUploadView.as_view())
