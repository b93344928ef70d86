# Load benchmarks (issue: performance). `make bench-load` runs a short pass of
# every scenario against the all-in-one binary, the bare-Fiber limit and the
# Node peer (after `make bench-peers`): saturation rows (closed loop), then
# fixed-rate rows (open loop, latency from each request's slot) at half of
# taskpilot's closed-loop throughput (SESSION_RATE, TURN_RATE or RATE_SHARE
# change that), and prints the table with ratios and the issue's targets
# (met or missed). TASKPILOT_BIN=<binary> measures another build.

.PHONY: bench-load bench-load-full bench-peers

bench-load: ## Short load pass of every scenario (taskpilot vs limit vs Node peer), saturation and fixed rate, with the targets
	bash bench/run.sh short

bench-load-full: ## Full-size load pass (10k streams, 100k-item thread; several minutes)
	bash bench/run.sh full

# better-sqlite3 (the durable peer's store) builds from source when no
# prebuilt binary can be fetched: node-gyp then uses the installed node's own
# headers (include/node beside its binary) instead of downloading them.
bench-peers: ## Install the Node peers (chatkit-node-backend-sdk; in-memory and SQLite stores) used by the load benchmarks
	cd bench/peers/node && nodedir=$$(dirname "$$(dirname "$$(readlink -f "$$(command -v node)")")") && \
	  if [ -f "$$nodedir/include/node/node.h" ]; then export npm_config_nodedir="$$nodedir"; fi && \
	  npm ci --no-audit --no-fund
