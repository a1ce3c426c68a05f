# One image for every role: `edubot bot`, `edubot worker`, `edubot scheduler`, `edubot migrate`.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    EDUBOT_DATA_DIR=/var/lib/edubot

RUN useradd --create-home --uid 10001 edubot && mkdir -p /var/lib/edubot && chown edubot /var/lib/edubot
WORKDIR /app

COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY domain ./domain
COPY workers ./workers
COPY edubot ./edubot
COPY sandbox ./sandbox
COPY migrations ./migrations
RUN pip install -e .

USER edubot
EXPOSE 8080 9191
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)" || exit 1
ENTRYPOINT ["edubot"]
CMD ["run"]
