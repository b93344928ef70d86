// Command session-service serves POST /api/chatkit/sessions.
package main

import (
	"os"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

func main() {
	startup.Main(startup.Binary{Target: config.SessionService, LogOut: os.Stdout,
		Services: []startup.Builder{sessionsvc.Build}})
}
