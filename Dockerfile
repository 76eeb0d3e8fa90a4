# omnibot: a slim image that runs as a non-root user and reports its health.
#
# What goes in comes from uv.lock, checked against the lock's hashes: the build stage installs
# the uv the lock names (pip --require-hashes, with the hashes read from the lock) and lets it
# sync a virtual environment to the lock with omnibot's runtime dependencies only (no extras);
# `--locked` fails the build when uv.lock does not match pyproject.toml. The final stage copies
# that environment and nothing of the tools that built it.
#
# BASE_IMAGE is what both stages start from: a Debian-based image whose python3 is 3.11, with
# its venv module, ca-certificates and useradd. The default is the official python:3.11-slim.
# Where Docker Hub cannot be reached, scripts/image builds an equivalent from Debian bookworm's
# own packages and passes it here, so that this same file is what gets built
# (docs/deployment.md).
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
# uv finds the base's python3 and never downloads an interpreter; the environment's path is the
# same in both stages, because a virtual environment does not survive being moved. Modules are
# compiled here because the non-root user cannot write .pyc files at run time: without them
# every worker spends about 1.7 s more compiling before it answers (65 MB of the image).
ENV UV_PROJECT_ENVIRONMENT=/opt/omnibot UV_PYTHON=python3 UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_NO_PROGRESS=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src

# Behind a TLS-inspecting proxy the downloads need the proxy's certificate authority: a build
# may hand in a CA bundle as the secret "ca-bundle" (scripts/image passes the host's trust
# store). A secret is mounted for one step only and never lands in a layer.
COPY uv.lock scripts/uv_requirement.py ./
RUN --mount=type=secret,id=ca-bundle \
    if [ -s /run/secrets/ca-bundle ]; then \
      export PIP_CERT=/run/secrets/ca-bundle SSL_CERT_FILE=/run/secrets/ca-bundle; \
    fi; \
    python3 -m venv /opt/uv \
    && python3 uv_requirement.py uv.lock > uv.txt \
    && /opt/uv/bin/pip install --quiet --no-cache-dir --no-deps --only-binary=:all: \
         --require-hashes -r uv.txt

# The dependencies first, in their own layer: it is rebuilt only when the lock changes, not
# with every change to omnibot's code.
COPY pyproject.toml ./
RUN --mount=type=secret,id=ca-bundle --mount=type=cache,target=/root/.cache/uv \
    if [ -s /run/secrets/ca-bundle ]; then export SSL_CERT_FILE=/run/secrets/ca-bundle; fi; \
    /opt/uv/bin/uv sync --locked --no-dev --no-install-project

# Then omnibot itself, as an ordinary (not editable) install, so that the final stage needs no
# source tree. Building it fetches its build backend from PyPI by version, not by hash (the
# lock holds no hashes for build tools): setuptools, at the version pyproject.toml pins.
COPY README.md ./
COPY bot ./bot
COPY connectors ./connectors
COPY dialogs ./dialogs
COPY memory ./memory
RUN --mount=type=secret,id=ca-bundle --mount=type=cache,target=/root/.cache/uv \
    if [ -s /run/secrets/ca-bundle ]; then export SSL_CERT_FILE=/run/secrets/ca-bundle; fi; \
    /opt/uv/bin/uv sync --locked --no-dev --no-editable

FROM ${BASE_IMAGE}
ENV PATH=/opt/omnibot/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN useradd --create-home --uid 10001 omnibot
COPY --from=build /opt/omnibot /opt/omnibot
# `omnibot run` with no folder serves examples/store from the working directory.
WORKDIR /app
COPY --chown=omnibot:omnibot examples ./examples
USER omnibot
# The example's phrase vectors for the semantic stage, embedded once here rather than at each
# start (docs/dialogs.md, "Understanding paraphrases"); a mounted bot embeds its own phrases at
# its first start and keeps them in ~/.cache/omnibot (OMNIBOT_CACHE_DIR to put them elsewhere).
RUN omnibot validate examples/store > /dev/null
EXPOSE 8080
# `python` is the environment's (first on PATH), so this works on any BASE_IMAGE.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["omnibot"]
CMD ["run", "--host", "0.0.0.0", "--port", "8080"]
