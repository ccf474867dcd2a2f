"""The assistant's durable state: conversations, messages, tool-call audit, knowledge and embeddings.

Recent context for a conversation is cached in Redis (see assistant.services); these tables are the
durable history and the audit trail (who asked what, which tools ran, tokens, latency, model).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from pgvector.django import HnswIndex, VectorField

from assistant.embeddings import TECH_DIMS
from assistant.outcomes import REASON_LABELS
from core.models import TimeStamped

EMBEDDING_DIM = 1536
# how a turn / LLM request ended (assistant.outcomes.Reason): one code everywhere — event, message, audit row
REASON_CHOICES = [(r.value, label) for r, label in REASON_LABELS.items()]


class Conversation(TimeStamped):
    """One chat thread, owned by one user (nobody else can read it, not even through the API)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200, default="New conversation")

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["user", "-updated_at"])]

    def __str__(self) -> str:
        return self.title


class Message(TimeStamped):
    """One turn. Assistant messages record the model, tokens, latency and how the turn ended."""

    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"

    class Status(models.TextChoices):
        STREAMING = "streaming", "Streaming"
        COMPLETE = "complete", "Complete"
        PARTIAL = "partial", "Partial (interrupted or limited)"
        ERROR = "error", "Error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPLETE)
    error = models.CharField(max_length=500, blank=True)
    reason = models.CharField(
        max_length=20, choices=REASON_CHOICES, blank=True, default="", help_text="How the turn ended (blank: normally)."
    )
    model = models.CharField(max_length=100, blank=True, help_text="LLM model, or 'offline-planner'.")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Request to last token.")
    first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    citations = models.JSONField(default=list, blank=True, help_text="Knowledge documents the answer drew on.")
    tools_used = models.JSONField(default=list, blank=True, help_text="Tool labels shown to the user.")

    class Meta:
        ordering = ["conversation", "created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:60]}"


class ToolCall(TimeStamped):
    """Audit row for one tool call made during an assistant message (arguments, result size, outcome)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="tool_calls")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    call_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=60)
    arguments = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=True)
    error = models.CharField(max_length=500, blank=True)
    result_chars = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name}({self.arguments})"


class LLMCall(TimeStamped):
    """Audit row for one request to the LLM (or one offline-planner step): who, when, tokens, latency."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="llm_calls")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    model = models.CharField(max_length=100)
    iteration = models.PositiveSmallIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    finish_reason = models.CharField(max_length=30, blank=True)
    error = models.CharField(max_length=500, blank=True)
    reason = models.CharField(
        max_length=20,
        choices=REASON_CHOICES,
        blank=True,
        default="",
        help_text="How the request ended (blank: normally).",
    )
    request_chars = models.PositiveIntegerField(default=0, help_text="Size of what was sent, counted by us.")
    attempts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["created_at"]
        verbose_name = "LLM call"


class KnowledgeDocument(TimeStamped):
    """A policy / handbook document the assistant may cite. Chunked and embedded by a Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        EMBEDDING = "embedding", "Embedding"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    title = models.CharField(max_length=200)
    source_file = models.FileField(upload_to="knowledge/", blank=True, help_text="Text, Markdown or PDF.")
    content = models.TextField(blank=True, help_text="Extracted text (filled from the file on save in admin).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=500, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class KnowledgeChunk(TimeStamped):
    document = models.ForeignKey(KnowledgeDocument, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    text = models.TextField()
    embedding = VectorField(dimensions=EMBEDDING_DIM)

    class Meta:
        ordering = ["document", "index"]
        constraints = [models.UniqueConstraint(fields=["document", "index"], name="knowledge_chunk_unique_index")]
        indexes = [
            HnswIndex(
                name="knowledge_chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]


class TechSubvector(models.Func):
    """``subvector(embedding, 1, TECH_DIMS)::vector(TECH_DIMS)``: the part of a technician vector that is
    ever non-zero (the rest is padding, so cosine over it equals cosine over the whole vector). The HNSW
    index is on exactly this expression, so queries must order by it to use the index."""

    template = f"(subvector(%(expressions)s, 1, {TECH_DIMS})::vector({TECH_DIMS}))"
    output_field = VectorField(dimensions=TECH_DIMS)


class TechnicianEmbedding(TimeStamped):
    """A technician's profile + latest-snapshot vector (see assistant.embeddings.technician_vector)."""

    technician = models.OneToOneField("technicians.Technician", on_delete=models.CASCADE, related_name="embedding")
    embedding = VectorField(dimensions=EMBEDDING_DIM)
    source_month = models.DateField(null=True, blank=True, help_text="Snapshot month the vector was built from.")
    version = models.CharField(max_length=30, default="features-v1")

    class Meta:
        # m / ef_construction measured in bench/bench_assistant.py (docs/assistant.md, "Similar technicians")
        indexes = [
            HnswIndex(
                OpClass(TechSubvector("embedding"), name="vector_cosine_ops"),
                name="technician_embedding_hnsw",
                m=16,
                ef_construction=128,
            )
        ]
