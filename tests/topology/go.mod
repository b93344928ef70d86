module github.com/taskpilotai/taskpilot/tests/topology

go 1.26.0

replace (
	github.com/taskpilotai/taskpilot/pkg => ../../pkg
	github.com/taskpilotai/taskpilot/services/chat-service => ../../services/chat-service
	github.com/taskpilotai/taskpilot/services/session-service => ../../services/session-service
	github.com/taskpilotai/taskpilot/tests/reliability => ../reliability
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.12.0 // indirect
	github.com/mattn/go-shellwords v1.0.14 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/taskpilotai/taskpilot/pkg v0.0.0 // indirect
	github.com/taskpilotai/taskpilot/tests/reliability v0.0.0 // indirect
	go.opentelemetry.io/proto/otlp v1.11.0 // indirect
	go.yaml.in/yaml/v2 v2.4.4 // indirect
	golang.org/x/text v0.44.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	helm.sh/helm/v3 v3.22.0 // indirect
	k8s.io/api v0.37.2 // indirect
	sigs.k8s.io/yaml v1.6.0 // indirect
)
