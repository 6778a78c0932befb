// Package stack starts the real servers that authctl's end-to-end tests run
// against (Ory Kratos, Hydra and Oathkeeper, etcd and kube-apiserver) on
// loopback, each on random free ports, and stops them on t.Cleanup.
//
// The binaries are built once by hack/e2e-tools.sh at the versions pinned in
// hack/versions.env and cached under the directory that
// `hack/e2e-tools.sh --print` prints. This package reads the same file and
// computes the same directory, so both always agree on which build is used.
//
// Server configs are taken as the caller gives them (for example the config
// extracted from a rendered ConfigMap). The harness only rewrites what must
// change to run on loopback (listen addresses, ports, URLs that embed them,
// the database DSN, TLS material and file paths); every start function
// reports those rewrites so a test can print them. Everything else is passed
// to the real server unchanged, so a config the real server rejects fails
// with the server's own message.
package stack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// SkipEnv is the environment variable that, when set to "skip", makes
// Require skip real-server tests. Any other value (or none) runs them.
const SkipEnv = "AUTHCTL_E2E"

// Require skips the test only when AUTHCTL_E2E=skip. Otherwise the test runs
// and a missing binary is a test failure, not a skip: a green run must mean
// the real servers were exercised.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(SkipEnv) == "skip" {
		t.Skipf("%s=skip: not running real-server tests", SkipEnv)
	}
}

// Tool names as used by hack/e2e-tools.sh and the cache layout.
const (
	ToolKratos        = "kratos"
	ToolHydra         = "hydra"
	ToolOathkeeper    = "oathkeeper"
	ToolKubeAPIServer = "kube-apiserver"
	ToolEtcd          = "etcd"
	// ToolGoreleaser validates the release config (not a server).
	ToolGoreleaser = "goreleaser"
	// ToolMailpit is the SMTP server the browser tests read mail from.
	ToolMailpit = "mailpit"
	// The single-node cluster of test/e2e/cluster.
	ToolKubeControllerManager = "kube-controller-manager"
	ToolKubeScheduler         = "kube-scheduler"
	ToolKubelet               = "kubelet"
	ToolKubeProxy             = "kube-proxy"
	ToolCoreDNS               = "coredns"
	ToolKubeRouter            = "kube-router"
	// ToolOathkeeperMaester reconciles Rule objects on the node.
	ToolOathkeeperMaester = "oathkeeper-maester"
)

// versionKeys maps a tool to its variable in hack/versions.env.
var versionKeys = map[string]string{
	ToolKratos:                "KRATOS_VERSION",
	ToolHydra:                 "HYDRA_VERSION",
	ToolOathkeeper:            "OATHKEEPER_VERSION",
	ToolKubeAPIServer:         "KUBERNETES_VERSION",
	ToolGoreleaser:            "GORELEASER_VERSION",
	ToolMailpit:               "MAILPIT_VERSION",
	ToolEtcd:                  "ETCD_VERSION",
	ToolKubeControllerManager: "KUBERNETES_VERSION",
	ToolKubeScheduler:         "KUBERNETES_VERSION",
	ToolKubelet:               "KUBERNETES_VERSION",
	ToolKubeProxy:             "KUBERNETES_VERSION",
	ToolCoreDNS:               "COREDNS_VERSION",
	ToolKubeRouter:            "KUBE_ROUTER_VERSION",
	ToolOathkeeperMaester:     "OATHKEEPER_MAESTER_VERSION",
	"kubelogin":               "KUBELOGIN_VERSION",
}

// RepoRoot returns the directory holding go.mod, found by walking up from
// the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("stack: no go.mod found above the working directory")
		}
		dir = parent
	}
}

// Versions parses hack/versions.env (KEY=VALUE lines, # comments).
func Versions() (map[string]string, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	return parseVersionsFile(filepath.Join(root, "hack", "versions.env"))
}

func parseVersionsFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		v = strings.Trim(v, `"'`)
		out[strings.TrimSpace(k)] = v
	}
	return out, sc.Err()
}

// CacheDir returns the binary cache directory exactly as hack/e2e-tools.sh
// computes it: $AUTHCTL_E2E_CACHE, else $XDG_CACHE_HOME/authctl/e2e, else
// $HOME/.cache/authctl/e2e.
func CacheDir() (string, error) {
	if d := os.Getenv("AUTHCTL_E2E_CACHE"); d != "" {
		return d, nil
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "authctl", "e2e"), nil
	}
	home := os.Getenv("HOME")
	if home == "" {
		return "", errors.New("stack: none of AUTHCTL_E2E_CACHE, XDG_CACHE_HOME, HOME is set")
	}
	return filepath.Join(home, ".cache", "authctl", "e2e"), nil
}

// BinaryPath returns <cache>/<tool>-<version>/bin/<tool> for a pinned tool,
// and an error saying how to build it when the file is missing.
func BinaryPath(tool string) (string, error) {
	key, ok := versionKeys[tool]
	if !ok {
		return "", fmt.Errorf("stack: unknown tool %q", tool)
	}
	versions, err := Versions()
	if err != nil {
		return "", fmt.Errorf("stack: reading hack/versions.env: %w", err)
	}
	version := versions[key]
	if version == "" {
		return "", fmt.Errorf("stack: %s is not set in hack/versions.env", key)
	}
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(cache, tool+"-"+version, "bin", tool)
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("stack: %s %s not found at %s: run hack/e2e-tools.sh %s", tool, version, p, tool)
	}
	return p, nil
}

// Binary is BinaryPath that fails the test when the binary is missing.
func Binary(t testing.TB, tool string) string {
	t.Helper()
	p, err := BinaryPath(tool)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return p
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Ports handed out in one test binary are never repeated, so two servers
// started by the same process do not race for one port.
func FreePort(t testing.TB) int {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatalf("stack: finding a free port: %v", err)
	}
	return p
}

var (
	portMu   sync.Mutex
	usedPort = map[int]bool{}
)

func freePort() (int, error) {
	portMu.Lock()
	defer portMu.Unlock()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !usedPort[p] {
			usedPort[p] = true
			return p, nil
		}
	}
	return 0, errors.New("no unused port after 50 tries")
}

// Kubectl runs the kubectl found on PATH with --kubeconfig (omitted when
// kubeconfig is empty) and args, and returns its stdout and stderr.
// kubectl's discovery cache goes to a per-test directory.
func Kubectl(t testing.TB, kubeconfig string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		return "", "", fmt.Errorf("stack: kubectl not on PATH: %w", err)
	}
	var full []string
	if kubeconfig != "" {
		full = append(full, "--kubeconfig", kubeconfig)
	}
	full = append(full, args...)
	cmd := exec.Command(bin, full...)
	cmd.Env = append(os.Environ(), "KUBECACHEDIR="+kubectlCacheDir(t))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if err != nil {
		err = fmt.Errorf("kubectl %s: %w: %s", strings.Join(full, " "), err, strings.TrimSpace(e.String()))
	}
	return o.String(), e.String(), err
}

var (
	kcacheMu sync.Mutex
	kcache   = map[testing.TB]string{}
)

func kubectlCacheDir(t testing.TB) string {
	kcacheMu.Lock()
	defer kcacheMu.Unlock()
	if d, ok := kcache[t]; ok {
		return d
	}
	d := t.TempDir()
	kcache[t] = d
	t.Cleanup(func() {
		kcacheMu.Lock()
		delete(kcache, t)
		kcacheMu.Unlock()
	})
	return d
}

// reuse returns the data directory and ports a server starts with: the
// given ones (a restart), else a new temporary directory and free ports.
func reuse(t testing.TB, dir string, pub, adm int) (string, int, int) {
	if dir == "" {
		dir = t.TempDir()
	}
	if pub == 0 {
		pub = FreePort(t)
	}
	if adm == 0 {
		adm = FreePort(t)
	}
	return dir, pub, adm
}
