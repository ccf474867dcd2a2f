"""`manage.py seed_knowledge`: load the demo policy documents (idempotent) and embed them."""

from pathlib import Path

from django.core.management.base import BaseCommand

from assistant.models import KnowledgeDocument
from assistant.services import knowledge_document_create, knowledge_document_embed

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo_knowledge"


class Command(BaseCommand):
    help = "Load the demo knowledge documents (policies) the assistant searches; skips titles already present."

    def handle(self, *args, **options):
        added = 0
        for path in sorted(DEMO_DIR.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            title = text.splitlines()[0].lstrip("# ").strip()
            if KnowledgeDocument.objects.filter(title=title).exists():
                continue
            doc = knowledge_document_create(title=title, content=text)
            knowledge_document_embed(document_id=doc.pk)
            added += 1
        self.stdout.write(f"Knowledge documents: {added} added, {KnowledgeDocument.objects.count()} in total.")
