package capool

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TLSConfig: the flags' names in every error, the system roots alone
// without bundles, and verification off only when asked.
func TestFlagsTLSConfig(t *testing.T) {
	tc, err := Flags{}.TLSConfig()
	if err != nil || tc.RootCAs != nil || tc.InsecureSkipVerify || tc.MinVersion != tls.VersionTLS12 {
		t.Fatalf("no flags: %+v, %v", tc, err)
	}
	if tc, _ := (Flags{Insecure: true}).TLSConfig(); !tc.InsecureSkipVerify {
		t.Error("--insecure-skip-tls-verify ignored")
	}
	_, err = Flags{Files: []string{"/nonexistent/ca.pem"}, FilesFlag: "--ca-file"}.TLSConfig()
	if err == nil || !strings.HasPrefix(err.Error(), "could not read --ca-file: ") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (Flags{Files: []string{bad}, FilesFlag: "--certificate-authority"}).TLSConfig(); err == nil || err.Error() != "--certificate-authority "+bad+" holds no PEM certificate" {
		t.Errorf("bad file: %v", err)
	}
	if _, err := (Flags{Data: []byte("x"), DataFlag: "--certificate-authority-data"}).TLSConfig(); err == nil || err.Error() != "--certificate-authority-data holds no PEM certificate" {
		t.Errorf("bad data: %v", err)
	}
	good := filepath.Join(t.TempDir(), "good.pem")
	_, pemData := testCA(t)
	if err := os.WriteFile(good, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	if tc, err := (Flags{Files: []string{good}, FilesFlag: "--ca-file"}).TLSConfig(); err != nil || tc.RootCAs == nil {
		t.Errorf("good file: %+v, %v", tc, err)
	}
}
