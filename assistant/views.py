"""Assistant pages: the chat (conversation list + streaming chat over the websocket), rename, delete."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
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
        "suggestions": SUGGESTIONS,
    }


SUGGESTIONS = [
    "Who in Dallas is most likely to leave next quarter, and why?",
    "How many technicians do we need to hire by month for the next 3 months?",
    "How much would capping overtime at 10 hours a week save?",
    "What is our policy on overtime?",
]


@requires(USE_ASSISTANT)
def document_detail(request, document_id):
    """A knowledge document cited in an answer (citation chips link here)."""
    doc = selectors.knowledge_document_get(document_id=document_id)
    return render(request, "assistant/document.html", {"doc": doc})


@requires(USE_ASSISTANT)
def assistant_home(request):
    latest = selectors.conversation_list(user=request.user).first()
    if latest is not None and not request.GET.get("list"):
        return redirect("assistant:conversation", conversation_id=latest.pk)
    return render(request, "assistant/chat.html", _context(request))


@requires(USE_ASSISTANT)
@require_POST
def conversation_new(request):
    """A new conversation; a first question typed (or a suggestion picked) before it existed is asked on
    arrival (``?ask=``), so the text box can be on the page from the start."""
    conv = services.conversation_create(user=request.user)
    url = reverse("assistant:conversation", kwargs={"conversation_id": conv.pk})
    question = (
        (request.POST.get("message") or "").replace("\x00", "").strip()[: services.settings.ASSISTANT_MAX_MESSAGE_CHARS]
    )
    return redirect(f"{url}?{urlencode({'ask': question})}" if question else url)


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
