# Production image: gunicorn serving Django; the same image runs the Celery worker and beat.

# Front-end assets: the pinned USWDS and htmx from package-lock.json (docs/ui.md).
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# WeasyPrint (quarterly report PDFs) needs Pango and HarfBuzz from Debian.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install --no-cache-dir .

COPY . .
COPY --from=assets /assets/node_modules/@uswds/uswds/dist/css ./static/vendor/uswds/css
COPY --from=assets /assets/node_modules/@uswds/uswds/dist/js ./static/vendor/uswds/js
COPY --from=assets /assets/node_modules/@uswds/uswds/dist/fonts ./static/vendor/uswds/fonts
COPY --from=assets /assets/node_modules/@uswds/uswds/dist/img ./static/vendor/uswds/img
COPY --from=assets /assets/node_modules/htmx.org/dist/htmx.min.js ./static/vendor/htmx/
COPY --from=assets /assets/node_modules/chart.js/dist/chart.umd.min.js /assets/node_modules/chart.js/dist/chart.umd.min.js.map ./static/vendor/chartjs/
# collectstatic only needs a throwaway key at build time; the real one comes at run time.
RUN DJANGO_DEBUG=False DJANGO_SECRET_KEY=build-only-key-that-is-long-enough-for-django-checks-000 \
    python manage.py collectstatic --noinput

RUN useradd --create-home psp && chown -R psp /app
USER psp
EXPOSE 8000
CMD ["gunicorn", "psp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
