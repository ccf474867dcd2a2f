"""Demo policy documents: loaded once, embedded, and found by the questions the demo invites."""

import pytest
from django.core.management import call_command

from assistant.models import KnowledgeChunk, KnowledgeDocument
from assistant.selectors import knowledge_search


@pytest.mark.django_db
def test_seed_knowledge_is_idempotent_and_embeds_every_document(settings):
    settings.OPENAI_API_KEY = ""  # local embedder
    call_command("seed_knowledge")
    n = KnowledgeDocument.objects.count()
    assert n >= 3
    assert not KnowledgeDocument.objects.exclude(status=KnowledgeDocument.Status.READY).exists()
    call_command("seed_knowledge")
    assert KnowledgeDocument.objects.count() == n
    assert KnowledgeChunk.objects.filter(document__title="Retention bonus policy").exists()


@pytest.mark.django_db
def test_retention_bonus_question_finds_the_bonus_policy_first(settings):
    settings.OPENAI_API_KEY = ""
    call_command("seed_knowledge")
    hits = knowledge_search(query="What is our policy on retention bonuses?")
    assert hits and hits[0]["title"] == "Retention bonus policy", hits[:2]


@pytest.mark.django_db
def test_documents_from_another_embedder_are_found_by_text_then_embedded_again(settings):
    """The OpenAI key was set or removed after the documents were embedded: their vectors cannot be compared
    with the current embedder's, so search falls back to full text until the re-embed task has run."""
    from assistant.services import knowledge_reembed_stale

    settings.OPENAI_API_KEY = ""
    call_command("seed_knowledge")
    KnowledgeDocument.objects.update(embedding_model="text-embedding-3-small")  # as if embedded by OpenAI
    hits = knowledge_search(query="What is our policy on retention bonuses?")
    assert hits and hits[0]["title"] == "Retention bonus policy", hits[:2]  # found by words, not vectors
    assert knowledge_reembed_stale() == KnowledgeDocument.objects.count()
    assert set(KnowledgeDocument.objects.values_list("embedding_model", flat=True)) == {"local-hash-v1"}
    assert knowledge_reembed_stale() == 0  # nothing stale any more
    hits = knowledge_search(query="What is our policy on retention bonuses?")
    assert hits[0]["title"] == "Retention bonus policy" and 0 < hits[0]["similarity"] <= 1
