# syntax=docker/dockerfile:1
# One image with mock-ra, certrenew, harness and the case files.
#   docker build -t certrenew:latest .
#   docker compose up --build --abort-on-container-exit --exit-code-from client
# What docker-compose.yml relies on here (binaries, paths, ports, the
# volume, mock-ra's and certrenew's flags) is checked statically by
# mock-ra/tests/it/containers.rs; tests/containers.rs builds the image with
# podman and starts the compose topology.
#
# Without an image registry (how this project's CI builds it): a local
# bookworm base from docker/local-base.sh, and the binaries cargo already
# built, staged as bin/ in the context (nothing is compiled twice):
#   podman build --build-arg RUNTIME_IMAGE=localhost/certrenew-base:KEY \
#     --build-arg BINARIES=prebuilt -f Dockerfile CONTEXT
# where CONTEXT holds bin/{mock-ra,certrenew,harness}, scenarios/ and docker/.

# The defaults are the public images, for users who have a registry.
ARG BUILD_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
# build: compile in the build stage; prebuilt: take bin/ from the context.
ARG BINARIES=build

# ---- build ----------------------------------------------------------------
# Debian bookworm in both stages: the binaries link against its glibc.
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# gcc and libc6-dev come with the image; aws-lc-sys needs nothing else.
COPY Cargo.toml Cargo.lock rustfmt.toml clippy.toml ./
COPY .cargo .cargo
COPY certs-gen certs-gen
COPY mock-ra mock-ra
COPY client client
COPY tests tests
COPY scenarios scenarios
COPY docs docs
RUN cargo build --release --locked -p mock-ra -p certrenew -p harness \
 && install -D -m 0755 target/release/mock-ra target/release/certrenew target/release/harness -t /out/bin

# ---- prebuilt: binaries built outside, on bookworm too ------------------------
FROM scratch AS prebuilt
COPY bin/ /out/bin/

# The stage the binaries come from (only that one is built).
# hadolint ignore=DL3006
FROM ${BINARIES} AS binaries

# ---- run --------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# openssl: the harness checks issued identities with it; ca-certificates: the
# platform verifier's roots when certrenew talks to a real server. Versions
# are not pinned: bookworm's archive keeps only the current point release, so
# a pin would break the build at the next one (hadolint DL3008). A base that
# already has both (docker/local-base.sh's) needs no package archive.
# hadolint ignore=DL3008
RUN if ! command -v openssl >/dev/null || [ ! -s /etc/ssl/certs/ca-certificates.crt ]; then \
        apt-get update \
     && apt-get install -y --no-install-recommends openssl ca-certificates \
     && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --gid 10001 certrenew \
 && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin certrenew \
 && mkdir -p /state /home/certrenew/store \
 && chown certrenew:certrenew /state /home/certrenew/store \
 && ln -s /usr/share/certrenew/scenarios /home/certrenew/scenarios
COPY --from=binaries /out/bin/ /usr/local/bin/
COPY scenarios /usr/share/certrenew/scenarios
COPY --chmod=0755 docker/client.sh /usr/local/bin/certrenew-demo
# There is no cargo here: the harness runs the certrenew installed beside it,
# and `harness run` alone runs ./scenarios (the link above).
ENV CERTRENEW_SCENARIOS=/usr/share/certrenew/scenarios \
    CERTRENEW_BIN=/usr/local/bin/certrenew
# Numeric, so a runtime that checks runAsNonRoot can tell without /etc/passwd.
USER 10001:10001
WORKDIR /home/certrenew
# 443: webra2 + webra1 by SNI; 80: repo1 + repository by Host; 8080: the admin
# API (keep it unpublished: it changes everything with one bearer token).
EXPOSE 443 80 8080
VOLUME ["/state"]
ENTRYPOINT []
CMD ["mock-ra", "--help"]
