package authz

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAuthorize(t *testing.T) {
	srv := httptest.NewServer(Handler(slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	cases := []struct {
		body string
		want int
	}{
		{`{"subject":"u","groups":["admins","ops"],"required":["admins"]}`, 200},
		{`{"subject":"u","groups":["viewers"],"required":["admins","ops"]}`, 403},
		{`{"subject":"u","groups":[],"required":["admins"]}`, 403},
		{`{"subject":"u","groups":["admins"],"required":[]}`, 403},
		// mfa: required (the payload authzPayload renders).
		{`{"subject":"u","groups":[],"required":[],"mfa":true,"aal":"aal2"}`, 200},
		{`{"subject":"u","groups":[],"required":[],"mfa":true,"aal":"aal1"}`, 403},
		{`{"subject":"u","groups":[],"required":[],"mfa":true,"aal":""}`, 403},
		{`{"subject":"u","groups":[],"required":[],"mfa":true,"aal":"AAL2"}`, 403},
		{`{"subject":"u","groups":[],"required":[],"mfa":true}`, 403},
		{`{"subject":"u","groups":["admins"],"required":["admins"],"mfa":true,"aal":"aal2"}`, 200},
		{`{"subject":"u","groups":["admins"],"required":["admins"],"mfa":true,"aal":"aal1"}`, 403},
		{`{"subject":"u","groups":["viewers"],"required":["admins"],"mfa":true,"aal":"aal2"}`, 403},
		// An aal without mfa asks for nothing: refused as before.
		{`{"subject":"u","groups":[],"required":[],"aal":"aal2"}`, 403},
		{`not json`, 400},
	}
	for _, tc := range cases {
		resp, err := http.Post(srv.URL+"/authorize", "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: got %d, want %d", tc.body, resp.StatusCode, tc.want)
		}
	}
}
