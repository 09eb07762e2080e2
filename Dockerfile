# Container image for the `strata` catalog server.
#
#   docker build -t strata .
#   docker run -p 8080:8080 -v strata-data:/var/lib/strata strata
#
# Four stages. Only the last one ends up in the image; the others exist so that
# the slow part of a build (compiling ~all dependencies) is cached in its own
# layer and is redone only when Cargo.toml / Cargo.lock change, not on every
# edit of the project's own source.

# ---------------------------------------------------------------------------
# chef: the Rust toolchain plus cargo-chef, shared by the planner and builder.
# Kept as its own stage so cargo-chef is compiled once and cached, and so both
# stages below start from an identical base (same toolchain, same WORKDIR).
# rust:*-slim ships gcc and libc6-dev, which is all the C the dependency tree
# needs (ring, bundled SQLite, zstd); TLS is rustls, so no OpenSSL headers.
# Set CARGO_CHEF_VERSION (e.g. --build-arg CARGO_CHEF_VERSION=0.1.73) to pin it.
# ---------------------------------------------------------------------------
FROM rust:1.95-slim-bookworm AS chef
ARG CARGO_CHEF_VERSION=
RUN cargo install cargo-chef --locked ${CARGO_CHEF_VERSION:+--version "$CARGO_CHEF_VERSION"} \
 && rm -rf "$CARGO_HOME/registry"
WORKDIR /app

# ---------------------------------------------------------------------------
# planner: reads the whole workspace and writes recipe.json, a description of
# the manifests and lockfile only (no source). This stage reruns on any change
# to the build context, but its output changes only when dependencies do, so
# the builder's `COPY --from=planner` below keeps hitting the cache.
# ---------------------------------------------------------------------------
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# ---------------------------------------------------------------------------
# builder: first "cooks" the recipe (builds every dependency of the strata
# binary against a skeleton workspace with dummy sources) in its own cached
# layer, then copies the real source and builds only the workspace crates.
# The GraphiQL assets embedded with include_bytes! (server/api/assets/) come
# in with `COPY . .`.
# ---------------------------------------------------------------------------
FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --locked -p strata --bin strata --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked -p strata --bin strata

# ---------------------------------------------------------------------------
# runtime: a minimal Debian with the same glibc as the builder (both are
# bookworm), holding just the binary. There is no Rust toolchain, no sources
# and no build cache. ca-certificates is the only package added, for outbound TLS
# from tools that use the system trust store.
#
# No HEALTHCHECK: the image has no curl/wget, and strata has no probe
# subcommand. Use the orchestrator's HTTP probe against port 8080 instead
# (e.g. a Kubernetes httpGet livenessProbe / readinessProbe).
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Fixed, non-root uid/gid so volume ownership is predictable across hosts.
# The data directory is created and chowned BEFORE the VOLUME declaration, so
# a fresh named volume is initialised with strata as its owner.
RUN groupadd --system --gid 10001 strata \
 && useradd --system --uid 10001 --gid 10001 \
      --home-dir /var/lib/strata --no-create-home \
      --shell /usr/sbin/nologin strata \
 && mkdir -p /var/lib/strata \
 && chown strata:strata /var/lib/strata

COPY --from=builder /app/target/release/strata /usr/local/bin/strata

ENV STRATA_LOG_FORMAT=json
WORKDIR /var/lib/strata
# Numeric so that runtimes enforcing runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
VOLUME ["/var/lib/strata"]
EXPOSE 8080

ENTRYPOINT ["/usr/local/bin/strata"]
CMD ["serve", "--bind", "0.0.0.0:8080", "--data-dir", "/var/lib/strata"]
