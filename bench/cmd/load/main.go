// Command load drives TaskPilotAI's API and prints latency and throughput.
//
//	load run -scenario turn -target http://127.0.0.1:8000 -c 64 -d 10s -out bench/results
//	load run -scenario session -c 256 -rate 10000 -d 10s   (open loop: a fixed rate)
//	load report bench/results
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/taskpilotai/taskpilot/bench/load"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: load run [flags] | load report DIR")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "report":
		if len(args) != 2 {
			return fmt.Errorf("usage: load report DIR")
		}
		results, err := load.ReadDir(args[1])
		if err != nil {
			return err
		}
		load.Table(os.Stdout, results)
		return nil
	case "run":
		var o load.Options
		var out string
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		fs.StringVar(&o.Scenario, "scenario", "turn", "session, turn, history or streams")
		fs.StringVar(&o.Target, "target", "http://127.0.0.1:8000", "base URL of the server")
		fs.StringVar(&o.Label, "label", load.Subject, "name of the target in the report")
		fs.StringVar(&o.ChatPath, "chat-path", "/api/v1/chatkit", "path of the ChatKit endpoint")
		fs.BoolVar(&o.NoAuth, "no-auth", false, "do not mint a session secret (peers without a session endpoint)")
		fs.IntVar(&o.Concurrency, "c", 16, "concurrent workers (streams: opening rate bound)")
		fs.DurationVar(&o.Duration, "d", 5*time.Second, "measured duration (0: use -n)")
		fs.IntVar(&o.Requests, "n", 0, "measured requests when -d is 0")
		fs.DurationVar(&o.Warmup, "warmup", time.Second, "unmeasured warm-up")
		fs.IntVar(&o.ServerPID, "pid", 0, "server process id, for its memory (RSS)")
		fs.StringVar(&o.Message, "message", "", "user text of each turn")
		fs.IntVar(&o.HistoryItems, "items", 1000, "history: items in the thread")
		fs.IntVar(&o.Streams, "streams", 1000, "streams: streams held open at once")
		fs.Float64Var(&o.Rate, "rate", 0, "open loop: operations per second in total, on a fixed schedule over the -c workers; latency runs from each one's slot (0: closed loop)")
		fs.StringVar(&out, "out", "", "directory for the JSON result")
		cpuprofile := fs.String("cpuprofile", "", "write the load tool's own CPU profile to this file")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *cpuprofile != "" {
			stopProfile, err := startProfile(*cpuprofile)
			if err != nil {
				return err
			}
			defer stopProfile()
		}
		res, err := load.Run(ctx, o)
		if err != nil {
			return err
		}
		fmt.Println(res)
		if out != "" {
			return load.WriteJSON(out, res)
		}
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
