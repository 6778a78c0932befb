package apply_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/doctor"
	"github.com/authctl/authctl/test/e2e"
	"github.com/authctl/authctl/test/e2e/stack"
)

// TestDoctorSecretsOnKubeAPIServer: doctor --kubeconfig (authctl-cluster)
// asks the real kube-apiserver for each Secret examples/staff-sso.yaml
// leaves to its user: the SSO client secret created with the key it needs
// passes; the TLS Secret, missing, fails with the kubectl line that creates
// it; that very line, its placeholders filled with a certificate, creates
// it, and doctor then passes it. The stack's APIs are not running (their
// checks fail; only the Secret checks are looked at).
func TestDoctorSecretsOnKubeAPIServer(t *testing.T) {
	stack.Require(t)
	bin := e2e.Authctl(t)
	kube := stack.StartKubeAPIServer(t, stack.KubeOptions{})
	kubectl := func(args ...string) {
		t.Helper()
		out, err := exec.Command("kubectl", append([]string{"--kubeconfig", kube.KubeconfigPath}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	kubectl("create", "namespace", "auth")
	kubectl("-n", "auth", "create", "secret", "generic", "google-oauth", "--from-literal=client-secret=test-only-value")

	closed := "http://127.0.0.1:1/"
	args := []string{"doctor", "-f", e2e.InRepo("examples/staff-sso.yaml"), "--kubeconfig", kube.KubeconfigPath, "--timeout", "1s",
		"--kratos-public-url", closed, "--kratos-admin-url", closed, "--hydra-public-url", closed,
		"--hydra-admin-url", closed, "--oathkeeper-api-url", closed, "-o", "json"}
	checks := func() map[string]doctor.Check {
		t.Helper()
		r := e2e.Run(t, bin, nil, args...)
		if r.Code != 1 {
			t.Fatalf("doctor: exit %d (its APIs are down: want 1)\n%s", r.Code, r.Stderr)
		}
		return doctorStatuses(doctorReport(t, r))
	}
	got := checks()
	if c := got["secret/google-oauth"]; c.Status != doctor.Pass || c.Message != "Secret google-oauth in auth has client-secret" {
		t.Errorf("the SSO client secret: %+v", c)
	}
	tlsCheck := got["secret/corp-example-com-tls"]
	const fix = "kubectl -n auth create secret tls corp-example-com-tls --cert=<path/to/tls.crt> --key=<path/to/tls.key>"
	if tlsCheck.Status != doctor.Fail || tlsCheck.Fix != fix || !strings.Contains(tlsCheck.Message, "does not exist in auth") {
		t.Fatalf("the missing TLS Secret: %+v", tlsCheck)
	}
	if got["sso-registration"].Status != doctor.Warn || got["verified-emails"].Status != doctor.Warn {
		t.Errorf("the profile's dead ends: %+v, %+v", got["sso-registration"], got["verified-emails"])
	}

	// The fix, as printed, with its placeholders filled.
	crt, key := selfSigned(t, t.TempDir(), "corp.example.com")
	line := strings.NewReplacer("<path/to/tls.crt>", crt, "<path/to/tls.key>", key).Replace(tlsCheck.Fix)
	kubectl(append(strings.Fields(line)[1:], "--kubeconfig", kube.KubeconfigPath)...)
	if c := checks()["secret/corp-example-com-tls"]; c.Status != doctor.Pass {
		t.Errorf("after the fix: %+v", c)
	}
}

// selfSigned writes a certificate and its key for host, PEM.
func selfSigned(t *testing.T, dir, host string) (crt, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	crt, key = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600)
	return crt, key
}
