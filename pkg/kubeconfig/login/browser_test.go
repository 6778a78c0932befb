package login

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestBrowserOutlivesTheLogin: the end of the login (its context) does not
// kill the browser command, which may be the person's browser itself and
// may still be reading the page of the outcome.
func TestBrowserOutlivesTheLogin(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a shell script stands in for the browser")
	}
	dir := t.TempDir()
	done := filepath.Join(dir, "done")
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsleep 0.5\necho \"$1\" > "+done+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := (commandBrowser{command: script, stderr: io.Discard}).Open(ctx, "http://127.0.0.1:1/"); err != nil {
		t.Fatal(err)
	}
	cancel() // the login ends at once
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(done); err == nil && string(b) == "http://127.0.0.1:1/\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the browser command was stopped with the login")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
