//go:build cluster

package cluster_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/test/e2e/cluster"
	"github.com/authctl/authctl/test/e2e/stack"
)

const echoManifest = `apiVersion: v1
kind: Namespace
metadata: {name: e2e}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: e2e}
spec:
  replicas: 1
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      automountServiceAccountToken: false
      containers:
      - name: echo
        image: ` + cluster.E2EUtilImage + `
        imagePullPolicy: Never
        args: [serve, ":8080"]
        securityContext:
          runAsNonRoot: true
          runAsUser: 10000
          readOnlyRootFilesystem: true
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
        ports: [{containerPort: 8080, name: http}]
        readinessProbe:
          httpGet: {path: /healthz, port: http}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: e2e}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: http}]
`

// TestClusterRunsAPod starts the single-node cluster, runs a pod from a
// locally built image as user 10000 with a read-only root filesystem, and
// reaches it three ways: from the test process by pod IP, through the
// kubelet (logs), and from another pod by its Service's DNS name (CoreDNS
// and kube-proxy).
func TestClusterRunsAPod(t *testing.T) {
	stack.Require(t)
	start := time.Now()
	n := cluster.Start(t, cluster.Options{})
	t.Logf("node up in %s", time.Since(start).Round(time.Second))

	if err := n.Apply(echoManifest); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitRollout("e2e", "deployment/echo", 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	podIP, err := n.Kubectl("-n", "e2e", "get", "pods", "-l", "app=echo", "-o", "jsonpath={.items[0].status.podIP}")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(fmt.Sprintf("http://%s:8080/from-host", podIP))
	if err != nil {
		t.Fatalf("GET pod %s from the test process: %v", podIP, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var echo struct{ Path, Pod string }
	if err := json.Unmarshal(body, &echo); err != nil || echo.Path != "/from-host" {
		t.Fatalf("echo answered %d %s", resp.StatusCode, body)
	}

	logs, err := n.Kubectl("-n", "e2e", "logs", "deployment/echo")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "as uid 10000") {
		t.Fatalf("echo log does not show uid 10000:\n%s", logs)
	}

	svcIP, err := n.Kubectl("-n", "e2e", "get", "service", "echo", "-o", "jsonpath={.spec.clusterIP}")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.WaitHTTP("http://"+svcIP+"/", time.Minute); err != nil {
		t.Fatal(err)
	}
	out, err := n.RunPod("e2e", "client", []string{"get", "http://echo.e2e.svc.cluster.local/via-service", "5s"}, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "200 ") || !strings.Contains(out, `"path":"/via-service"`) || !strings.Contains(out, echo.Pod) {
		t.Fatalf("client pod did not reach echo through its Service name:\n%s", out)
	}
	t.Logf("pod %s answered the test process, kubectl logs and a client pod through echo.e2e.svc.cluster.local", echo.Pod)
}

// TestHoldCluster is hack/cluster.sh up: it runs only with
// AUTHCTL_CLUSTER_HOLD=1, writes the admin kubeconfig to
// $AUTHCTL_CLUSTER_KUBECONFIG and keeps the node up until SIGTERM/SIGINT.
// (Its name does not match ^TestCluster, so the suite never runs it.)
func TestHoldCluster(t *testing.T) {
	if os.Getenv("AUTHCTL_CLUSTER_HOLD") != "1" {
		t.Skip("only for hack/cluster.sh up")
	}
	// Written first, so that hack/cluster.sh down can stop a start that hangs.
	pidFile := filepath.Join(cluster.BaseDir, "hold.pid")
	_ = os.MkdirAll(cluster.BaseDir, 0o755)
	_ = os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644)
	defer os.Remove(pidFile)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		fmt.Fprintln(os.Stderr, "cluster: interrupted during start; hack/cluster.sh down removes the rest")
		os.Exit(1)
	}()
	images, err := cluster.StackImages()
	if err != nil {
		t.Fatal(err)
	}
	n := cluster.Start(t, cluster.Options{Images: images})
	if err := n.CreateVolumes(4); err != nil {
		t.Fatal(err)
	}
	signal.Stop(stop)
	kc, err := os.ReadFile(n.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("AUTHCTL_CLUSTER_KUBECONFIG")
	if err := os.WriteFile(out, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "\ncluster: up. export KUBECONFIG=%s\ncluster: images: %s/{kratos,hydra,oathkeeper}, %s; 4 PersistentVolumes of 1Gi\ncluster: Ctrl-C or hack/cluster.sh down stops it\n", out, cluster.LocalRegistry, render.AuthctlImage)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	<-ch
	fmt.Fprintln(os.Stderr, "cluster: stopping")
}
