# The portal's image: Python dependencies, the built stylesheet, collected static files.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static_src static_src
RUN mkdir -p static/build && npm run build \
 && mkdir -p static/vendor/govuk \
 && cp -r node_modules/govuk-frontend/dist/govuk/assets static/vendor/govuk/assets \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk/

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=kpiportal.settings.production
WORKDIR /app
COPY requirements requirements
RUN pip install --no-cache-dir -r requirements/base.txt
COPY . .
COPY --from=assets /app/static/build static/build
COPY --from=assets /app/static/vendor static/vendor
RUN SECRET_KEY=build-only-collectstatic-key-that-is-long-enough-to-pass-the-check-1234 ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput
RUN useradd --create-home kpi
USER kpi
EXPOSE 8000
CMD ["gunicorn", "kpiportal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
