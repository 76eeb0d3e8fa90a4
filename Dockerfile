# omnibot: a slim image that runs as a non-root user and reports its health.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY connectors ./connectors
COPY dialogs ./dialogs
COPY memory ./memory
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN useradd --create-home --uid 10001 omnibot
COPY --from=build /install /usr/local
WORKDIR /app
COPY --chown=omnibot:omnibot examples ./examples
USER omnibot
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["omnibot"]
CMD ["run", "--host", "0.0.0.0", "--port", "8080"]
