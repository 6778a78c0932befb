package ory

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFakeKratosRetries429And5xx(t *testing.T) {
	fk := &fakeKratos{failFirst: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway}}
	srv := httptest.NewServer(fk)
	defer srv.Close()
	sum, err := Run(context.Background(), Options{
		KratosAdminURL: srv.URL, HTTPClient: srv.Client(), Retry: fastRetry(),
		Identities: IdentityOptions{File: writeIdentities(t, 50), Concurrency: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count(KindIdentity).Create != 50 || sum.Failed() {
		t.Fatalf("summary %+v errors %v", sum.Count(KindIdentity), sum.Errors)
	}
	if fk.calls != 4 {
		t.Fatalf("PATCH calls = %d, want 3 failures + 1 success", fk.calls)
	}
}

func TestFakeKratosGivesUpAfterDeadline(t *testing.T) {
	fk := &fakeKratos{failFirst: []int{500, 500, 500, 500, 500, 500, 500, 500}}
	srv := httptest.NewServer(fk)
	defer srv.Close()
	p := fastRetry()
	p.Attempts = 3
	sum, err := Run(context.Background(), Options{
		KratosAdminURL: srv.URL, HTTPClient: srv.Client(), Retry: p,
		Identities: IdentityOptions{File: writeIdentities(t, 5), Concurrency: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count(KindIdentity).Failed != 5 || !strings.Contains(sum.Errors[0].Message, "gave up after 3 attempts") || sum.Errors[0].Source == "" {
		t.Fatalf("want 5 failures with their lines, got %+v %v", sum.Count(KindIdentity), sum.Errors)
	}
}

func TestFakeKratosBatchTooLargeBacksOff(t *testing.T) {
	fk := &fakeKratos{limit: 300}
	srv := httptest.NewServer(fk)
	defer srv.Close()
	sum, err := Run(context.Background(), Options{
		KratosAdminURL: srv.URL, HTTPClient: srv.Client(), Retry: fastRetry(),
		Identities: IdentityOptions{File: writeIdentities(t, 2500), BatchSize: 1000, Concurrency: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count(KindIdentity).Create != 2500 || sum.Failed() {
		t.Fatalf("summary %+v errors %v", sum.Count(KindIdentity), sum.Errors)
	}
	seen := map[string]bool{}
	for _, e := range fk.created {
		if seen[e] {
			t.Fatalf("%s created twice", e)
		}
		seen[e] = true
	}
	for _, n := range fk.batches {
		if n > 300 {
			t.Fatalf("accepted batch of %d above the limit", n)
		}
	}
	// After learning the limit, later batches go straight to the right size:
	// far fewer rejected calls than accepted ones.
	if rejected := fk.calls - len(fk.batches); rejected > 3 {
		t.Errorf("%d rejected calls: the learned limit was not reused", rejected)
	}
}
