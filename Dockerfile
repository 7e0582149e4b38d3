FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# WeasyPrint needs Pango for PDF reports.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY protocol ./protocol
COPY compact ./compact
COPY employers ./employers
COPY aggregation ./aggregation
COPY populations ./populations
COPY deploy ./deploy
COPY manage.py ./
RUN pip install --no-cache-dir .
RUN useradd --create-home compact && mkdir /data && chown compact /data
USER compact
EXPOSE 8000
# Behind nginx (deploy/nginx.conf); docker-compose.yml runs the migrations first.
CMD ["gunicorn", "compact.wsgi", "-c", "deploy/gunicorn.conf.py"]
