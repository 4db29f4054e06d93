FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend ./frontend
RUN mkdir -p static/build && npm run build

FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-liberation procps \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
COPY --from=frontend /app/node_modules ./node_modules
COPY --from=frontend /app/static/build ./static/build
RUN DEBUG=true python manage.py collectstatic --noinput
# var/audit is created here so the audit-checkpoints volume mounted on it is the portal's to write.
RUN useradd --system portal && mkdir -p var/audit && chown -R portal var
USER portal
EXPOSE 8000
