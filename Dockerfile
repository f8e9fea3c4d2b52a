# syntax=docker/dockerfile:1
# sohoa: a multi-stage build. The runtime image is slim Debian with Tesseract 5
# and its Vietnamese data (libtesseract5 brings pdf.ttf, the font of the
# searchable PDF's text layer); state lives in the /data volume, the agency's
# signing key included (/data/signing-keys unless SOHOA_SIGNING_KEY_DIR says
# otherwise: mount a secret there to share one key between instances).

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      clang libclang-dev pkg-config libtesseract-dev libleptonica-dev libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source edits do not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src
COPY src ./src
COPY migrations ./migrations
COPY assets ./assets
COPY templates ./templates
RUN touch src/main.rs src/lib.rs && cargo build --release --locked
# The text-line detector and the Vietnamese word list, checked by SHA-256.
RUN apt-get update && apt-get install -y --no-install-recommends python3-pip tesseract-ocr tesseract-ocr-vie \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/fetch-models.sh ./scripts/
RUN SOHOA_MODELS_DIR=/src/models scripts/fetch-models.sh

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libtesseract5 tesseract-ocr-vie tesseract-ocr-eng libsqlite3-0 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin sohoa \
 && mkdir -p /data && chown sohoa:sohoa /data
COPY --from=build /src/target/release/sohoa /usr/local/bin/sohoa
COPY --from=build /src/models /usr/local/share/sohoa/models
USER sohoa
WORKDIR /data
ENV SOHOA_LISTEN=0.0.0.0:8080 \
    SOHOA_DATA_DIR=/data \
    SOHOA_MODELS_DIR=/usr/local/share/sohoa/models \
    OMP_THREAD_LIMIT=1
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["sohoa"]
CMD ["serve"]
