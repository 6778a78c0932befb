package ory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	orysdk "github.com/ory/client-go"

	"github.com/authctl/authctl/pkg/ory/retry"
)

// APIError is an error response of an admin API.
type APIError struct {
	Op      string // e.g. "PATCH /admin/identities"
	Status  int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.Op, e.Status, e.Message)
}

// statusOf returns the HTTP status of err, or 0.
func statusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// classify turns the outcome of one SDK call into nil, a transient error
// (429, 5xx, timeouts and connection failures: retried) or a permanent one.
func classify(op string, resp *http.Response, err error) error {
	if err == nil && resp != nil && resp.StatusCode < 400 {
		return nil
	}
	if resp == nil {
		if err == nil {
			return nil
		}
		if errors.Is(err, context.Canceled) {
			return err
		}
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF") {
			return retry.Transient(fmt.Errorf("%s: %w", op, err), 0)
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	ae := &APIError{Op: op, Status: resp.StatusCode, Message: errorMessage(err)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return retry.Transient(ae, retryAfter(resp.Header.Get("Retry-After")))
	}
	return ae
}

// errorMessage extracts the message of an Ory error body
// ({"error":{"message","reason"}}) from an SDK error.
func errorMessage(err error) string {
	var ge *orysdk.GenericOpenAPIError
	if !errors.As(err, &ge) {
		if err == nil {
			return "unexpected response"
		}
		return err.Error()
	}
	return bodyMessage(ge.Body())
}

func bodyMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Reason  string `json:"reason"`
		} `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &e) == nil {
		msg := e.Error.Message
		if e.Error.Reason != "" {
			msg = strings.TrimSpace(msg + ": " + e.Error.Reason)
		}
		if e.ErrorDescription != "" {
			msg = strings.TrimSpace(msg + " " + e.ErrorDescription)
		}
		if msg != "" {
			return msg
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// eachPage is the one pager of the Ory list APIs: it fetches a page (with
// retries, errors classified under op), calls fn for each item in order and
// follows the rel="next" page token until a page is empty or has no next.
func eachPage[T any](ctx context.Context, policy retry.Policy, op string,
	fetch func(ctx context.Context, token string) ([]T, *http.Response, error), fn func(*T) error) error {
	token := ""
	for {
		var page []T
		err := policy.Do(ctx, func(ctx context.Context) error {
			var resp *http.Response
			var err error
			page, resp, err = fetch(ctx, token)
			if cerr := classify(op, resp, err); cerr != nil {
				return cerr
			}
			token = nextPageToken(resp)
			return nil
		})
		if err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if token == "" || len(page) == 0 {
			return nil
		}
	}
}

// nextPageToken reads the page_token of the rel="next" Link header of a
// keyset-paginated Ory list response.
func nextPageToken(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	for _, h := range resp.Header.Values("Link") {
		for _, part := range strings.Split(h, ",") {
			if !strings.Contains(part, `rel="next"`) {
				continue
			}
			start, end := strings.Index(part, "<"), strings.Index(part, ">")
			if start < 0 || end <= start {
				continue
			}
			u, err := url.Parse(part[start+1 : end])
			if err != nil {
				continue
			}
			return u.Query().Get("page_token")
		}
	}
	return ""
}
