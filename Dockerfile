FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.lock .
RUN pip install -r requirements.lock
COPY . .
RUN DJANGO_DEBUG=0 SECRET_KEY=collectstatic-only DATABASE_URL=postgresql://x@localhost/x REDIS_URL=redis://localhost \
    python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 essence && chown -R essence /app
USER essence
EXPOSE 8000
CMD ["gunicorn", "essence.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
