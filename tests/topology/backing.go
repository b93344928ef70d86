package topology

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"time"

	"github.com/jackc/pgx/v5"
)

// database is a PostgreSQL database of the topology's own on a shared
// server, created with a random name and dropped at the end (others use
// the server at the same time).
type database struct {
	admin string // URL of the server's admin database
	name  string
}

func createDatabase(ctx context.Context, adminURL string) (*database, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	d := &database{admin: adminURL, name: "topology_" + hex.EncodeToString(b)}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{d.name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", d.name, err)
	}
	return d, nil
}

// url returns the database's URL through addr (host:port).
func (d *database) url(addr string) (string, error) {
	u, err := url.Parse(d.admin)
	if err != nil {
		return "", fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	u.Host = addr
	u.Path = "/" + d.name
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (d *database) drop(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", d.name, err)
	}
	return nil
}

// redisServer is a Redis of the topology's own (it is stopped and started
// by the tests): loopback, no persistence.
type redisServer struct {
	bin, addr, dir string
	proc           *Proc
}

func (r *redisServer) start(ctx context.Context) error {
	host, port, _ := net.SplitHostPort(r.addr)
	p, err := startProc("redis", r.bin, []string{"--bind", host, "--port", port, "--save", "", "--appendonly", "no", "--dir", r.dir}, nil, r.dir)
	if err != nil {
		return err
	}
	r.proc = p
	return waitFor(ctx, 20*time.Second, func() error {
		if p.Exited() {
			return fmt.Errorf("redis-server exited: %s", p.Logs())
		}
		d := net.Dialer{Timeout: time.Second}
		c, err := d.DialContext(ctx, "tcp", r.addr)
		if err != nil {
			return err
		}
		defer func() { _ = c.Close() }()
		_ = c.SetDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		buf := make([]byte, 7)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "+PONG\r\n" {
			return fmt.Errorf("redis PING: %q %w", buf[:n], err)
		}
		return nil
	})
}

func (r *redisServer) stop() {
	if r.proc != nil {
		r.proc.Stop(5 * time.Second)
	}
}

// lookPath finds a program in PATH or in the sbin directories (Debian puts
// nginx in /usr/sbin).
func lookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not installed (.ci/setup.d installs it)", name)
}
