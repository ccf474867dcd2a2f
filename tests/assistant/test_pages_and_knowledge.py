"""Chat pages (list, rename, delete; owner only), admin knowledge upload → Celery embedding, Redis context."""

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from assistant import services
from assistant.models import Conversation, KnowledgeDocument, Message
from assistant.services import conversation_create


def test_chat_page_lists_own_conversations_and_labels_offline_mode(recruiter_client, recruiter, hr_admin, offline):
    mine = conversation_create(user=recruiter, title="Dallas attrition")
    conversation_create(user=hr_admin, title="HR secret plans")
    r = recruiter_client.get(f"/assistant/{mine.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Dallas attrition" in html and "HR secret plans" not in html
    assert "Offline mode." in html and f'data-ws-path="/ws/assistant/{mine.pk}/"' in html
    assert "OPENAI_API_KEY" not in html  # a recruiter gets user words, not configuration advice
    assert "js/assistant.js" in html


def test_question_box_and_suggestions_before_any_conversation(recruiter_client, recruiter, offline):
    html = recruiter_client.get("/assistant/").content.decode()
    assert 'id="chat-input"' in html and '<label for="chat-input">' in html and 'class="suggestion"' in html
    # asking from there creates the conversation and carries the question over to be asked on arrival
    r = recruiter_client.post("/assistant/new/", {"message": "Who in Dallas is most likely to leave?"})
    conv = Conversation.objects.get(user=recruiter)
    assert r.status_code == 302 and r["Location"].startswith(f"/assistant/{conv.pk}/?ask=Who+in+Dallas")


def test_employee_ids_in_answers_link_and_citations_open_the_document(recruiter_client, recruiter, offline):
    conv = conversation_create(user=recruiter, title="t")
    doc = KnowledgeDocument.objects.create(title="Overtime policy", content="Overtime above 10 h needs approval.")
    Message.objects.create(conversation=conv, role="assistant", content="E000123 <b>is</b> at risk.",
                           citations=[{"id": doc.pk, "title": doc.title}])  # fmt: skip
    html = recruiter_client.get(f"/assistant/{conv.pk}/").content.decode()
    assert '<a href="/technicians/E000123/">E000123</a> &lt;b&gt;is&lt;/b&gt;' in html
    assert f'<a class="cite" href="/assistant/documents/{doc.pk}/">Overtime policy</a>' in html
    page = recruiter_client.get(f"/assistant/documents/{doc.pk}/").content.decode()
    assert "needs approval" in page


def test_home_redirects_to_latest_and_new_creates(recruiter_client, recruiter):
    r = recruiter_client.get("/assistant/")
    assert r.status_code == 200 and "No conversations yet" in r.content.decode()
    r = recruiter_client.post("/assistant/new/")
    conv = Conversation.objects.get(user=recruiter)
    assert r.status_code == 302 and r["Location"] == f"/assistant/{conv.pk}/"
    assert recruiter_client.get("/assistant/")["Location"] == f"/assistant/{conv.pk}/"


def test_rename_and_delete_only_own(recruiter_client, recruiter, hr_admin):
    mine = conversation_create(user=recruiter)
    theirs = conversation_create(user=hr_admin)
    r = recruiter_client.post(f"/assistant/{mine.pk}/rename/", {"title": "Q1 hiring"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Q1 hiring" in r.content.decode()
    assert recruiter_client.post(f"/assistant/{theirs.pk}/rename/", {"title": "x"}).status_code == 404
    assert recruiter_client.post(f"/assistant/{theirs.pk}/delete/").status_code == 404
    assert recruiter_client.get(f"/assistant/{theirs.pk}/").status_code == 404
    assert recruiter_client.post(f"/assistant/{mine.pk}/delete/").status_code == 302
    assert not Conversation.objects.filter(pk=mine.pk).exists() and Conversation.objects.filter(pk=theirs.pk).exists()


def test_pages_require_login(client):
    assert client.get("/assistant/")["Location"].startswith("/accounts/login/")


def test_first_question_titles_conversation_and_history_is_rendered(recruiter_client, recruiter):
    conv = conversation_create(user=recruiter)
    _, reply = services.turn_start(conversation=conv, text="Who will leave in Dallas?", model="m")
    services.turn_finish(message_id=reply.pk, content="Half an answer", status="partial", error="Interrupted: closed")
    conv.refresh_from_db()
    assert conv.title == "Who will leave in Dallas?"
    html = recruiter_client.get(f"/assistant/{conv.pk}/").content.decode()
    assert "Half an answer" in html and "Partial answer — Interrupted: closed" in html


def test_context_is_cached_in_redis_with_ttl_and_rebuilt_from_postgres(recruiter, settings):
    settings.ASSISTANT_CONTEXT_TTL_SECONDS = 120
    conv = conversation_create(user=recruiter)
    _, reply = services.turn_start(conversation=conv, text="Q1", model="m")
    services.turn_finish(message_id=reply.pk, content="A1", status="complete")
    ctx = services.context_get(conversation=conv)
    assert ctx == [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}]
    key = cache.make_and_validate_key(f"assistant:ctx:{conv.pk}")
    assert 0 < cache._cache.get_client(key).ttl(key) <= 120
    services.context_append(conversation_id=conv.pk, items=[{"role": "user", "content": "Q2"}])
    assert services.context_get(conversation=conv)[-1]["content"] == "Q2"
    cache.clear()  # expiry / Redis flush: rebuilt from the durable history
    assert services.context_get(conversation=conv) == ctx
    services.conversation_delete(conversation=conv)
    assert cache.get(f"assistant:ctx:{conv.pk}") is None and not Message.objects.exists()


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text (hand-built; pypdf can read it back)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def test_extract_text_from_txt_md_pdf_and_rejects_others():
    assert services.extract_text(filename="a.md", data=b"# Policy\n\nBody") == "# Policy\n\nBody"
    assert "Overtime needs approval" in services.extract_text(
        filename="p.pdf", data=_minimal_pdf("Overtime needs approval")
    )
    for name, data, msg in [
        ("x.docx", b"PK..", "Upload a .txt"),
        ("x.txt", b"\xff\xfe\x00", "not UTF-8"),
        ("e.md", b"  ", "no extractable"),
    ]:
        with pytest.raises(services.AssistantInputError, match=msg):
            services.extract_text(filename=name, data=data)


@pytest.mark.django_db(transaction=True)
def test_admin_upload_is_chunked_and_embedded_by_celery_worker(celery_worker_live, hr_admin, client, settings):
    import time

    settings.ASSISTANT_EMBEDDER = "local"
    settings.OPENAI_API_KEY = ""
    client.force_login(hr_admin)
    pdf = SimpleUploadedFile(
        "bonus.pdf", _minimal_pdf("Retention bonus of 10 percent after 12 months"), content_type="application/pdf"
    )
    r = client.post(
        "/admin/assistant/knowledgedocument/add/", {"title": "Bonus policy", "source_file": pdf, "content": ""}
    )
    import re

    assert r.status_code == 302, re.findall(r"(?s)errorlist.{0,300}", r.content.decode())
    doc = KnowledgeDocument.objects.get(title="Bonus policy")
    deadline = time.time() + 20
    while time.time() < deadline:
        doc.refresh_from_db()
        if doc.status in ("ready", "failed"):
            break
        time.sleep(0.2)
    assert doc.status == "ready", doc.error
    assert doc.chunks.count() == 1 and doc.embedding_model == "local-hash-v1"
    from assistant.selectors import knowledge_search

    assert knowledge_search(query="retention bonus", limit=1)[0]["title"] == "Bonus policy"
    bad = SimpleUploadedFile("x.docx", b"PK\x03\x04", content_type="application/octet-stream")
    r = client.post("/admin/assistant/knowledgedocument/add/", {"title": "Bad", "source_file": bad, "content": ""})
    assert r.status_code == 200 and "Upload a .txt, .md or .pdf file." in r.content.decode()
    assert not KnowledgeDocument.objects.filter(title="Bad").exists()


def test_openai_embedder_through_fake_server(fake_openai, settings, db):
    settings.ASSISTANT_EMBEDDER = "openai"
    from assistant.embeddings import LocalEmbedder
    from assistant.selectors import get_embedder

    emb = get_embedder()
    vecs = emb.embed(["overtime policy", "vans"])
    assert len(vecs) == 2 and len(vecs[0]) == 1536
    assert vecs[0] == pytest.approx(LocalEmbedder().embed_one("overtime policy"), abs=1e-6)
    assert any(p.endswith("/embeddings") for p in fake_openai.paths)


@pytest.mark.django_db(transaction=True)
def test_scoring_task_success_triggers_technician_embedding_refresh(celery_worker_live, world):
    import time

    from assistant.models import TechnicianEmbedding
    from predictions.tasks import score_all_scheduled

    assert TechnicianEmbedding.objects.count() == 0
    score_all_scheduled.delay()
    deadline = time.time() + 30
    while time.time() < deadline and TechnicianEmbedding.objects.count() < len(world["techs"]):
        time.sleep(0.2)
    assert TechnicianEmbedding.objects.count() == len(world["techs"])
