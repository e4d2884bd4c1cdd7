from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from faq import notifications, selectors, services
from faq.forms import CommentForm, ModerationForm
from faq.models import FAQ, Comment, CommentStatus, ImpactLevel
from statuspage.caching import query
from statuspage.caching.pages import public_page
from statuspage.security import ratelimit


def _faq_context(request, slug: str, **extra) -> dict:
    context = selectors.faq_page(
        slug=slug,
        viewer=request.user,
        service_slug=request.GET.get("service", ""),
        level=request.GET.get("level", ""),
        words=request.GET.get("q", ""),
        comments_page=request.GET.get("comments"),
    )
    forms = {"comment_form": CommentForm(), "blank_form": CommentForm()}
    return {**forms, "max_length": settings.COMMENT_MAX_LENGTH, **context, **extra}


# What the entry finder and the thread's pages read from the address.
FAQ_QUERY = {
    "service": query.slug,
    "level": query.one_of(*ImpactLevel.values),
    "q": query.words(100),
    "comments": query.page_number,
}


@public_page(query=FAQ_QUERY)
def faq_detail(request, slug: str):
    if request.method == "POST":  # the comment form posts here, to come back here on error
        return comment_create(request, slug)
    return render(request, "faq/faq_detail.html", _faq_context(request, slug))


def _too_fast(request, faq: FAQ) -> HttpResponse | None:
    return ratelimit.refuse_per_client(
        request,
        scope="comment",
        rates=settings.COMMENT_RATE_LIMITS,
        doing="commenting",
        also=(f"user:{request.user.pk}",),
        back=f"{faq.get_absolute_url()}#comments",
    )


def _published_faq(slug: str) -> FAQ:
    return get_object_or_404(FAQ.objects.published(), slug=slug)


@require_POST
def comment_create(request, slug: str):
    faq = _published_faq(slug)
    if not request.user.is_authenticated:
        return redirect_to_login(f"{faq.get_absolute_url()}#comments")
    if refusal := _too_fast(request, faq):
        return refusal
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"]).first()
            if parent is None:
                form.add_error(None, "The comment you replied to no longer exists.")
        if not form.errors:
            try:
                comment = services.comment_post(
                    faq=faq, author=request.user, body=form.cleaned_data["body"], parent=parent
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                if comment.status == CommentStatus.HELD:
                    messages.info(
                        request, "Thanks: your comment will appear once a moderator has read it."
                    )
                # Replies wait for a confirmed address: remind, at most once an hour.
                notifications.address_confirmation_send(user=request.user, again=True)
                return redirect(comment.get_absolute_url())
    context = _faq_context(request, slug, comment_form=form, form_parent=request.POST.get("parent"))
    return render(request, "faq/faq_detail.html", context, status=400)


def _own_comment(request, slug: str, pk: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("faq"), pk=pk, faq__slug=slug)


@login_required
def comment_edit(request, slug: str, pk: int):
    comment = _own_comment(request, slug, pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("You can only edit your own comments.")
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(
                comment=comment, user=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return redirect(comment.get_absolute_url())
    status = 400 if form.errors else 200
    context = {"form": form, "comment": comment, "max_length": settings.COMMENT_MAX_LENGTH}
    return render(request, "faq/comment_edit.html", context, status=status)


@require_POST
@login_required
def comment_delete(request, slug: str, pk: int):
    comment = _own_comment(request, slug, pk)
    services.comment_delete(comment=comment, user=request.user)
    messages.success(request, "Your comment was deleted.")
    return redirect(f"{comment.faq.get_absolute_url()}#comments")


@require_POST
@login_required
def comment_moderate(request, slug: str, pk: int):
    comment = _own_comment(request, slug, pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose hide, unhide, approve or remove.")
        return redirect(comment.get_absolute_url())
    try:
        services.comment_moderate(
            comment=comment,
            moderator=request.user,
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Comment by {comment.author_name}: {comment.get_status_display().lower()}."
        )
    return redirect(comment.get_absolute_url())


@require_POST
@login_required
def comments_toggle(request, slug: str):
    faq = _published_faq(slug)
    services.faq_set_comments_open(faq=faq, user=request.user, is_open=not faq.comments_open)
    messages.success(request, "Comments are open." if faq.comments_open else "Comments are closed.")
    return redirect(f"{faq.get_absolute_url()}#comments")


@csrf_exempt  # the signed token is the credential; mail clients post without a session
def stop_reply_mails(request, token: str):
    try:
        user = notifications.user_from_token(token)
    except (signing.BadSignature, ObjectDoesNotExist):
        return render(request, "faq/stop_reply_mails.html", {"invalid": True}, status=400)
    if request.method == "POST":
        notifications.stop_reply_mails(user=user)
        return render(request, "faq/stop_reply_mails.html", {"done": True})
    return render(request, "faq/stop_reply_mails.html", {"token": token})
