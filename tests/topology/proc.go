package topology

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Proc is one process the topology started, in a process group of its own
// so that stopping it stops whatever it forked (nginx's workers).
type Proc struct {
	Name string
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{}
	err  error // Wait's result, set before done closes
}

// logBuffer keeps the last part of a process's output (for failures).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const logKeep = 256 << 10

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.buf.Len() > 2*logKeep {
		tail := append([]byte(nil), l.buf.Bytes()[l.buf.Len()-logKeep:]...)
		l.buf.Reset()
		l.buf.Write(tail)
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startProc starts bin with args and exactly env (nothing inherited), in
// dir, in a new process group.
func startProc(name, bin string, args []string, env []string, dir string) (*Proc, error) {
	cmd := exec.Command(bin, args...) //nolint:noctx // a long-lived process, stopped by Stop (SIGTERM, grace, SIGKILL), not by a context
	cmd.Env = env
	cmd.Dir = dir
	p := &Proc{Name: name, cmd: cmd, logs: &logBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	// Its own group (Stop signals the group), and SIGKILL if the topology's
	// process dies without stopping it (a test binary's timeout panic).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Logs returns the tail of the process's output.
func (p *Proc) Logs() string { return p.logs.String() }

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is the process's exit error (nil for exit 0); valid after Done.
func (p *Proc) Err() error { return p.err }

// Signal sends sig to the process (not its group).
func (p *Proc) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s to %s: %w", sig, p.Name, err)
	}
	return nil
}

// Stop sends SIGTERM to the process group, waits up to grace, then kills
// the group; it returns once the process has exited.
func (p *Proc) Stop(grace time.Duration) {
	pgid := p.cmd.Process.Pid
	if !p.Exited() {
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
		}
	}
	// The leader may be gone while children live on: kill the group.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-p.done
}

// freeAddr returns a free 127.0.0.1 address (host:port).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") //nolint:noctx // a momentary listen that picks a free port
	if err != nil {
		return "", fmt.Errorf("pick a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// errExited marks a wait that cannot succeed: the process is gone.
var errExited = errors.New("process exited")

// waitFor polls cond every 50ms until it returns nil, ctx ends or timeout
// passes; it returns cond's last error.
func waitFor(ctx context.Context, timeout time.Duration, cond func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var err error
	for {
		if err = cond(); err == nil {
			return nil
		}
		if errors.Is(err, errExited) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
