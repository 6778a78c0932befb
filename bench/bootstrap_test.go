// BenchmarkBootstrap measures `authctl bootstrap` against the real Kratos v1.3.1
// on SQLite, next to the tools it replaces. It runs only with -bench:
//
//	bench/bootstrap.sh        (or: go test ./bench/ -run '^$' -bench Bootstrap -benchtime 1x -v)

package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/authctl/authctl/test/e2e/stack"
)

const bsSchema = `{
  "$id": "https://authctl.bench/identity.schema.json",
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "properties": {"traits": {"type": "object", "properties": {
    "email": {"type": "string", "format": "email",
      "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
    "name": {"type": "string"}},
    "required": ["email"], "additionalProperties": false}}
}`

// bsStartKratos starts a fresh Kratos on a new SQLite file.
func bsStartKratos(b *testing.B, dir string) *stack.Kratos {
	b.Helper()
	schemaPath := filepath.Join(dir, "identity.schema.json")
	if err := os.WriteFile(schemaPath, []byte(bsSchema), 0o600); err != nil {
		b.Fatal(err)
	}
	ui := "http://127.0.0.1:4455/"
	flows := map[string]any{}
	for _, f := range []string{"error", "login", "registration", "settings", "recovery", "verification"} {
		flows[f] = map[string]any{"ui_url": ui + f}
	}
	cfg := map[string]any{
		"dsn": "memory",
		"identity": map[string]any{"default_schema_id": "default",
			"schemas": []any{map[string]any{"id": "default", "url": "file://" + schemaPath}}},
		"selfservice": map[string]any{"default_browser_return_url": ui, "flows": flows,
			"methods": map[string]any{"password": map[string]any{"enabled": true}}},
		"secrets": map[string]any{"default": []any{"bench-default-secret-0123"}, "cookie": []any{"bench-cookie-secret-01234"},
			"cipher": []any{"0123456789abcdef0123456789abcdef"}},
		"courier": map[string]any{"smtp": map[string]any{"connection_uri": "smtp://127.0.0.1:1025/?disable_starttls=true"}},
		"log":     map[string]any{"level": "error"},
	}
	return stack.StartKratos(b, stack.KratosOptions{Config: cfg, Dev: true})
}

type bsIdentity struct {
	SchemaID    string         `json:"schema_id"`
	Traits      map[string]any `json:"traits"`
	Credentials map[string]any `json:"credentials"`
}

// bsFixtures returns n identities sharing one bcrypt hash. The hash is
// computed once at cost 4 (bcrypt's minimum): the cost only affects login,
// never import, so the fixture cost does not bias the import timings.
func bsFixtures(n int, hash string) []bsIdentity {
	out := make([]bsIdentity, n)
	for i := range out {
		out[i] = bsIdentity{
			SchemaID:    "default",
			Traits:      map[string]any{"email": fmt.Sprintf("user%06d@example.com", i), "name": fmt.Sprintf("User %d", i)},
			Credentials: map[string]any{"password": map[string]any{"config": map[string]any{"hashed_password": hash}}},
		}
	}
	return out
}

func bsWriteNDJSON(b *testing.B, path string, ids []bsIdentity) {
	b.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, id := range ids {
		_ = enc.Encode(id)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
}

func bsWriteJSON(b *testing.B, path string, v any) {
	b.Helper()
	data, _ := json.Marshal(v)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
}

func bsTimed(b *testing.B, name string, f func() error) time.Duration {
	b.Helper()
	start := time.Now()
	if err := f(); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return time.Since(start)
}

func bsRunCmd(bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tail := stderr.String()
		if len(tail) > 2000 {
			tail = "…" + tail[len(tail)-2000:]
		}
		return out, fmt.Errorf("%v: %s", err, tail)
	}
	return out, nil
}

func bsCount(b *testing.B, adminURL string) int {
	b.Helper()
	n, token := 0, ""
	for {
		u := adminURL + "admin/identities?page_size=1000"
		if token != "" {
			u += "&page_token=" + token
		}
		resp, err := http.Get(u)
		if err != nil {
			b.Fatal(err)
		}
		var page []struct{ ID string }
		_ = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		n += len(page)
		token = bsNextToken(resp.Header.Values("Link"))
		if token == "" || len(page) == 0 {
			return n
		}
	}
}

// bsNextToken reads the page_token of the rel="next" link. The rel="first"
// link carries a token too (the zero UUID), so only "next" may be used.
func bsNextToken(links []string) string {
	for _, l := range links {
		for _, part := range strings.Split(l, ",") {
			if !strings.Contains(part, `rel="next"`) {
				continue
			}
			raw := strings.Trim(strings.TrimSpace(strings.Split(part, ";")[0]), "<>")
			if u, err := url.Parse(raw); err == nil {
				return u.Query().Get("page_token")
			}
		}
	}
	return ""
}

func bsMedian(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkBootstrap measures, each on a fresh Kratos v1.3.1 with SQLite:
// (a) `kratos import identities` of 2000 bcrypt-hashed identities, (b) one
// raw batch PATCH of the same 2000, (c) `authctl bootstrap` of the same
// 2000, (d) an `authctl bootstrap` rerun with nothing to change, and (c)
// at 20,000. Medians over AUTHCTL_BENCH_RUNS runs (default 3). Run it with
// -benchtime 1x: one benchmark iteration does all runs.
func BenchmarkBootstrap(b *testing.B) {
	stack.Require(b)
	runs := 3
	if v, err := strconv.Atoi(os.Getenv("AUTHCTL_BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	kratosBin := stack.Binary(b, stack.ToolKratos)
	root, err := stack.RepoRoot()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	authctl := filepath.Join(dir, "authctl")
	build := exec.Command("go", "build", "-o", authctl, "./cmd/authctl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("bench-password"), 4)
	if err != nil {
		b.Fatal(err)
	}
	ids := bsFixtures(2000, string(hash))
	jsonFile, ndjson2k, ndjson20k := filepath.Join(dir, "2000.json"), filepath.Join(dir, "2000.ndjson"), filepath.Join(dir, "20000.ndjson")
	bsWriteJSON(b, jsonFile, ids)
	bsWriteNDJSON(b, ndjson2k, ids)
	bsWriteNDJSON(b, ndjson20k, bsFixtures(20000, string(hash)))
	patches := make([]any, len(ids))
	for i, id := range ids {
		patches[i] = map[string]any{"create": id}
	}
	patchBody, _ := json.Marshal(map[string]any{"identities": patches})

	var a, raw, c, d []time.Duration
	for b.Loop() {
		for r := range runs {
			k := bsStartKratos(b, b.TempDir())
			a = append(a, bsTimed(b, "kratos import", func() error {
				_, err := bsRunCmd(kratosBin, "import", "identities", jsonFile, "-e", strings.TrimSuffix(k.AdminURL, "/"))
				return err
			}))
			if n := bsCount(b, k.AdminURL); n != 2000 {
				b.Fatalf("kratos import created %d identities", n)
			}
			k.Stop()

			k = bsStartKratos(b, b.TempDir())
			raw = append(raw, bsTimed(b, "raw PATCH", func() error {
				req, _ := http.NewRequest(http.MethodPatch, k.AdminURL+"admin/identities", bytes.NewReader(patchBody))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"action":"error"`)) {
					return fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, body)
				}
				return nil
			}))
			k.Stop()

			k = bsStartKratos(b, b.TempDir())
			args := []string{"bootstrap", "--identities", ndjson2k, "--kratos-admin-url", k.AdminURL, "--progress", "none", "-o", "json"}
			c = append(c, bsTimed(b, "authctl bootstrap", func() error { _, err := bsRunCmd(authctl, args...); return err }))
			var out []byte
			d = append(d, bsTimed(b, "authctl rerun", func() error { out, err = bsRunCmd(authctl, args...); return err }))
			var sum struct{ Identities map[string]int }
			_ = json.Unmarshal(out, &sum)
			if w := sum.Identities["create"] + sum.Identities["update"] + sum.Identities["delete"]; w != 0 || sum.Identities["unchanged"] != 2000 {
				b.Fatalf("rerun was not a no-op: %v", sum.Identities)
			}
			k.Stop()
			b.Logf("run %d: a=%v b=%v c=%v d=%v", r+1, a[r], raw[r], c[r], d[r])
		}
		k := bsStartKratos(b, b.TempDir())
		c20k := bsTimed(b, "authctl bootstrap 20000", func() error {
			_, err := bsRunCmd(authctl, "bootstrap", "--identities", ndjson20k, "--kratos-admin-url", k.AdminURL, "--progress", "none")
			return err
		})
		if n := bsCount(b, k.AdminURL); n != 20000 {
			b.Fatalf("20000 run created %d", n)
		}
		k.Stop()

		ma, mb, mc, md := bsMedian(a), bsMedian(raw), bsMedian(c), bsMedian(d)
		b.ReportMetric(ma.Seconds(), "a_kratos_import_s")
		b.ReportMetric(mb.Seconds(), "b_raw_patch_s")
		b.ReportMetric(mc.Seconds(), "c_authctl_s")
		b.ReportMetric(md.Seconds(), "d_rerun_s")
		b.ReportMetric(c20k.Seconds(), "c20k_authctl_s")
		b.Logf("medians of %d runs, 2000 bcrypt identities, Kratos v1.3.1 on SQLite:\n"+
			"  (a) kratos import identities  %v\n  (b) one raw batch PATCH       %v\n"+
			"  (c) authctl bootstrap         %v  (%.2fx b, %.1fx faster than a)\n"+
			"  (d) authctl rerun, no change  %v  (%.2fx b, zero writes)\n"+
			"  (c) at 20,000 identities      %v",
			runs, ma, mb, mc, float64(mc)/float64(mb), float64(ma)/float64(mc), md, float64(md)/float64(mb), c20k)
	}
}
