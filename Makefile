# TaskPilotAI. `make` lists the targets. Areas add their own in mk/<area>.mk
# (and test targets to TEST_TARGETS); see docs/CONTRACTS.md.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TEST_TARGETS := test-go

-include mk/*.mk

.PHONY: help test

help: ## List the targets
	@awk 'BEGIN {FS = ":"} \
	  /^## [A-Za-z0-9_.-]+: / { sub(/^## /, ""); n = index($$0, ":"); printf "  \033[36m%-22s\033[0m %s\n", substr($$0, 1, n-1), substr($$0, n+2); next } \
	  /^[A-Za-z0-9_.-]+:.*## / { split($$0, a, "## "); printf "  \033[36m%-22s\033[0m %s\n", $$1, a[2] }' \
	  $(MAKEFILE_LIST) | sort -u

test: $(TEST_TARGETS) ## Run every test suite (Go, plus what mk/*.mk adds)
