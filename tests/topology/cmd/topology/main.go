// Command topology runs TaskPilotAI's production shape on this machine
// (tests/topology): 2+2 service replicas built like their images, the front
// end, nginx as the ingress, PostgreSQL, Redis, Prometheus. It prints the
// URLs and runs until Ctrl-C or SIGTERM, then stops everything it started.
//
//	go run ./tests/topology/cmd/topology   (make topology)
//
// Flags: -offline-agent runs chat-service with the offline agent (no model
// key) instead of the fake model; -rate-limit N sets the chart's
// config.rateLimitPerMinute; -ready-file F writes the URLs as JSON to F once
// everything is up (bench/run.sh waits for it).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/tests/topology"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "topology:", err)
		os.Exit(1)
	}
}

func run() error {
	offline := flag.Bool("offline-agent", false, "chat-service runs the offline agent instead of the fake model")
	rateLimit := flag.Int("rate-limit", -1, "the chart's config.rateLimitPerMinute (-1: the values file's)")
	readyFile := flag.String("ready-file", "", "write the URLs as JSON to this file once up")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	values := map[string]any{}
	if *rateLimit >= 0 {
		values["config"] = map[string]any{"rateLimitPerMinute": *rateLimit}
	}
	startCtx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	t, err := topology.Start(startCtx, topology.Options{
		Repo: repo, PostgresURL: storagetest.PostgresURL(), Logger: log,
		OfflineAgent: *offline, Values: values,
	})
	if err != nil {
		return err
	}
	defer t.Close()
	fmt.Printf("\nTaskPilotAI production topology is up:\n")
	fmt.Printf("  ingress (app)   %s/\n", t.IngressURL)
	fmt.Printf("  prometheus      %s/\n", t.PrometheusURL)
	pods := map[string][]string{}
	for _, p := range t.Pods("") {
		fmt.Printf("  %-15s %s  (%s)\n", p.Component, p.URL, p.Name)
		pods[p.Component] = append(pods[p.Component], p.URL)
	}
	fmt.Printf("  ingress config  %s\n", t.IngressConfigDir())
	if *offline {
		fmt.Println("The chat agent is the offline agent. Ctrl-C stops everything.")
	} else {
		fmt.Printf("The chat agent is a fake OpenAI model answering %q. Ctrl-C stops everything.\n", "Noted.")
	}
	if *readyFile != "" {
		b, err := json.Marshal(map[string]any{"ingress": t.IngressURL, "prometheus": t.PrometheusURL, "pods": pods})
		if err != nil {
			return err
		}
		if err := os.WriteFile(*readyFile, b, 0o600); err != nil {
			return fmt.Errorf("write ready file: %w", err)
		}
	}
	<-ctx.Done()
	fmt.Println("\nstopping…")
	return nil
}

// repoRoot walks up from the working directory to the one holding go.work.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work above the working directory: run from the repository")
		}
		dir = parent
	}
}
