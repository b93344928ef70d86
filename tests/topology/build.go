package topology

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mattn/go-shellwords"
)

// dockerBuild is the `go build` of a service's Dockerfile.
type dockerBuild struct {
	dir   string   // directory the command runs in, relative to the repository
	flags []string // build flags, without -o
	pkg   string
	env   []string // the build stage's ENV
}

var envPair = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)=(\S+)`)

// parseDockerBuild reads the first stage's ENV lines and its RUN line with
// `cd <dir> && go build ...` (continuation lines joined).
func parseDockerBuild(path string) (*dockerBuild, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read Dockerfile: %w", err)
	}
	var lines []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(l, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(l)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	b := &dockerBuild{}
	stage := 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "FROM "):
			stage++
		case stage == 1 && strings.HasPrefix(l, "ENV "):
			for _, m := range envPair.FindAllStringSubmatch(l, -1) {
				b.env = append(b.env, m[1]+"="+m[2])
			}
		case stage == 1 && strings.HasPrefix(l, "RUN ") && strings.Contains(l, "go build"):
			i := strings.Index(l, "cd ")
			if i < 0 {
				return nil, fmt.Errorf("%s: expected `cd <dir> && go build ...`", path)
			}
			dir, rest, ok := strings.Cut(l[i+len("cd "):], " && ")
			if !ok {
				return nil, fmt.Errorf("%s: expected `cd <dir> && go build ...`", path)
			}
			b.dir = dir
			args, err := shellwords.Parse(strings.TrimPrefix(rest, "go build"))
			if err != nil {
				return nil, fmt.Errorf("%s: parse go build: %w", path, err)
			}
			for i := 0; i < len(args); i++ {
				switch a := args[i]; {
				case a == "-o":
					i++
				case strings.HasPrefix(a, "-"):
					// skaffold debug's gcflags are empty in a normal build.
					b.flags = append(b.flags, strings.ReplaceAll(a, "${SKAFFOLD_GO_GCFLAGS}", ""))
				default:
					b.pkg = a
				}
			}
		}
	}
	if b.dir == "" || b.pkg == "" {
		return nil, fmt.Errorf("%s: no `go build` in its build stage", path)
	}
	return b, nil
}

// imageNginxFiles reads the COPY lines of a Dockerfile's last stage that
// put files under /etc/nginx/ (other than nginx.conf) and maps each
// destination to its local source: the build context is the repository
// (/src in the build stage), and the build stage's frontend/out is
// staticDir.
func imageNginxFiles(dockerfile, repo, staticDir string) (map[string]string, error) {
	raw, err := os.ReadFile(dockerfile)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dockerfile, err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "FROM ") {
			clear(out) // only the last stage counts
			continue
		}
		if !strings.HasPrefix(l, "COPY ") {
			continue
		}
		var args []string
		for _, f := range strings.Fields(strings.TrimPrefix(l, "COPY ")) {
			if !strings.HasPrefix(f, "--") {
				args = append(args, f)
			}
		}
		if len(args) != 2 || !strings.HasPrefix(args[1], "/etc/nginx/") || args[1] == "/etc/nginx/nginx.conf" {
			continue
		}
		src := strings.TrimPrefix(args[0], "/src/")
		if rest, ok := strings.CutPrefix(src, "frontend/out/"); ok {
			out[args[1]] = filepath.Join(staticDir, rest)
		} else {
			out[args[1]] = filepath.Join(repo, src)
		}
	}
	return out, nil
}

// BuildService builds services/<svc> into outDir with its Dockerfile's go
// build command, flags and build-stage environment (GOWORK=off,
// CGO_ENABLED=0, ...), and returns the binary's path.
func BuildService(ctx context.Context, repo, svc, outDir string) (string, error) {
	b, err := parseDockerBuild(filepath.Join(repo, "services", svc, "Dockerfile"))
	if err != nil {
		return "", err
	}
	out := filepath.Join(outDir, svc)
	args := append(append([]string{"build"}, b.flags...), "-o", out, b.pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	// The Dockerfile's /src is the repository root.
	cmd.Dir = filepath.Join(repo, b.dir)
	cmd.Env = append(os.Environ(), b.env...)
	if o, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s (in %s): %w\n%s", strings.Join(args, " "), b.dir, err, o)
	}
	return out, nil
}
