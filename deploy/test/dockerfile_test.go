package deploytest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	shellwords "github.com/mattn/go-shellwords"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// services are the Go service images: name, Dockerfile.
var services = []string{"session-service", "chat-service"}

// wantBuildFlags are the go build flags of every service image; the binary
// test builds with exactly these (read from the Dockerfile, then compared).
var wantBuildFlags = []string{"-trimpath", "-ldflags", "-s -w", "-gcflags=${SKAFFOLD_GO_GCFLAGS}"}

// wantBuildEnv is the build stage's environment that matters for the binary.
var wantBuildEnv = map[string]string{"GOWORK": "off", "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, COPY...
	args string
}

type dockerStage struct {
	from, name string
	ins        []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions (comments
// dropped, backslash continuations joined, RUN --mount flags kept in args).
func parseDockerfile(t testing.TB, path string) []dockerStage {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var (
		stages []dockerStage
		cur    strings.Builder
	)
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := dockerStage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			return
		}
		require.NotEmpty(t, stages, "%s: %s before FROM", path, in.cmd)
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if l, ok := strings.CutSuffix(strings.TrimRight(line, " \t"), `\`); ok {
			cur.WriteString(l + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	require.NoError(t, sc.Err())
	flush()
	return stages
}

// goBuild is the go build command of a build stage.
type goBuild struct {
	dir   string   // the directory RUN cds into
	flags []string // flags before -o
	out   string   // -o path
	pkg   string
	env   map[string]string
	// order: indexes of the module-file COPY, the download, the source COPY
	// and the build within the stage.
	copyModules, download, copySource, build int
	argGCFlags                               int
}

var runMountRE = regexp.MustCompile(`--mount=\S+\s*`)

// buildCommand extracts and parses the `cd <dir> && go build ...` of a stage.
func buildCommand(t testing.TB, st dockerStage) goBuild {
	t.Helper()
	b := goBuild{env: map[string]string{}, copyModules: -1, download: -1, copySource: -1, build: -1, argGCFlags: -1}
	for i, in := range st.ins {
		switch in.cmd {
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				b.env[k] = v
			}
		case "ARG":
			if strings.HasPrefix(in.args, "SKAFFOLD_GO_GCFLAGS") {
				b.argGCFlags = i
			}
		case "COPY":
			if strings.Contains(in.args, "go.mod") && b.copyModules < 0 {
				b.copyModules = i
			}
			if strings.HasPrefix(in.args, "pkg/ ") && b.copySource < 0 {
				b.copySource = i
			}
		case "RUN":
			shell := runMountRE.ReplaceAllString(in.args, "")
			if strings.Contains(shell, "go mod download") {
				b.download = i
			}
			if !strings.Contains(shell, "go build") {
				continue
			}
			b.build = i
			for _, part := range strings.Split(shell, "&&") {
				words, err := shellwords.Parse(strings.TrimSpace(part))
				require.NoError(t, err, part)
				switch {
				case len(words) == 2 && words[0] == "cd":
					b.dir = words[1]
				case len(words) > 2 && words[0] == "go" && words[1] == "build":
					args := words[2:]
					o := slices.Index(args, "-o")
					require.True(t, o >= 0 && o+2 < len(args)+1, "go build without -o: %v", args)
					b.flags = args[:o]
					b.out = args[o+1]
					b.pkg = strings.Join(args[o+2:], " ")
				}
			}
		}
	}
	return b
}

// The service Dockerfiles: module files and download before the sources (a
// cached dependency layer), the repository root as context (pkg/ is copied),
// static build with the shared flags, skaffold's gcflags hook, and a
// distroless non-root runtime exposing 8080.
func TestServiceDockerfiles(t *testing.T) {
	for _, svc := range services {
		t.Run(svc, func(t *testing.T) {
			stages := parseDockerfile(t, filepath.Join(repoRoot(t), "services", svc, "Dockerfile"))
			require.Len(t, stages, 2)
			require.Equal(t, "build", stages[0].name)
			assert.Regexp(t, `^golang:1\.26\.\d+`, stages[0].from, "the Go of go.work")

			b := buildCommand(t, stages[0])
			for k, v := range wantBuildEnv {
				assert.Equal(t, v, b.env[k], "build ENV %s", k)
			}
			assert.Equal(t, "services/"+svc, b.dir)
			assert.Equal(t, wantBuildFlags, b.flags, "go build flags")
			assert.Equal(t, ".", b.pkg)
			assert.Equal(t, "/out/"+svc, b.out)
			assert.True(t, b.copyModules >= 0 && b.copyModules < b.download && b.download < b.copySource && b.copySource < b.build,
				"COPY go.mod/go.sum, go mod download, COPY sources, go build — in that order")
			assert.True(t, b.argGCFlags >= 0 && b.argGCFlags < b.build, "ARG SKAFFOLD_GO_GCFLAGS before the build")

			rt := stages[1]
			assert.Equal(t, "gcr.io/distroless/static-debian12:nonroot", rt.from)
			var user, expose, entry string
			var copies []string
			for _, in := range rt.ins {
				switch in.cmd {
				case "USER":
					user = in.args
				case "EXPOSE":
					expose = in.args
				case "ENTRYPOINT":
					entry = in.args
				case "COPY":
					copies = append(copies, in.args)
				case "RUN":
					t.Errorf("runtime stage runs %q: distroless has no shell", in.args)
				}
			}
			assert.Contains(t, []string{"nonroot", "nonroot:nonroot", "65532", "65532:65532"}, user)
			assert.Equal(t, "8080", expose)
			assert.Equal(t, `["/`+svc+`"]`, entry, "exec form, no shell")
			assert.Equal(t, []string{"--from=build /out/" + svc + " /" + svc}, copies, "only the binary")
		})
	}
}

// The front-end image: the static export built by npm, served by
// nginx-unprivileged with the repository's nginx.conf (pid and temp files in
// /tmp, port 8080, /healthz for the probes).
func TestFrontendDockerfile(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join(repoRoot(t), "deploy", "frontend.Dockerfile"))
	require.Len(t, stages, 2)
	assert.Regexp(t, `^node:\d+`, stages[0].from)
	var build []string
	for _, in := range stages[0].ins {
		build = append(build, in.cmd+" "+in.args)
	}
	joined := strings.Join(build, "\n")
	assert.Contains(t, joined, "COPY frontend/package.json frontend/package-lock.json")
	assert.Contains(t, joined, "npm ci")
	assert.Contains(t, joined, "npm run build")
	assert.Less(t, strings.Index(joined, "npm ci"), strings.Index(joined, "COPY frontend/ "), "dependencies layer first")

	rt := stages[1]
	assert.Regexp(t, `^nginxinc/nginx-unprivileged:\d`, rt.from)
	var user, expose string
	for _, in := range rt.ins {
		switch in.cmd {
		case "USER":
			user = in.args
		case "EXPOSE":
			expose = in.args
		}
	}
	assert.Equal(t, "101", user)
	assert.Equal(t, "8080", expose)

	conf, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "frontend", "nginx.conf"))
	require.NoError(t, err)
	c := string(conf)
	assert.Contains(t, c, "pid /tmp/nginx.pid;")
	for _, d := range []string{"client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"} {
		assert.Regexp(t, d+` /tmp/`, c, "%s under /tmp (read-only root file system)", d)
	}
	assert.Contains(t, c, "listen 8080;")
	assert.Contains(t, c, "location = /healthz")

	// The chart probes the port and path nginx serves.
	objs := mustRender(t, map[string]any{}).objects(t)
	pod := podSpecs(objs)["Deployment/t-taskpilot-frontend"]
	require.NotEmpty(t, pod.Spec.Containers)
	fc := pod.Spec.Containers[0]
	assert.EqualValues(t, 8080, fc.Ports[0].ContainerPort)
	assert.Equal(t, "/healthz", fc.LivenessProbe.HTTPGet.Path)
	assert.EqualValues(t, 101, *pod.Spec.SecurityContext.RunAsUser, "the image's user")
}

// .dockerignore keeps what the images need in the context.
func TestDockerignore(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), ".dockerignore"))
	require.NoError(t, err)
	var patterns []string
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, strings.TrimSuffix(l, "/"))
		}
	}
	for _, needed := range []string{"pkg", "services", "frontend", "deploy/frontend", "deploy"} {
		assert.NotContains(t, patterns, needed, "%s is needed by an image", needed)
	}
	for _, heavy := range []string{".git", "**/node_modules", "bin"} {
		assert.Contains(t, patterns, heavy)
	}
}

// Every NEXT_PUBLIC_ setting the pages read (frontend/lib/public-env.ts) can
// be given to the front-end image build, and the API URL defaults to the
// page's own origin (what the Ingress serves).
func TestFrontendBuildArgs(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "frontend", "lib", "public-env.ts"))
	if os.IsNotExist(err) {
		t.Skip("frontend/lib/public-env.ts not present")
	}
	require.NoError(t, err)
	read := regexp.MustCompile(`process\.env\.(NEXT_PUBLIC_[A-Z0-9_]+)`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, read)
	stages := parseDockerfile(t, filepath.Join(repoRoot(t), "deploy", "frontend.Dockerfile"))
	args := map[string]string{}
	var env string
	for _, in := range stages[0].ins {
		switch in.cmd {
		case "ARG":
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		case "ENV":
			env += " " + in.args
		}
	}
	for _, m := range read {
		v, ok := args[m[1]]
		assert.True(t, ok, "ARG %s missing", m[1])
		assert.Contains(t, env, m[1]+"=${"+m[1]+"}", "ENV passes %s to npm run build", m[1])
		if m[1] == "NEXT_PUBLIC_API_URL" {
			assert.Equal(t, `""`, v, "same origin by default")
		}
	}
}
