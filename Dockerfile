# syntax=docker/dockerfile:1
# One image with mock-ra, certrenew, harness and the case files.
# Build:  docker build -t certrenew .
# Run:    docker compose up   (see docker-compose.yml and README "Run it in containers")

# ---- build ----------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# gcc and make come with the image; aws-lc-sys needs nothing else.
COPY Cargo.toml Cargo.lock rustfmt.toml clippy.toml ./
COPY certs-gen certs-gen
COPY mock-ra mock-ra
COPY client client
COPY tests tests
COPY scenarios scenarios
COPY docs docs
RUN cargo build --release --locked -p mock-ra -p certrenew -p harness \
 && install -D -m 0755 target/release/mock-ra target/release/certrenew target/release/harness -t /out/bin

# ---- run --------------------------------------------------------------------
FROM debian:bookworm-slim
# openssl: the harness checks issued identities with it; ca-certificates: the
# platform verifier's roots when certrenew talks to a real server.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin certrenew \
 && mkdir -p /state /home/certrenew/store \
 && chown certrenew:certrenew /state /home/certrenew/store
COPY --from=build /out/bin/ /usr/local/bin/
COPY scenarios /usr/share/certrenew/scenarios
COPY docker/client.sh /usr/local/bin/certrenew-demo
ENV CERTRENEW_SCENARIOS=/usr/share/certrenew/scenarios
USER certrenew
WORKDIR /home/certrenew
# 443: webra1 + webra2 by SNI; 80: repo1 + repository by Host; 8080: admin API.
EXPOSE 443 80 8080
VOLUME ["/state"]
ENTRYPOINT []
CMD ["mock-ra", "--help"]
