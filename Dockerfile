# One image for the web app, the bots and one-off commands.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/app/var
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY core ./core
COPY nlp ./nlp
COPY bot ./bot
COPY survey ./survey
COPY admin ./admin
COPY open311 ./open311
COPY app ./app
RUN pip install --no-cache-dir -c constraints.txt . && useradd --uid 1000 needs && mkdir -p /app/var && chown needs /app/var
USER needs
EXPOSE 8000
CMD ["needs", "serve", "--host", "0.0.0.0", "--port", "8000"]
