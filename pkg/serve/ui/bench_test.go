package ui_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/serve/ui"
)

// BenchmarkLoginPage renders the login page of a flow recorded from the
// real Kratos (password error, passkey script, every node kind a login
// has), reading it from an in-process stand-in of Kratos' public API over
// loopback HTTP, and reports the p95 of one page. Not a timed test; run
// it with:
//
//	go test -run '^$' -bench LoginPage ./pkg/serve/ui
func BenchmarkLoginPage(b *testing.B) {
	raw, err := os.ReadFile("testdata/recorded/login-passkey.json")
	if err != nil {
		b.Fatal(err)
	}
	kratos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(raw)
	}))
	defer kratos.Close()
	h, err := ui.New(ui.Config{KratosPublicURL: kratos.URL, KratosBrowserURL: "https://id.blog.example.com/",
		CSRFSecret: "a-bench-csrf-secret-of-32-chars!", Registration: true})
	if err != nil {
		b.Fatal(err)
	}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login?flow=x", nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d", rec.Code)
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	if len(durations) > 0 {
		b.ReportMetric(float64(durations[len(durations)*95/100].Microseconds()), "p95-µs")
	}
}
