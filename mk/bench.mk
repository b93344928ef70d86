# Load benchmarks (issue: performance). `make bench-load` runs a short pass of
# every scenario against the all-in-one binary, the bare-Fiber limit and the
# Node peer (after `make bench-peers`), and prints the table with ratios.

.PHONY: bench-load bench-load-full bench-peers

bench-load: ## Short load pass of every scenario (taskpilot vs limit vs Node peer)
	bash bench/run.sh short

bench-load-full: ## Full-size load pass (10k streams, 100k-item thread; several minutes)
	bash bench/run.sh full

bench-peers: ## Install the Node peer (chatkit-node-backend-sdk) used by the load benchmarks
	cd bench/peers/node && npm ci --no-audit --no-fund
