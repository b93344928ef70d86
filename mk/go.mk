# Go workspace: every module listed in go.work.

GO           ?= go
GO_MODULES   := $(shell $(GO) list -m -f '{{.Dir}}' 2>/dev/null)
BIN          := bin
GOLANGCI_LINT := $(BIN)/golangci-lint
GO_TEST_FLAGS ?=
# Every module the tidy check covers: the workspace's, plus tools/ (it holds
# only a `tool` directive, so it is tidied, not built).
TIDY_MODULES := $(GO_MODULES) $(CURDIR)/tools

TEST_TARGETS += tidy-check

# `make run` builds the front end first when it can (mk/frontend.mk defines
# the frontend/out target; npm must be installed), else serves the API only.
RUN_DEPS :=
ifneq ($(and $(wildcard frontend/package.json),$(wildcard mk/frontend.mk),$(shell command -v npm 2>/dev/null)),)
RUN_DEPS += frontend/out
endif

.PHONY: run build test-go test-race vet lint bench bench-go fmt check-fmt tidy-check

run: $(RUN_DEPS) ## Build and start the all-in-one app on :8000 (front end, both services, SQLite)
	@if [ -f frontend/package.json ] && [ ! -d frontend/out ]; then \
	  echo "note: front end not built (npm missing?); serving the API only"; fi
	$(GO) build -o $(BIN)/taskpilot ./cmd/taskpilot
	./$(BIN)/taskpilot

build: ## Build the binaries into bin/ (taskpilot, session-service, chat-service)
	$(GO) build -o $(BIN)/ ./cmd/taskpilot ./services/session-service ./services/chat-service

test-go: vet ## go vet and go test over every workspace module
	$(GO) test $(GO_TEST_FLAGS) work

test-race: ## go test -race over every workspace module (slower)
	$(GO) test -race $(GO_TEST_FLAGS) work

vet: ## go vet over every workspace module
	$(GO) vet work

$(GOLANGCI_LINT): tools/go.mod tools/go.sum
	@echo "building golangci-lint (once; takes a few minutes)"
	GOWORK=off $(GO) -C tools build -o ../$(BIN)/golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint

lint: vet $(GOLANGCI_LINT) ## go vet, then golangci-lint v2 in every module
	@set -e; for m in $(GO_MODULES); do \
	  echo "golangci-lint: $${m#$(CURDIR)/}"; \
	  (cd "$$m" && $(CURDIR)/$(GOLANGCI_LINT) run --config $(CURDIR)/.golangci.yml ./...); \
	done

bench: bench-go bench-load ## Go benchmarks, then a short load pass of every scenario with ratios (mk/bench.mk)

bench-go: ## Go benchmarks of every package (go test -bench)
	$(GO) test -run '^$$' -bench . -benchmem work

fmt: ## gofmt -s every Go file
	gofmt -s -w $(GO_MODULES)

tidy-check: ## Fail when a module's go.mod/go.sum is not tidy or it does not build alone (GOWORK=off)
	@set -e; for m in $(TIDY_MODULES); do \
	  echo "tidy-check: $${m#$(CURDIR)/}"; \
	  GOWORK=off $(GO) -C "$$m" mod tidy -diff || { echo "$${m#$(CURDIR)/}: run 'GOWORK=off go mod tidy' there"; exit 1; }; \
	done
	@set -e; for m in $(GO_MODULES); do \
	  echo "build alone: $${m#$(CURDIR)/}"; GOWORK=off $(GO) -C "$$m" build ./...; \
	done

check-fmt: ## Fail when a Go file is not gofmt -s clean
	@out=$$(gofmt -s -l $(GO_MODULES)); if [ -n "$$out" ]; then echo "not gofmt -s clean:"; echo "$$out"; exit 1; fi
