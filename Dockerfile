# The image a Kubernetes sweep runs (`overfit sweep k8s --image …`): the overfit CLI alone, on
# burn's CPU backend. Build it from the repository's root:
#   docker build -t overfit:latest .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The workspace's one native profile (dev: burn and its kernels optimised).
RUN cargo build --locked -p overfit-cli && cp target/debug/overfit /overfit

FROM debian:bookworm-slim
COPY --from=build /overfit /usr/local/bin/overfit
# No root in the pods; the sweep volume must be writable by this user.
USER 65534:65534
CMD ["overfit", "list"]
