module github.com/taskpilotai/taskpilot/cmd/taskpilot

go 1.26.0

require (
	github.com/taskpilotai/taskpilot/pkg v0.0.0
	github.com/taskpilotai/taskpilot/services/chat-service v0.0.0
	github.com/taskpilotai/taskpilot/services/session-service v0.0.0
)

replace (
	github.com/taskpilotai/taskpilot/pkg => ../../pkg
	github.com/taskpilotai/taskpilot/services/chat-service => ../../services/chat-service
	github.com/taskpilotai/taskpilot/services/session-service => ../../services/session-service
)
