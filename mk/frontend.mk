# Front end (frontend/): Next.js static export served by the all-in-one binary at "/".

FRONTEND_DIR  := frontend
FRONTEND_DEPS := $(FRONTEND_DIR)/node_modules/.package-lock.json
FRONTEND_SRC  := $(shell find $(FRONTEND_DIR)/app $(FRONTEND_DIR)/components $(FRONTEND_DIR)/lib -type f 2>/dev/null) \
                 $(FRONTEND_DIR)/package.json $(FRONTEND_DIR)/package-lock.json \
                 $(FRONTEND_DIR)/next.config.ts $(FRONTEND_DIR)/tsconfig.json

TEST_TARGETS += test-frontend

.PHONY: frontend-install frontend-build test-frontend test-frontend-unit test-frontend-browser frontend-size

## frontend-install: Install the front end's locked dependencies (npm ci)
frontend-install:
	cd $(FRONTEND_DIR) && npm ci --no-audit --no-fund

$(FRONTEND_DEPS): $(FRONTEND_DIR)/package-lock.json
	cd $(FRONTEND_DIR) && npm ci --no-audit --no-fund

## frontend-build: Build the static export into frontend/out
frontend-build: $(FRONTEND_DEPS)
	cd $(FRONTEND_DIR) && NEXT_TELEMETRY_DISABLED=1 npx next build
	cd $(FRONTEND_DIR) && node scripts/csp.mjs out
	@touch $(FRONTEND_DIR)/out

# A file target: `make run` depends on it, so the export is built when missing or stale.
$(FRONTEND_DIR)/out: $(FRONTEND_DEPS) $(FRONTEND_SRC) $(FRONTEND_DIR)/scripts/csp.mjs
	cd $(FRONTEND_DIR) && NEXT_TELEMETRY_DISABLED=1 npx next build
	cd $(FRONTEND_DIR) && node scripts/csp.mjs out
	@touch $@

## test-frontend: Front-end unit tests (vitest) and browser tests (Chromium against the real binary)
test-frontend: test-frontend-unit test-frontend-browser

test-frontend-unit: $(FRONTEND_DEPS)
	cd $(FRONTEND_DIR) && npx vitest run

test-frontend-browser: $(FRONTEND_DIR)/out
	cd $(FRONTEND_DIR) && node --test --test-concurrency=1 --test-reporter=spec browser-tests/

## frontend-size: Transfer size of the /chatkit page (JS + CSS) in the static export
frontend-size: $(FRONTEND_DIR)/out
	cd $(FRONTEND_DIR) && node scripts/page-size.mjs
