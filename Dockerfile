# Production image: one image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/var/lib/technician-analytics LOG_FORMAT=json \
    STATIC_ROOT=/app/staticfiles STATIC_MANIFEST=1 WHITENOISE_USE_FINDERS=0
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Static files are part of the image (not the data volume): hashed names and pre-compressed .gz copies that
# WhiteNoise serves with a one-year cache. Settings need a database/Redis URL to import, never a connection.
RUN DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 SECRET_KEY=collectstatic \
    python manage.py collectstatic --noinput -v 0
RUN useradd --create-home --uid 10001 app && mkdir -p $VAR_DIR && chown -R app $VAR_DIR /app
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--ws", "websockets", "--workers", "2"]
