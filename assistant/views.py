"""Assistant pages: the chat (conversation list + streaming chat over the websocket), rename, delete."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assistant import agent, selectors, services
from core.access import requires
from core.permissions import USE_ASSISTANT


def _conv_or_404(request, conversation_id):
    return selectors.conversation_get_for_user(user=request.user, conversation_id=conversation_id)


def _context(request, conversation=None):
    return {
        "conversations": selectors.conversation_list(user=request.user)[:100],
        "conversation": conversation,
        "chat_messages": list(selectors.message_list(conversation=conversation)) if conversation else [],
        "mode": agent.assistant_mode(),
        "max_chars": services.settings.ASSISTANT_MAX_MESSAGE_CHARS,
    }


@requires(USE_ASSISTANT)
def assistant_home(request):
    latest = selectors.conversation_list(user=request.user).first()
    if latest is not None and not request.GET.get("list"):
        return redirect("assistant:conversation", conversation_id=latest.pk)
    return render(request, "assistant/chat.html", _context(request))


@requires(USE_ASSISTANT)
@require_POST
def conversation_new(request):
    conv = services.conversation_create(user=request.user)
    return redirect("assistant:conversation", conversation_id=conv.pk)


@requires(USE_ASSISTANT)
def conversation_page(request, conversation_id):
    conv = _conv_or_404(request, conversation_id)
    if request.htmx and request.GET.get("partial") == "list":
        return render(request, "assistant/_conversation_list.html", _context(request, conv))
    return render(request, "assistant/chat.html", _context(request, conv))


@requires(USE_ASSISTANT)
@require_POST
def conversation_rename(request, conversation_id):
    conv = _conv_or_404(request, conversation_id)
    try:
        services.conversation_rename(conversation=conv, title=request.POST.get("title", ""))
    except services.AssistantInputError as exc:
        flash.error(request, str(exc))
    if request.htmx:
        return render(request, "assistant/_conversation_list.html", _context(request, conv))
    return redirect("assistant:conversation", conversation_id=conv.pk)


@requires(USE_ASSISTANT)
@require_POST
def conversation_delete(request, conversation_id):
    try:
        conv = _conv_or_404(request, conversation_id)
    except Http404:
        raise
    services.conversation_delete(conversation=conv)
    flash.success(request, "Conversation deleted.")
    return redirect("/assistant/?list=1")
