# Aria: one image for `aria serve` (webhook tier) and `aria worker` (Celery workers).
# Build: docker build -t ghcr.io/aria-review/aria:0.1.0 .
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY rules ./rules
COPY templates ./templates
RUN pip install --no-cache-dir --upgrade pip build \
 && python -m build --wheel --outdir /dist \
 && python -m venv /opt/aria \
 && /opt/aria/bin/pip install --no-cache-dir "$(ls /dist/*.whl)[scale]"

FROM python:3.11-slim-bookworm
# Kustomize overlays are rendered in-process by the engine when `kustomize` is on PATH;
# the image leaves it out (reviews of raw manifests need nothing else).
COPY --from=build /opt/aria /opt/aria
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin aria
USER 10001:10001
ENV PATH=/opt/aria/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ARIA_STATE_DIR=/tmp/aria
EXPOSE 8080
ENTRYPOINT ["aria"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
