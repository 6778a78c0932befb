# authctl developer tasks. `make test` runs hack/test.sh, the command CI runs (.ci/run).
GO ?= go
BINS := authctl authctl-cluster authctl-get-token
VERSION ?= dev
LDFLAGS := -s -w -X github.com/authctl/authctl/internal/cli.Version=$(VERSION)

.PHONY: build test unit e2e-tools demo golden fmt vet clean

# All three binaries, installed together (README: Install).
build:
	@mkdir -p bin
	for b in $(BINS); do $(GO) build -ldflags "$(LDFLAGS)" -o bin/$$b ./cmd/$$b || exit 1; done

# The whole suite, real servers included. The first run builds the pinned
# Kratos, Hydra, Oathkeeper, kube-apiserver, etcd and goreleaser (about 25
# minutes on two cores) and the real node's parts (about 30 minutes more);
# later runs reuse the cache (README: Run the whole test suite).
test:
	hack/test.sh

# Unit tests only (no real servers).
unit:
	AUTHCTL_E2E=skip $(GO) test ./...

e2e-tools:
	hack/e2e-tools.sh

# Render the bundled minimal example.
demo:
	$(GO) run ./cmd/authctl secrets generate -f examples/minimal.yaml
	$(GO) run ./cmd/authctl render -f examples/minimal.yaml

golden:
	$(GO) test ./pkg/render -update

fmt:
	gofmt -w cmd internal pkg templates test hack

vet:
	$(GO) vet ./...

clean:
	rm -rf bin dist
