// Command taskpilot is the all-in-one local binary: session-service and
// chat-service on one Fiber app (default :8000) with an embedded SQLite
// store, serving the built front end at /. `make run` starts it.
package main

import (
	"fmt"
	"net"
	"os"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
	"github.com/taskpilotai/taskpilot/services/chat-service/chatsvc"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

// allInOneBodyLimit leaves room for chat requests carrying attachments.
const allInOneBodyLimit = 8 << 20

// binary is the all-in-one: both services, then the front end (its
// catch-all must not shadow API routes). Its log goes to stderr; stdout
// tells the person who started it where to look.
var binary = startup.Binary{
	Target:    config.AllInOne,
	Services:  []startup.Builder{sessionsvc.Build, chatsvc.Build, buildFrontend},
	LogOut:    os.Stderr,
	BodyLimit: allInOneBodyLimit,
	Announce: func(app net.Addr, metrics string) {
		if metrics != "" {
			fmt.Printf("Metrics at http://%s%s\n", metrics, telemetry.MetricsPath)
		}
		fmt.Printf("TaskPilotAI is running at %s (Ctrl-C to stop)\n", publicURL(app))
	},
}

func main() { startup.Main(binary) }

// publicURL is the address to open in a browser.
func publicURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
