package stack

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// LogTailLines is how many lines of a server's log are shown on failure.
	LogTailLines = 200
	// stopGrace is how long a server gets between SIGTERM and SIGKILL.
	stopGrace = 5 * time.Second
	// maxLogBytes caps the in-memory copy of one server's log; the file in
	// t.TempDir() keeps everything.
	maxLogBytes = 8 << 20
)

// logBuffer is an io.Writer that keeps the last maxLogBytes of output in
// memory and appends everything to a file.
type logBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	file *os.File
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		_, _ = l.file.Write(p)
	}
	l.buf.Write(p)
	if l.buf.Len() > maxLogBytes {
		b := l.buf.Bytes()
		keep := append([]byte(nil), b[len(b)-maxLogBytes/2:]...)
		l.buf.Reset()
		l.buf.Write(keep)
	}
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Process is one running server. Its stdout and stderr go to an in-memory
// buffer and to LogPath.
type Process struct {
	Name    string
	Args    []string
	LogPath string

	cmd      *exec.Cmd
	log      *logBuffer
	done     chan struct{} // closed when the process has exited and its output is drained
	waitErr  error
	stopOnce sync.Once
}

// startProcess starts bin with args in its own process group. The process is
// stopped on t.Cleanup; when the test failed, the tail of its log is logged.
func startProcess(t testing.TB, name, bin string, args []string, env []string) (*Process, error) {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	lb := &logBuffer{file: f}
	pr, pw, err := os.Pipe()
	if err != nil {
		f.Close()
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = nil
	cmd.Stdout = pw
	cmd.Stderr = pw
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	pw.Close() // the child holds its own copy
	p := &Process{Name: name, Args: args, LogPath: logPath, cmd: cmd, log: lb, done: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(lb, pr)
		close(copied)
	}()
	go func() {
		p.waitErr = cmd.Wait()
		// Kill leftover children now, while the group id cannot have been
		// reused: PIDs wrap quickly on a busy machine (pid_max is 32768
		// on the build VMs), and a later kill(-pid) could hit another
		// test's process group whose leader got this pid.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		// A grandchild may still hold the pipe; the process group is
		// killed in Stop, so do not wait for EOF forever.
		select {
		case <-copied:
		case <-time.After(2 * time.Second):
		}
		pr.Close()
		lb.mu.Lock()
		f.Close()
		lb.file = nil
		lb.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- %s log (last %d lines, full log %s) ---\n%s\n--- end of %s log ---",
				name, LogTailLines, logPath, tail(p.log.String(), LogTailLines), name)
		}
	})
	return p, nil
}

// StartProcess starts a long-running helper the way the harness starts its
// servers (own process group, log in t.TempDir(), stopped on t.Cleanup, log
// tail on failure). Sibling harnesses such as test/e2e/cluster use it.
func StartProcess(t testing.TB, name, bin string, args, env []string) (*Process, error) {
	t.Helper()
	return startProcess(t, name, bin, args, env)
}

// WaitReady polls url until it answers 200, the process exits, or timeout;
// the error carries the tail of the process log.
func (p *Process) WaitReady(url string, client *http.Client, timeout time.Duration) error {
	return p.waitReady(url, client, timeout)
}

// Stop sends SIGTERM to the process group, then SIGKILL after a few seconds,
// and waits for the process to exit. It is safe to call more than once.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		pid := p.cmd.Process.Pid
		// Once the process has been reaped its pid may belong to someone
		// else: never signal the group after p.done (the wait goroutine
		// kills leftover children right after reaping).
		select {
		case <-p.done:
			return
		default:
		}
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-p.done
		}
	})
}

// Exited reports whether the process has exited, and its wait error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Log returns everything the process has written so far (up to the
// in-memory cap; the file at LogPath has all of it).
func (p *Process) Log() string { return p.log.String() }

// LogTail returns the last n lines of the process output.
func (p *Process) LogTail(n int) string { return tail(p.log.String(), n) }

// errorWithLog wraps err with the tail of the process log, so that a test
// failure shows the server's own message.
func (p *Process) errorWithLog(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return fmt.Errorf("%s: %s\n--- %s log (last %d lines, full log %s) ---\n%s\n--- end of %s log ---",
		p.Name, msg, p.Name, LogTailLines, p.LogPath, p.LogTail(LogTailLines), p.Name)
}

// waitReady polls url until it answers 200, the process exits, or timeout.
// The returned error contains the tail of the server's log.
func (p *Process) waitReady(url string, client *http.Client, timeout time.Duration) error {
	return p.waitReadyEach(url, client, timeout, 2*time.Second)
}

// waitReadyEach is waitReady with each request given up after each: an
// answer that takes long to make (Hydra's first JWKS request generates its
// RSA keys, in a transaction that a client's giving up rolls back) needs
// its request to be waited for, or every retry starts it again.
func (p *Process) waitReadyEach(url string, client *http.Client, timeout, each time.Duration) error {
	if client == nil {
		client = &http.Client{}
	}
	deadline := time.Now().Add(timeout)
	var last string
	for {
		if exited, werr := p.Exited(); exited {
			return p.errorWithLog("exited before it was ready (%v)", werr)
		}
		ctx, cancel := context.WithTimeout(context.Background(), min(each, max(time.Until(deadline), time.Second)))
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				cancel()
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		cancel()
		if time.Now().After(deadline) {
			p.Stop()
			return p.errorWithLog("not ready at %s after %s (last answer: %s)", url, timeout, last)
		}
		select {
		case <-p.done:
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// runToCompletion runs a one-shot command (such as a migration) and returns
// its combined output; a non-zero exit becomes an error containing it.
func runToCompletion(t testing.TB, name, bin string, args, env []string, timeout time.Duration) (string, error) {
	t.Helper()
	p, err := startProcess(t, name, bin, args, env)
	if err != nil {
		return "", err
	}
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.Stop()
		return p.Log(), p.errorWithLog("did not finish within %s", timeout)
	}
	if p.waitErr != nil {
		return p.Log(), p.errorWithLog("failed: %v", p.waitErr)
	}
	return p.Log(), nil
}

// httpClientFor returns an HTTP client that trusts the given TLS config
// (nil for plain HTTP).
func httpClientFor(tc *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // never send loopback traffic through a proxy
	if tc != nil {
		tr.TLSClientConfig = tc
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Pid returns the process id (also its process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }
