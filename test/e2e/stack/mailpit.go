package stack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

// Mailpit is a running Mailpit: a real SMTP server whose HTTP API lists
// and returns the messages it received.
type Mailpit struct {
	// SMTPAddr is 127.0.0.1:PORT; Kratos' courier connects there.
	SMTPAddr string
	// APIURL is http://127.0.0.1:PORT/ (trailing slash).
	APIURL  string
	Process *Process
}

// StartMailpit starts Mailpit on loopback with its database in the test's
// temp dir, no version check and no reverse DNS lookups (nothing leaves
// loopback), accepting any or no SMTP login; it waits for /readyz.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := Binary(t, ToolMailpit)
	httpPort, smtpPort := FreePort(t), FreePort(t)
	m := &Mailpit{SMTPAddr: fmt.Sprintf("127.0.0.1:%d", smtpPort), APIURL: fmt.Sprintf("http://127.0.0.1:%d/", httpPort)}
	p, err := startProcess(t, "mailpit", bin, []string{
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort), "--smtp", m.SMTPAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check", "--smtp-disable-rdns", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
	}, nil)
	if err != nil {
		t.Fatalf("stack: starting mailpit: %v", err)
	}
	m.Process = p
	if err := p.waitReady(m.APIURL+"readyz", httpClientFor(nil), 60*time.Second); err != nil {
		t.Fatalf("stack: starting mailpit: %v", err)
	}
	return m
}

// Message is a received mail as Mailpit's API returns it.
type Message struct {
	ID      string `json:"ID"`
	Subject string `json:"Subject"`
	To      []struct {
		Address string `json:"Address"`
	} `json:"To"`
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

// WaitMessage waits for the newest message to address and returns it
// with its body.
func (m *Mailpit) WaitMessage(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	hc := httpClientFor(nil)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		var list struct {
			Messages []Message `json:"messages"`
		}
		resp, err := hc.Get(m.APIURL + "api/v1/search?query=" + url.QueryEscape("to:"+to))
		if err != nil {
			continue
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(list.Messages) == 0 {
			continue
		}
		var msg Message
		resp, err = hc.Get(m.APIURL + "api/v1/message/" + url.PathEscape(list.Messages[0].ID))
		if err != nil {
			continue
		}
		err = json.NewDecoder(resp.Body).Decode(&msg)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			return msg
		}
	}
	t.Fatalf("stack: no mail to %s within %v (mailpit log:\n%s)", to, timeout, m.Process.LogTail(40))
	return Message{}
}
