# Two stages: build with the Rust toolchain, run on a slim Debian with only the binary.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p podium && cp target/release/podium /podium

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /data podium \
    && mkdir /data && chown podium /data
COPY --from=build /podium /usr/local/bin/podium
USER podium
ENV PODIUM_DATA_DIR=/data PORT=8000
VOLUME /data
EXPOSE 8000
# The site stops gracefully on SIGTERM (docker stop).
CMD ["podium", "serve"]
