# ChatKit server (pkg/chatkit) and chat-service (services/chat-service).

TEST_TARGETS += test-fuzz

.PHONY: test-fuzz bench-chat

## test-fuzz: fuzz ChatKit request decoding for 10s (FuzzDecodeRequest)
test-fuzz:
	cd pkg/chatkit && go test -run '^$$' -fuzz '^FuzzDecodeRequest$$' -fuzztime=10s .

## bench-chat: ChatKit benchmarks: a full turn over HTTP (Fiber binding on memstore and SQLite; the library's net/http Handler, direct and via fasthttpadaptor) and items.list on a 10k-item thread
bench-chat:
	cd pkg && go test -run '^$$' -bench 'BenchmarkTurnHTTP|BenchmarkItemsList10k' -benchmem ./chatfiber
