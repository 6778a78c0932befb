# authctl as a container, for running `authctl bootstrap` as a Kubernetes Job
# next to the stack (the admin APIs are reachable only inside the cluster).
#
#   docker build -t authctl --build-arg VERSION=$(git describe --tags) .
#
# Minimal and non-root: a static binary on distroless (no shell, no package
# manager), user 65532, read-only root filesystem friendly (it writes
# nothing but stdout/stderr). See deploy/job/bootstrap.yaml for the Job.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=none
ARG DATE=unknown
RUN CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath \
      -ldflags "-s -w -X github.com/authctl/authctl/internal/cli.Version=${VERSION} -X github.com/authctl/authctl/internal/cli.Commit=${COMMIT} -X github.com/authctl/authctl/internal/cli.Date=${DATE}" \
      -o /out/authctl ./cmd/authctl

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/authctl /usr/local/bin/authctl
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/authctl"]
CMD ["bootstrap", "--help"]
