// Command chat-service serves the ChatKit endpoint (POST /api/v1/chatkit),
// the task REST API and the MCP endpoint.
package main

import (
	"os"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/services/chat-service/chatsvc"
)

func main() {
	startup.Main(startup.Binary{Target: config.ChatService, LogOut: os.Stdout,
		Services: []startup.Builder{chatsvc.Build}})
}
