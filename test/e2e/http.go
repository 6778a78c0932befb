package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
)

// RenderedExample is examples/NAME.yaml, rendered.
func RenderedExample(t *testing.T, name string) Rendered {
	t.Helper()
	for _, r := range RenderExamples(t) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no example %s", name)
	return Rendered{}
}

// DoJSON sends body (when not nil) as JSON, fails the test unless the
// status is want, and decodes the response into out (when not nil).
func DoJSON(t *testing.T, c *http.Client, method, u string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, u, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
	}
}

// SyncBuffer is a bytes.Buffer for one writer (a subprocess's output) and
// readers elsewhere.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
