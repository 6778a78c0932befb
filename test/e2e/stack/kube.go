package stack

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Etcd is a running single-member etcd on loopback.
type Etcd struct {
	ClientURL string // http://127.0.0.1:PORT
	PeerURL   string
	DataDir   string
	Process   *Process
}

// Stop stops etcd and waits for it to exit.
func (e *Etcd) Stop() { e.Process.Stop() }

// StartEtcd is TryStartEtcd that fails the test on error.
func StartEtcd(t testing.TB) *Etcd {
	t.Helper()
	e, err := TryStartEtcd(t)
	if err != nil {
		t.Fatalf("stack: starting etcd: %v", err)
	}
	return e
}

// TryStartEtcd starts etcd with a data dir in t.TempDir() and random client
// and peer ports, and waits until /health answers 200.
func TryStartEtcd(t testing.TB) (*Etcd, error) {
	t.Helper()
	bin, err := BinaryPath(ToolEtcd)
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	e := &Etcd{
		ClientURL: fmt.Sprintf("http://127.0.0.1:%d", FreePort(t)),
		PeerURL:   fmt.Sprintf("http://127.0.0.1:%d", FreePort(t)),
		DataDir:   filepath.Join(dir, "data"),
	}
	args := []string{
		"--name", "default",
		"--data-dir", e.DataDir,
		"--listen-client-urls", e.ClientURL,
		"--advertise-client-urls", e.ClientURL,
		"--listen-peer-urls", e.PeerURL,
		"--initial-advertise-peer-urls", e.PeerURL,
		"--initial-cluster", "default=" + e.PeerURL,
		"--initial-cluster-state", "new",
		"--unsafe-no-fsync",
		"--log-level", "warn",
	}
	p, err := startProcess(t, "etcd", bin, args, nil)
	if err != nil {
		return nil, err
	}
	e.Process = p
	if err := p.waitReady(e.ClientURL+"/health", httpClientFor(nil), 60*time.Second); err != nil {
		return nil, err
	}
	return e, nil
}

// KubeOptions configure StartKubeAPIServer.
type KubeOptions struct {
	// AuthenticationConfig is an optional structured
	// AuthenticationConfiguration (YAML), passed as --authentication-config.
	// kube-apiserver 1.33 takes apiserver.config.k8s.io/v1beta1, not v1.
	AuthenticationConfig []byte
	// ExtraArgs are appended to the kube-apiserver command line (later
	// flags win), e.g. the classic --oidc-* flags.
	ExtraArgs []string
	// ReadyTimeout overrides the default of 120s.
	ReadyTimeout time.Duration
	// ServingSANs are extra DNS names or IPs for the serving certificate,
	// e.g. the kubernetes Service's ClusterIP when pods talk to it.
	ServingSANs []string
	// Env is added to kube-apiserver's environment, e.g. HTTPS_PROXY for
	// reaching an OIDC issuer by its public name.
	Env []string
	// ServiceAccountAdmission keeps the ServiceAccount admission plugin
	// (token volumes in pods); off by default because only a cluster with
	// a controller-manager has service accounts.
	ServiceAccountAdmission bool
}

// AdminUser is the CN of the admin client certificate (O=system:masters).
const AdminUser = "authctl-e2e-admin"

// KubeAPIServer is a running kube-apiserver backed by its own etcd.
type KubeAPIServer struct {
	URL string // https://127.0.0.1:PORT
	// CAPEM is the CA of the serving certificate (a harness CA); CAFile is
	// the same on disk.
	CAPEM  []byte
	CAFile string
	// KubeconfigPath is an admin kubeconfig (0600) that authenticates with
	// a client certificate CN=authctl-e2e-admin, O=system:masters. It does
	// not depend on OIDC.
	KubeconfigPath string
	// AdminClient is an HTTP client with the admin client certificate.
	AdminClient *http.Client
	// Args is the full kube-apiserver command line.
	Args []string
	// ServiceAccountKeyFile is the RSA key that signs service-account
	// tokens (kube-controller-manager needs it too).
	ServiceAccountKeyFile string
	Etcd                  *Etcd
	Process               *Process

	dir string
}

// Stop stops kube-apiserver and then its etcd.
func (k *KubeAPIServer) Stop() {
	k.Process.Stop()
	k.Etcd.Stop()
}

// StartKubeAPIServer is TryStartKubeAPIServer that fails the test on error.
func StartKubeAPIServer(t testing.TB, opts KubeOptions) *KubeAPIServer {
	t.Helper()
	k, err := TryStartKubeAPIServer(t, opts)
	if err != nil {
		t.Fatalf("stack: starting kube-apiserver: %v", err)
	}
	return k
}

// TryStartKubeAPIServer starts etcd and kube-apiserver on loopback with a
// harness serving certificate, a harness client CA, an RSA service-account
// key, RBAC authorization and, when given, --authentication-config. It
// waits until /readyz answers 200 to the admin client certificate.
func TryStartKubeAPIServer(t testing.TB, opts KubeOptions) (*KubeAPIServer, error) {
	t.Helper()
	bin, err := BinaryPath(ToolKubeAPIServer)
	if err != nil {
		return nil, err
	}
	etcd, err := TryStartEtcd(t)
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	port := FreePort(t)
	k := &KubeAPIServer{URL: fmt.Sprintf("https://127.0.0.1:%d", port), Etcd: etcd, dir: dir}

	serverCA := NewCA(t, "authctl-e2e kube-apiserver serving CA")
	k.CAPEM = serverCA.CertPEM
	k.CAFile = filepath.Join(dir, "server-ca.crt")
	writeFile(t, k.CAFile, k.CAPEM, 0o644)
	servingCert, servingKey := serverCA.ServingCert(t, opts.ServingSANs...).WriteFiles(t, dir, "apiserver")

	clientCA := NewCA(t, "authctl-e2e kube client CA")
	clientCAFile := filepath.Join(dir, "client-ca.crt")
	writeFile(t, clientCAFile, clientCA.CertPEM, 0o644)
	admin := clientCA.ClientCert(t, AdminUser, "system:masters")

	saKey, err := rsaKeyPEM()
	mustf(t, err, "generating service-account key")
	saKeyFile := filepath.Join(dir, "sa.key")
	writeFile(t, saKeyFile, saKey, 0o600)
	k.ServiceAccountKeyFile = saKeyFile

	certDir := filepath.Join(dir, "certs")
	mustf(t, os.MkdirAll(certDir, 0o700), "creating cert dir")
	args := []string{
		"--etcd-servers=" + etcd.ClientURL,
		fmt.Sprintf("--secure-port=%d", port),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--cert-dir=" + certDir,
		"--tls-cert-file=" + servingCert,
		"--tls-private-key-file=" + servingKey,
		"--client-ca-file=" + clientCAFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saKeyFile,
		"--service-account-signing-key-file=" + saKeyFile,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=RBAC",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--watch-cache=false",
		"--endpoint-reconciler-type=none",
	}
	if !opts.ServiceAccountAdmission {
		// Without a controller-manager nobody creates the service
		// accounts that the plugin would demand.
		args = append(args, "--disable-admission-plugins=ServiceAccount")
	}
	if len(opts.AuthenticationConfig) > 0 {
		p := filepath.Join(dir, "authentication-config.yaml")
		writeFile(t, p, opts.AuthenticationConfig, 0o644)
		args = append(args, "--authentication-config="+p)
	}
	args = append(args, opts.ExtraArgs...)
	k.Args = args

	k.KubeconfigPath = filepath.Join(dir, "admin.kubeconfig")
	writeFile(t, k.KubeconfigPath, kubeconfig(k.URL, k.CAPEM, admin), 0o600)
	k.AdminClient = httpClientFor(&tls.Config{RootCAs: serverCA.Pool, Certificates: []tls.Certificate{admin.TLS}})

	p, err := startProcess(t, "kube-apiserver", bin, args, opts.Env)
	if err != nil {
		return nil, err
	}
	k.Process = p
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = 120 * time.Second
	}
	if err := p.waitReady(k.URL+"/readyz", k.AdminClient, timeout); err != nil {
		return nil, err
	}
	return k, nil
}

// ClusterKubeconfig writes a kubeconfig with only the cluster (server URL
// and CA) and an empty user, for `kubectl --token ...`, and returns its
// path.
func (k *KubeAPIServer) ClusterKubeconfig(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cluster.kubeconfig")
	writeFile(t, p, kubeconfig(k.URL, k.CAPEM, nil), 0o600)
	return p
}

func kubeconfig(server string, caPEM []byte, client *Leaf) []byte {
	b64 := base64.StdEncoding.EncodeToString
	user := "{}"
	if client != nil {
		user = fmt.Sprintf("\n    client-certificate-data: %s\n    client-key-data: %s",
			b64(client.CertPEM), b64(client.KeyPEM))
	}
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: e2e
  user: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: e2e
current-context: e2e
`, server, b64(caPEM), user)
}
