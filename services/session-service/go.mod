module github.com/taskpilotai/taskpilot/services/session-service

go 1.26.0

require github.com/taskpilotai/taskpilot/pkg v0.0.0

replace github.com/taskpilotai/taskpilot/pkg => ../../pkg
