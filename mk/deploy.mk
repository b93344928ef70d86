# Kubernetes: Helm chart, images, skaffold dev loop (charts/taskpilot,
# deploy/, skaffold.yaml). The chart, dashboard, alert, skaffold and
# Dockerfile checks are Go tests in deploy/test, run by `go test work`; the
# test that builds both service binaries like their images and runs them
# like their pods is slower and runs here with its own timeout.

# (mk/go.mk defines these too; it is included after this file.)
GO            ?= go
BIN           ?= bin
HELM          ?= $(BIN)/helm
CHART         := charts/taskpilot
DOCKER        ?= docker
SKAFFOLD      ?= skaffold
IMAGE_TAG     ?= dev
# helm reports this Kubernetes version to charts when no cluster is asked
# (helm template, lint): the client-go minor version of the pinned helm,
# as helm's own release builds do.
HELM_LDFLAGS  := -s -w -X helm.sh/helm/v3/internal/version.version=v3.22.0 \
  -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=37 \
  -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37

TEST_TARGETS += test-deploy-binaries

.PHONY: helm-lint helm-template images dev sync-rules test-deploy test-deploy-binaries

# The helm CLI, built from the version deploy/test/go.mod pins (no download
# of a prebuilt binary needed).
$(BIN)/helm: deploy/test/go.mod deploy/test/go.sum
	@echo "building helm v3.22.0 into $(BIN)/ (once)"
	GOWORK=off $(GO) -C deploy/test build -trimpath -ldflags "$(HELM_LDFLAGS)" -o $(CURDIR)/$(BIN)/helm helm.sh/helm/v3/cmd/helm

helm-lint: $(HELM) ## helm lint --strict the chart with its defaults and every ci/*-values.yaml
	$(HELM) lint --strict $(CHART)
	@set -e; for f in $(CHART)/ci/*-values.yaml deploy/values-*.yaml; do \
	  echo "== helm lint --strict -f $$f"; $(HELM) lint --strict $(CHART) -f $$f; done

helm-template: $(HELM) ## Render the chart with its defaults (release t) to stdout
	$(HELM) template t $(CHART) --namespace taskpilot

images: ## Build the three images with docker (taskpilot-{session-service,chat-service,frontend}:$(IMAGE_TAG))
	$(DOCKER) build -f services/session-service/Dockerfile -t taskpilot-session-service:$(IMAGE_TAG) .
	$(DOCKER) build -f services/chat-service/Dockerfile -t taskpilot-chat-service:$(IMAGE_TAG) .
	$(DOCKER) build -f deploy/frontend.Dockerfile -t taskpilot-frontend:$(IMAGE_TAG) .

dev: ## skaffold dev on the current kube context (kind/minikube: see deploy/kind.md)
	$(SKAFFOLD) dev --profile dev --port-forward

sync-rules: ## Copy deploy/prometheus/rules.yaml into the chart (the tests check they match)
	cp deploy/prometheus/rules.yaml $(CHART)/files/prometheus-rules.yaml

test-deploy: ## The chart/dashboard/alert/skaffold/Dockerfile tests alone (deploy/test)
	$(GO) test $(GO_TEST_FLAGS) ./deploy/test/

test-deploy-binaries: ## Build both services like their Dockerfiles and run them like their pods
	DEPLOY_BINARY_TESTS=1 $(GO) test $(GO_TEST_FLAGS) -count=1 -timeout 40m -run 'TestServiceBinariesRunLikeTheirPods|TestChatServiceReplicasShareOnePostgreSQL' ./deploy/test/
