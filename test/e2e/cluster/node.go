// Package cluster runs a real single-node Kubernetes cluster for the
// TestCluster… tests: the harness's etcd and kube-apiserver on loopback
// (test/e2e/stack), plus kube-controller-manager, kube-scheduler, kubelet,
// kube-proxy, containerd (Debian), the Debian CNI plugins, CoreDNS as a pod
// and kube-router's NetworkPolicy firewall.
//
// Isolation, so that nothing outlives a test and nothing touches the host:
//   - Every node process runs inside one network namespace and one private
//     mount namespace, both created by a holder process (unshare). iptables
//     rules, ipsets, the CNI bridge, pod network namespaces, overlay and
//     volume mounts all live there and disappear with it.
//   - Every process (the holder and everything it starts, the shims and the
//     containers, plus etcd and kube-apiserver) is in one cgroup subtree
//     /authctl-e2e-<id> in each v1 hierarchy. Teardown freezes it, kills
//     every pid listed there and removes the cgroups.
//   - The host sees one veth pair (host end ae<id>, 10.200.0.1/30; node end
//     eth0, 10.200.0.2) and routes for the pod and Service ranges through
//     it. Both vanish with the namespace.
//   - Kernel tunables that the kubelet would otherwise set host-wide
//     (vm.overcommit_memory, kernel.panic, kernel.panic_on_oops, …) are
//     shadowed inside the mount namespace by files holding the values the
//     kubelet expects, so the host's values never change.
//
// hack/cluster.sh down removes the leftovers of a harness that was killed
// before its cleanup ran.
package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/authctl/authctl/test/e2e/stack"
)

// Fixed addresses of the node. Only one cluster runs at a time on a
// machine (see lockFile), so they never collide.
const (
	NodeName     = "authctl-node"
	HostIP       = "10.200.0.1"
	NodeIP       = "10.200.0.2"
	PodCIDR      = "10.244.0.0/24"
	ClusterCIDR  = "10.244.0.0/16"
	ServiceCIDR  = "10.0.0.0/24" // as in stack.TryStartKubeAPIServer
	DNSServiceIP = "10.0.0.10"
	// BaseDir holds one directory per node (configs, images, state).
	BaseDir = "/var/lib/authctl-e2e"
	// Prefix names the cgroups of a node: /authctl-e2e-<id>.
	Prefix   = "authctl-e2e-"
	lockFile = "/run/authctl-e2e.lock"
)

// Node is a running single-node cluster.
type Node struct {
	ID         string
	Dir        string
	Kube       *stack.KubeAPIServer
	Kubeconfig string // admin kubeconfig (also used by the node components)

	t          testing.TB
	holder     *stack.Process
	procs      map[string]*stack.Process
	cgroupRoot string // "authctl-e2e-<id>"
	hostIf     string
	sock       string // containerd socket
	cacheDir   string
}

// Options configure Start.
type Options struct {
	// Images are built and imported before the kubelet starts, in
	// addition to the harness's own (pause, e2eutil, coredns).
	Images []Image
	// AuthenticationConfig and APIServerEnv go to kube-apiserver (see
	// stack.KubeOptions): an OIDC issuer, and the proxy to reach it.
	AuthenticationConfig []byte
	APIServerEnv         []string
}

// Start brings a node up and registers its teardown with t.Cleanup. It
// returns when the node is Ready and CoreDNS answers.
func Start(t testing.TB, opts Options) *Node {
	t.Helper()
	n, err := start(t, opts)
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	return n
}

func start(t testing.TB, opts Options) (*Node, error) {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil, errors.New("the cluster harness needs root (network and mount namespaces, cgroups)")
	}
	for _, bin := range []string{"containerd", "containerd-shim-runc-v2", "runc", "ctr", "unshare", "nsenter", "ip", "iptables", "ipset"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%s not found on PATH\ntry: hack/e2e-tools.sh node (installs containerd, runc, CNI plugins, iptables, ipset)", bin)
		}
	}
	bins := map[string]string{}
	for _, tool := range []string{stack.ToolKubeControllerManager, stack.ToolKubeScheduler, stack.ToolKubelet, stack.ToolKubeProxy, stack.ToolCoreDNS, stack.ToolKubeRouter} {
		p, err := stack.BinaryPath(tool)
		if err != nil {
			return nil, err
		}
		bins[tool] = p
	}
	if _, err := os.Stat("/usr/lib/cni/bridge"); err != nil {
		return nil, errors.New("CNI plugins missing in /usr/lib/cni\ntry: hack/e2e-tools.sh node")
	}
	unlock, err := lock(10 * time.Minute)
	if err != nil {
		return nil, err
	}
	id := randomID()
	n := &Node{
		ID: id, Dir: filepath.Join(BaseDir, id), t: t, procs: map[string]*stack.Process{},
		cgroupRoot: Prefix + id, hostIf: "ae" + id,
	}
	n.sock = filepath.Join(n.Dir, "state", "containerd.sock")
	n.cacheDir, _ = stack.CacheDir()
	// Registered first, so it runs last: after every process's own Stop.
	t.Cleanup(func() {
		if t.Failed() {
			n.dumpState()
		}
		if err := n.teardown(); err != nil {
			t.Errorf("cluster teardown: %v", err)
		}
		unlock()
	})
	if err := os.MkdirAll(filepath.Join(n.Dir, "etc"), 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(n.Dir, "state"), 0o755); err != nil {
		return nil, err
	}
	if err := n.makeCgroups(); err != nil {
		return nil, err
	}

	kube, err := stack.TryStartKubeAPIServer(t, stack.KubeOptions{
		AuthenticationConfig:    opts.AuthenticationConfig,
		Env:                     opts.APIServerEnv,
		ServiceAccountAdmission: true,
		ServingSANs:             []string{NodeIP, "10.0.0.1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		ExtraArgs: []string{
			"--advertise-address=" + NodeIP,
			"--endpoint-reconciler-type=lease",
			"--kubelet-preferred-address-types=InternalIP",
			"--allow-privileged=true",
		},
	})
	if err != nil {
		return nil, err
	}
	n.Kube, n.Kubeconfig = kube, kube.KubeconfigPath
	// etcd and kube-apiserver join the subtree too, so that a killed test
	// binary leaves nothing that hack/cluster.sh down cannot find.
	_ = n.joinCgroup("host", kube.Etcd.Process.Pid())
	_ = n.joinCgroup("host", kube.Process.Pid())

	if err := n.startHolder(); err != nil {
		return nil, err
	}
	if err := n.wireNetwork(); err != nil {
		return nil, err
	}
	apiPort := strings.TrimPrefix(kube.URL, "https://127.0.0.1:")
	if err := n.forwardAPIServer(apiPort); err != nil {
		return nil, err
	}
	if err := n.writeConfigs(); err != nil {
		return nil, err
	}
	if err := n.startContainerd(); err != nil {
		return nil, err
	}
	images := append(n.harnessImages(bins[stack.ToolCoreDNS]), opts.Images...)
	if err := n.ImportImages(images...); err != nil {
		return nil, err
	}
	if err := n.startKubernetes(bins); err != nil {
		return nil, err
	}
	if err := n.waitNodeReady(3 * time.Minute); err != nil {
		return nil, err
	}
	if err := n.startPolicyEnforcer(bins[stack.ToolKubeRouter]); err != nil {
		return nil, err
	}
	if err := n.deployCoreDNS(); err != nil {
		return nil, err
	}
	return n, nil
}

func randomID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lock serialises clusters on one machine: they share fixed addresses.
func lock(timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(lockFile, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err == nil {
			return func() { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another cluster holds %s", lockFile)
		}
		time.Sleep(time.Second)
	}
}

// cgroupHierarchies lists the mounted cgroup hierarchies (v1 controllers,
// the named systemd one and the unified mount).
func cgroupHierarchies() []string {
	var out []string
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 {
			continue
		}
		sep := 0
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep == 0 || sep+1 >= len(f) {
			continue
		}
		if fs := f[sep+1]; fs == "cgroup" || fs == "cgroup2" {
			out = append(out, f[4])
		}
	}
	return out
}

func (n *Node) makeCgroups() error {
	for _, h := range cgroupHierarchies() {
		for _, sub := range []string{"", "/node", "/host"} {
			d := filepath.Join(h, n.cgroupRoot+sub)
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("creating cgroup %s: %w", d, err)
			}
			// A new cpuset cgroup starts with no CPUs and no memory nodes.
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				if b, err := os.ReadFile(filepath.Join(filepath.Dir(d), f)); err == nil {
					_ = os.WriteFile(filepath.Join(d, f), b, 0o644)
				}
			}
		}
	}
	return nil
}

func (n *Node) joinCgroup(sub string, pid int) error {
	var errs []error
	for _, h := range cgroupHierarchies() {
		if err := os.WriteFile(filepath.Join(h, n.cgroupRoot, sub, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// kernelTunables are the values the kubelet checks and would write
// host-wide (pkg/kubelet/cm setupKernelTunables).
var kernelTunables = map[string]string{
	"vm/overcommit_memory":      "1",
	"vm/panic_on_oom":           "0",
	"kernel/panic":              "10",
	"kernel/panic_on_oops":      "1",
	"kernel/keys/root_maxkeys":  "1000000",
	"kernel/keys/root_maxbytes": "25000000",
}

// startHolder starts the process that owns the node's network and mount
// namespaces. It joins the node cgroup, mounts a tmpfs for all node state
// and shadows the kernel tunables, then sleeps.
func (n *Node) startHolder() error {
	var sh strings.Builder
	sh.WriteString("set -e\n")
	for _, h := range cgroupHierarchies() {
		fmt.Fprintf(&sh, "echo $$ > %s/%s/node/cgroup.procs\n", h, n.cgroupRoot)
	}
	state := filepath.Join(n.Dir, "state")
	fmt.Fprintf(&sh, "mount -t tmpfs -o mode=0755 authctl-e2e %s\n", state)
	// containerd keeps shim sockets in /run/containerd/s whatever its
	// state dir; kubelet writes pod logs to /var/log/pods and
	// /var/log/containers. Keep all of them inside the namespace.
	for _, d := range []string{"/run/containerd", "/var/log/pods", "/var/log/containers", "/var/lib/cni", "/opt/containerd"} {
		fmt.Fprintf(&sh, "mkdir -p %s && mount -t tmpfs -o mode=0755 authctl-e2e %s\n", d, d)
	}
	fmt.Fprintf(&sh, "mkdir -p %s/sysctl\n", state)
	for k, v := range kernelTunables {
		f := filepath.Join(state, "sysctl", strings.ReplaceAll(k, "/", "_"))
		fmt.Fprintf(&sh, "echo %s > %s && mount --bind %s /proc/sys/%s\n", v, f, f, k)
	}
	sh.WriteString("ip link set lo up\n")
	sh.WriteString("echo 1 > /proc/sys/net/ipv4/ip_forward\n")
	sh.WriteString("echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables\n")
	fmt.Fprintf(&sh, "touch %s/ready\n", state)
	sh.WriteString("exec sleep 2147483647\n")
	p, err := stack.StartProcess(n.t, "node-namespaces", "unshare", []string{"--mount", "--net", "--propagation", "private", "--", "/bin/sh", "-c", sh.String()}, nil)
	if err != nil {
		return err
	}
	n.holder = p
	ready := filepath.Join(state, "ready") // visible only inside the namespace
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/root%s", p.Pid(), ready)); err == nil {
			return nil
		}
		if exited, _ := p.Exited(); exited || time.Now().After(deadline) {
			return fmt.Errorf("node namespaces did not come up:\n%s", p.LogTail(50))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// inNode returns the nsenter argv that runs argv inside the node's
// namespaces and, first, moves it into the node's cgroups (nsenter does not
// change cgroups), so that teardown and hack/cluster.sh down find it.
func (n *Node) inNode(argv ...string) []string {
	var join strings.Builder
	for _, h := range cgroupHierarchies() {
		fmt.Fprintf(&join, "echo $$ > %s/%s/node/cgroup.procs; ", h, n.cgroupRoot)
	}
	return append([]string{"-t", strconv.Itoa(n.holder.Pid()), "-m", "-n", "--", "/bin/sh", "-c", join.String() + `exec "$@"`, "sh"}, argv...)
}

// NodeExec runs a command inside the node's namespaces and returns its
// combined output.
func (n *Node) NodeExec(argv ...string) (string, error) {
	out, err := exec.Command("nsenter", n.inNode(argv...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out), nil
}

func run(argv ...string) error {
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

func (n *Node) wireNetwork() error {
	pid := strconv.Itoa(n.holder.Pid())
	steps := [][]string{
		{"ip", "link", "add", n.hostIf, "type", "veth", "peer", "name", "eth0", "netns", pid},
		{"ip", "addr", "add", HostIP + "/30", "dev", n.hostIf},
		{"ip", "link", "set", n.hostIf, "up"},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return err
		}
	}
	for _, s := range [][]string{
		{"ip", "addr", "add", NodeIP + "/30", "dev", "eth0"},
		{"ip", "link", "set", "eth0", "up"},
		// Like any node, a default route (kube-proxy and the kubelet look
		// for one). The host does not forward (net.ipv4.ip_forward=0), so
		// nothing leaves through it.
		{"ip", "route", "add", "default", "via", HostIP, "dev", "eth0"},
	} {
		if _, err := n.NodeExec(s...); err != nil {
			return err
		}
	}
	// The test process reaches pods and Services through the node.
	for _, cidr := range []string{PodCIDR, ServiceCIDR} {
		if err := run("ip", "route", "add", cidr, "via", NodeIP, "dev", n.hostIf); err != nil {
			return err
		}
	}
	return nil
}

// forwardAPIServer listens on port inside the node's network namespace
// (all addresses, so 127.0.0.1 for the node components and NodeIP for the
// kubernetes Service's endpoint) and forwards to kube-apiserver on the
// host's loopback. kube-apiserver itself stays bound to 127.0.0.1.
func (n *Node) forwardAPIServer(port string) error {
	l, err := stack.ListenInNetns(fmt.Sprintf("/proc/%d/ns/net", n.holder.Pid()), ":"+port)
	if err != nil {
		return fmt.Errorf("apiserver forwarder in the node namespace: %w", err)
	}
	stack.ServeForward(n.t, l, "127.0.0.1:"+port)
	return nil
}

func (n *Node) path(parts ...string) string {
	return filepath.Join(append([]string{n.Dir}, parts...)...)
}

func (n *Node) writeConfigs() error {
	state := n.path("state")
	files := map[string]string{
		"etc/containerd.toml": fmt.Sprintf(`version = 2
root = "%[1]s/containerd/root"
state = "%[1]s/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "%[2]s"
[plugins."io.containerd.internal.v1.opt"]
  path = "%[1]s/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "authctl.local/pause:e2e"
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  enable_unprivileged_ports = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "%[4]s"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "%[3]s"
`, state, n.sock, n.path("etc", "cni"), n.runcBinary()),
		"etc/cni/10-authctl.conflist": fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "authctl-e2e",
  "plugins": [{
    "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
    "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "%s/cni"}
  }]
}
`, PodCIDR, state),
		// No upstream resolver: names outside cluster.local do not resolve.
		"etc/resolv.conf": "nameserver 127.0.0.1\n",
		"etc/kubelet.yaml": fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
cgroupRoot: /%s
cgroupsPerQOS: true
clusterDNS: [%s]
clusterDomain: cluster.local
containerRuntimeEndpoint: unix://%s
failSwapOn: false
resolvConf: %s
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
rotateCertificates: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
podLogsDirectory: /var/log/pods
syncFrequency: 10s
fileCheckFrequency: 10s
nodeStatusUpdateFrequency: 5s
`, n.cgroupRoot, DNSServiceIP, n.sock, n.path("etc", "resolv.conf")),
		"etc/kube-proxy.yaml": fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: %s}
mode: iptables
clusterCIDR: %s
hostnameOverride: %s
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
`, n.Kubeconfig, ClusterCIDR, NodeName),
	}
	for name, data := range files {
		p := n.path(name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runcBinary writes the runc wrapper the node uses and returns its path.
//
// These VMs drop CAP_SYS_RESOURCE from every process's bounding set, so no
// process may lower its oom_score_adj; runc's nsexec then dies ("failed to
// update /proc/self/oom_score_adj: Permission denied") for every pod
// sandbox, to which the kubelet always gives -998. The wrapper raises a
// negative oomScoreAdj in the bundle's config.json to 0 before runc reads
// it; nothing else changes. With AUTHCTL_E2E_RUNC_DEBUG=1 it also runs runc
// with --debug and appends each bundle's runc log to <node dir>/runc.log.
func (n *Node) runcBinary() string {
	debug, logCopy := "", ""
	if os.Getenv("AUTHCTL_E2E_RUNC_DEBUG") == "1" {
		debug = "--debug "
		logCopy = `[ -n "$log" ] && cat "$log" >> ` + n.path("runc.log") + "\n"
	}
	w := n.path("etc", "runc")
	_ = os.WriteFile(w, []byte(fmt.Sprintf(`#!/bin/sh
log=""; bundle=""; prev=""
for a in "$@"; do
  case "$prev" in --log) log="$a" ;; --bundle|-b) bundle="$a" ;; esac
  prev="$a"
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  sed -i 's/"oomScoreAdj":-[0-9]*/"oomScoreAdj":0/' "$bundle/config.json"
fi
/usr/sbin/runc %s"$@"; rc=$?
%sexit $rc
`, debug, logCopy)), 0o755)
	return w
}

// startNodeProcess starts bin inside the node's namespaces (nsenter execs,
// so the harness's Stop reaches the real process).
func (n *Node) startNodeProcess(name, bin string, args ...string) (*stack.Process, error) {
	p, err := stack.StartProcess(n.t, name, "nsenter", n.inNode(append([]string{bin}, args...)...), nil)
	if err != nil {
		return nil, err
	}
	n.procs[name] = p
	return p, nil
}

func (n *Node) startContainerd() error {
	p, err := n.startNodeProcess("containerd", "containerd", "--config", n.path("etc", "containerd.toml"), "--log-level", "info")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := n.Ctr("version"); err == nil {
			return nil
		}
		if exited, _ := p.Exited(); exited || time.Now().After(deadline) {
			return fmt.Errorf("containerd did not start:\n%s", p.LogTail(60))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Ctr runs ctr against the node's containerd in the k8s.io namespace.
func (n *Node) Ctr(args ...string) (string, error) {
	return n.NodeExec(append([]string{"ctr", "--address", n.sock, "--namespace", "k8s.io"}, args...)...)
}

// ImportImages writes each image as an archive and imports it.
func (n *Node) ImportImages(images ...Image) error {
	dir := n.path("images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i, im := range images {
		f := filepath.Join(dir, fmt.Sprintf("%d.tar", i))
		if err := im.WriteArchive(f); err != nil {
			return err
		}
		if _, err := n.Ctr("images", "import", "--no-unpack=false", f); err != nil {
			return fmt.Errorf("importing %s: %w", im.Ref, err)
		}
		_ = os.Remove(f)
	}
	return nil
}

// E2EUtilImage is the helper image: pause, an echo upstream, an HTTP client.
const E2EUtilImage = "authctl.local/e2eutil:e2e"

var (
	e2eutilOnce sync.Once
	e2eutilBin  string
	e2eutilErr  error
)

// E2EUtilBinary builds test/e2e/cluster/e2eutil statically, once per process.
func E2EUtilBinary() (string, error) {
	e2eutilOnce.Do(func() {
		root, err := stack.RepoRoot()
		if err != nil {
			e2eutilErr = err
			return
		}
		dir, err := os.MkdirTemp("", "authctl-e2eutil-")
		if err != nil {
			e2eutilErr = err
			return
		}
		e2eutilBin = filepath.Join(dir, "e2eutil")
		cmd := exec.Command("go", "build", "-o", e2eutilBin, "./test/e2e/cluster/e2eutil")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			e2eutilErr = fmt.Errorf("building e2eutil: %w\n%s", err, out)
		}
	})
	return e2eutilBin, e2eutilErr
}

func (n *Node) harnessImages(coredns string) []Image {
	bin, err := E2EUtilBinary()
	if err != nil {
		n.t.Fatalf("cluster: %v", err)
	}
	return []Image{
		{Ref: "authctl.local/pause:e2e", Files: []ImageFile{{Path: "/pause", Src: bin, Mode: 0o755}}, Entrypoint: []string{"/pause", "pause"}, User: "65535"},
		{Ref: E2EUtilImage, Files: []ImageFile{{Path: "/usr/local/bin/e2eutil", Src: bin, Mode: 0o755}}, Entrypoint: []string{"/usr/local/bin/e2eutil"}, User: "10000"},
		// As coredns/coredns: the binary at /coredns, ENTRYPOINT ["/coredns"], nonroot.
		{Ref: "authctl.local/coredns:" + corednsTag(), Files: []ImageFile{{Path: "/coredns", Src: coredns, Mode: 0o755}}, Entrypoint: []string{"/coredns"}, User: "65532"},
	}
}

func corednsTag() string {
	v, _ := stack.Versions()
	return v["COREDNS_VERSION"]
}

func (n *Node) startKubernetes(bins map[string]string) error {
	kc := n.Kubeconfig
	if _, err := n.startNodeProcess("kubelet", bins[stack.ToolKubelet],
		"--config", n.path("etc", "kubelet.yaml"),
		"--kubeconfig", kc,
		"--root-dir", n.path("state", "kubelet"),
		"--hostname-override", NodeName,
		"--node-ip", NodeIP,
		"--v", "1"); err != nil {
		return err
	}
	if _, err := n.startNodeProcess("kube-controller-manager", bins[stack.ToolKubeControllerManager],
		"--kubeconfig", kc,
		"--authentication-kubeconfig", kc,
		"--authorization-kubeconfig", kc,
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--service-account-private-key-file", n.Kube.ServiceAccountKeyFile,
		"--root-ca-file", n.Kube.CAFile,
		"--allocate-node-cidrs=true",
		"--cluster-cidr", ClusterCIDR,
		"--node-cidr-mask-size=24",
		"--service-cluster-ip-range", ServiceCIDR,
		"--concurrent-deployment-syncs=2"); err != nil {
		return err
	}
	if _, err := n.startNodeProcess("kube-scheduler", bins[stack.ToolKubeScheduler],
		"--kubeconfig", kc,
		"--authentication-kubeconfig", kc,
		"--authorization-kubeconfig", kc,
		"--leader-elect=false"); err != nil {
		return err
	}
	if _, err := n.startNodeProcess("kube-proxy", bins[stack.ToolKubeProxy], "--config", n.path("etc", "kube-proxy.yaml")); err != nil {
		return err
	}
	return nil
}

// startPolicyEnforcer starts kube-router's firewall once the Node object
// exists (it looks itself up by name at start).
func (n *Node) startPolicyEnforcer(bin string) error {
	kc := n.Kubeconfig
	if _, err := n.startNodeProcess("kube-router", bin,
		"--kubeconfig", kc,
		"--run-firewall=true",
		"--run-router=false",
		"--run-service-proxy=false",
		"--hostname-override", NodeName,
		"--metrics-port=0",
		"--health-port=20244"); err != nil {
		return err
	}
	return nil
}

// Kubectl runs kubectl with the admin kubeconfig.
func (n *Node) Kubectl(args ...string) (string, error) {
	stdout, stderr, err := stack.Kubectl(n.t, n.Kubeconfig, args...)
	if err != nil {
		return stdout + stderr, fmt.Errorf("kubectl %s: %w\n%s%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, nil
}

// Apply applies a YAML stream with server-side apply.
func (n *Node) Apply(yaml string) error {
	f := filepath.Join(n.t.TempDir(), "apply.yaml")
	if err := os.WriteFile(f, []byte(yaml), 0o644); err != nil {
		return err
	}
	_, err := n.Kubectl("apply", "--server-side", "--force-conflicts", "-f", f)
	return err
}

func (n *Node) waitNodeReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		out, _ := n.Kubectl("get", "node", NodeName, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.podCIDR}`)
		if strings.HasPrefix(out, "True ") && strings.TrimSpace(strings.TrimPrefix(out, "True ")) != "" {
			return nil
		}
		for name, p := range n.procs {
			if exited, err := p.Exited(); exited {
				return fmt.Errorf("%s exited (%v):\n%s", name, err, p.LogTail(80))
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s not Ready with a podCIDR after %s (last: %q)\n--- kubelet ---\n%s", NodeName, timeout, out, n.procs["kubelet"].LogTail(80))
		}
		time.Sleep(time.Second)
	}
}

// WaitRollout waits until a Deployment (or DaemonSet) is rolled out.
func (n *Node) WaitRollout(namespace, kindName string, timeout time.Duration) error {
	_, err := n.Kubectl("-n", namespace, "rollout", "status", kindName, "--timeout", timeout.String())
	if err != nil {
		return fmt.Errorf("%w\n%s", err, n.Describe(namespace))
	}
	return nil
}

// Describe returns pods, events and the describe output of a namespace:
// the kubelet's own evidence for a failed test.
func (n *Node) Describe(namespace string) string {
	var b bytes.Buffer
	for _, args := range [][]string{
		{"-n", namespace, "get", "pods", "-o", "wide"},
		{"-n", namespace, "get", "events", "--sort-by=.lastTimestamp"},
		{"-n", namespace, "describe", "pods"},
	} {
		out, _ := n.Kubectl(args...)
		fmt.Fprintf(&b, "$ kubectl %s\n%s\n", strings.Join(args, " "), out)
	}
	pods, _ := n.Kubectl("-n", namespace, "get", "pods", "-o", "name")
	for _, pod := range strings.Fields(pods) {
		for _, prev := range []string{"--previous", "--previous=false"} {
			args := []string{"-n", namespace, "logs", pod, "--all-containers", "--prefix", "--tail=40", prev}
			out, _ := n.Kubectl(args...)
			fmt.Fprintf(&b, "$ kubectl %s\n%s\n", strings.Join(args, " "), out)
		}
	}
	return b.String()
}

func (n *Node) deployCoreDNS() error {
	if err := n.Apply(fmt.Sprintf(corednsManifest, "authctl.local/coredns:"+corednsTag(), DNSServiceIP)); err != nil {
		return err
	}
	return n.WaitRollout("kube-system", "deployment/coredns", 3*time.Minute)
}

// PodExec runs a command in a pod's container and returns its output.
func (n *Node) PodExec(namespace, pod string, argv ...string) (string, error) {
	return n.Kubectl(append([]string{"-n", namespace, "exec", pod, "--"}, argv...)...)
}

// dumpState logs what the node saw, for a failed test.
func (n *Node) dumpState() {
	if n.Kube == nil {
		return
	}
	out, _ := n.Kubectl("get", "pods", "-A", "-o", "wide")
	n.t.Logf("--- pods ---\n%s", out)
	out, _ = n.Kubectl("get", "events", "-A", "--sort-by=.lastTimestamp")
	n.t.Logf("--- events ---\n%s", tail(out, 80))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// teardown removes everything the node created, whatever state it is in.
func (n *Node) teardown() error {
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := KillCgroup(ctx, n.cgroupRoot); err != nil {
		errs = append(errs, err)
	}
	if n.holder != nil {
		n.holder.Stop()
	}
	// The veth pair and its routes go with the namespace; make sure.
	if _, err := net.InterfaceByName(n.hostIf); err == nil {
		if err := run("ip", "link", "del", n.hostIf); err != nil {
			errs = append(errs, err)
		}
	}
	if err := RemoveCgroups(n.cgroupRoot); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(n.Dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// KillCgroup freezes the subtree /<root> and SIGKILLs every process in it
// until it is empty.
func KillCgroup(ctx context.Context, root string) error {
	freezer := ""
	for _, h := range cgroupHierarchies() {
		if filepath.Base(h) == "freezer" {
			freezer = filepath.Join(h, root)
		}
	}
	for {
		// Freeze first, then read the pids: a frozen process cannot exit,
		// so no pid read here can be reused before the kill.
		if freezer != "" {
			_ = os.WriteFile(filepath.Join(freezer, "freezer.state"), []byte("FROZEN"), 0o644)
		}
		pids := cgroupPids(root)
		if len(pids) == 0 {
			if freezer != "" {
				_ = os.WriteFile(filepath.Join(freezer, "freezer.state"), []byte("THAWED"), 0o644)
			}
			return nil
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if freezer != "" {
			_ = os.WriteFile(filepath.Join(freezer, "freezer.state"), []byte("THAWED"), 0o644)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("processes left in cgroup %s: %v", root, cgroupPids(root))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func cgroupPids(root string) []int {
	seen := map[int]bool{}
	var out []int
	for _, h := range cgroupHierarchies() {
		_ = filepath.Walk(filepath.Join(h, root), func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || info.Name() != "cgroup.procs" {
				return nil
			}
			data, _ := os.ReadFile(p)
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && !seen[pid] {
					seen[pid] = true
					out = append(out, pid)
				}
			}
			return nil
		})
	}
	return out
}

// RemoveCgroups removes /<root> and everything below it in every hierarchy.
func RemoveCgroups(root string) error {
	var errs []error
	for _, h := range cgroupHierarchies() {
		base := filepath.Join(h, root)
		var dirs []string
		_ = filepath.Walk(base, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			var err error
			for try := 0; try < 50; try++ {
				if err = os.Remove(dirs[i]); err == nil || os.IsNotExist(err) {
					err = nil
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// podManifest is a Pod running e2eutil with args as user 10000, compliant
// with the "restricted" Pod Security level, with labels added.
func podManifest(namespace, name string, args []string, labels map[string]string, restart string) string {
	var lb strings.Builder
	for k, v := range labels {
		fmt.Fprintf(&lb, "    %s: %q\n", k, v)
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = strconv.Quote(a)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: %s
  labels:
    authctl-e2e/run: %q
%sspec:
  restartPolicy: %s
  automountServiceAccountToken: false
  containers:
  - name: run
    image: %s
    imagePullPolicy: Never
    args: [%s]
    securityContext: {runAsUser: 10000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
`, name, namespace, name, lb.String(), restart, E2EUtilImage, strings.Join(quoted, ", "))
}

// RunPod runs e2eutil with args as a one-shot pod (user 10000) in
// namespace, waits for it to finish and returns its log. labels are added
// to the pod (NetworkPolicies select on them).
func (n *Node) RunPod(namespace, name string, args []string, labels map[string]string, timeout time.Duration) (string, error) {
	manifest := podManifest(namespace, name, args, labels, "Never")
	_, _ = n.Kubectl("-n", namespace, "delete", "pod", name, "--ignore-not-found", "--wait=true")
	if err := n.Apply(manifest); err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	for {
		phase, _ := n.Kubectl("-n", namespace, "get", "pod", name, "-o", "jsonpath={.status.phase}")
		if phase == "Succeeded" || phase == "Failed" {
			out, err := n.Kubectl("-n", namespace, "logs", name)
			if err != nil {
				return out, err
			}
			if phase == "Failed" {
				return out, fmt.Errorf("pod %s/%s failed:\n%s\n%s", namespace, name, out, n.Describe(namespace))
			}
			return out, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("pod %s/%s not finished after %s (phase %q)\n%s", namespace, name, timeout, phase, n.Describe(namespace))
		}
		time.Sleep(time.Second)
	}
}

// CreateVolumes creates count hostPath PersistentVolumes of 1Gi without a
// storage class, so that PersistentVolumeClaims without one bind to them
// (the cluster has no provisioner). Their directories live in the node's
// tmpfs and are mode 0777, as Rancher's local-path provisioner makes them.
func (n *Node) CreateVolumes(count int) error {
	var b strings.Builder
	for i := 0; i < count; i++ {
		dir := n.path("state", "volumes", fmt.Sprintf("pv%d", i))
		if _, err := n.NodeExec("mkdir", "-p", "-m", "0777", dir); err != nil {
			return err
		}
		if _, err := n.NodeExec("chmod", "0777", dir); err != nil {
			return err
		}
		fmt.Fprintf(&b, `apiVersion: v1
kind: PersistentVolume
metadata: {name: authctl-e2e-pv%d}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: {path: %s, type: Directory}
---
`, i, dir)
	}
	return n.Apply(b.String())
}

// WaitHTTP polls url from the test process (through the node's routes:
// pod and Service addresses) until it answers with any HTTP status, e.g.
// until kube-proxy has programmed a new Service.
func (n *Node) WaitHTTP(url string, timeout time.Duration) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil}}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %s: %w", url, timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// StartClientPod starts a long-running e2eutil pod (an echo server on
// :8080) with labels, waits until it is Ready, and returns its IP. Probes
// then run in it with PodExec.
func (n *Node) StartClientPod(namespace, name string, labels map[string]string) (string, error) {
	if err := n.Apply(podManifest(namespace, name, []string{"serve", ":8080"}, labels, "Always")); err != nil {
		return "", err
	}
	if _, err := n.Kubectl("-n", namespace, "wait", "--for=condition=Ready", "pod/"+name, "--timeout=2m"); err != nil {
		return "", fmt.Errorf("%w\n%s", err, n.Describe(namespace))
	}
	return n.Kubectl("-n", namespace, "get", "pod", name, "-o", "jsonpath={.status.podIP}")
}

// WaitEnforcerKnows waits until kube-router has put ip into one of its
// ipsets, i.e. has processed the pod for the policies that select it.
func (n *Node) WaitEnforcerKnows(ip string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		out, _ := n.NodeExec("ipset", "list")
		for _, line := range strings.Split(out, "\n") {
			if strings.TrimSpace(line) == ip || strings.HasPrefix(strings.TrimSpace(line), ip+" ") {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-router has not put %s in any ipset after %s", ip, timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// PortForward runs `kubectl port-forward` to target (e.g. svc/name) in
// namespace for port, through the real kubelet and containerd, and returns
// the local base URL http://127.0.0.1:PORT. It stops on t.Cleanup.
func (n *Node) PortForward(namespace, target string, port int) (string, error) {
	p, err := stack.StartProcess(n.t, "port-forward-"+strings.ReplaceAll(target, "/", "-"), "kubectl",
		[]string{"--kubeconfig", n.Kubeconfig, "-n", namespace, "port-forward", "--address", "127.0.0.1", target, fmt.Sprintf(":%d", port)}, nil)
	if err != nil {
		return "", err
	}
	re := regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(p.Log()); m != nil {
			return "http://127.0.0.1:" + m[1], nil
		}
		if exited, _ := p.Exited(); exited || time.Now().After(deadline) {
			return "", fmt.Errorf("port-forward %s/%s:%d did not start:\n%s", namespace, target, port, p.LogTail(20))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// PostgresBin is Debian's PostgreSQL 15 (apt-get install postgresql-15).
const PostgresBin = "/usr/lib/postgresql/15/bin"

// StartPostgres runs Debian's PostgreSQL inside the node's namespaces,
// listening on NodeIP:5432 (pods reach it, nothing outside the node does),
// with its data on the node's tmpfs, and creates one database and
// same-named owner role (password "e2e-password") per name. It returns the
// DSN of each database as pods use it.
func (n *Node) StartPostgres(names ...string) (map[string]string, error) {
	if _, err := os.Stat(filepath.Join(PostgresBin, "postgres")); err != nil {
		return nil, fmt.Errorf("PostgreSQL 15 not installed\ntry: apt-get install postgresql-15")
	}
	data := n.path("state", "postgres")
	for _, argv := range [][]string{
		{"mkdir", "-p", data},
		{"chown", "postgres:postgres", data},
		{"runuser", "-u", "postgres", "--", filepath.Join(PostgresBin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres"},
		{"sh", "-c", fmt.Sprintf("echo 'host all all %s scram-sha-256' >> %s/pg_hba.conf", ClusterCIDR, data)},
	} {
		if _, err := n.NodeExec(argv...); err != nil {
			return nil, err
		}
	}
	p, err := n.startNodeProcess("postgres", "runuser", "-u", "postgres", "--", filepath.Join(PostgresBin, "postgres"),
		"-D", data, "-c", "listen_addresses="+NodeIP, "-c", "port=5432", "-c", "unix_socket_directories="+data,
		"-c", "fsync=off", "-c", "max_connections=200")
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := n.NodeExec("runuser", "-u", "postgres", "--", filepath.Join(PostgresBin, "pg_isready"), "-h", data, "-p", "5432"); err == nil {
			break
		}
		if exited, _ := p.Exited(); exited || time.Now().After(deadline) {
			return nil, fmt.Errorf("postgres did not start:\n%s", p.LogTail(40))
		}
		time.Sleep(500 * time.Millisecond)
	}
	dsns := map[string]string{}
	for _, name := range names {
		// Two -c: CREATE DATABASE cannot run inside the transaction that
		// one multi-statement -c would be.
		if _, err := n.NodeExec("runuser", "-u", "postgres", "--", filepath.Join(PostgresBin, "psql"), "-h", data, "-p", "5432", "-v", "ON_ERROR_STOP=1",
			"-c", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD 'e2e-password'", name),
			"-c", fmt.Sprintf("CREATE DATABASE %[1]s OWNER %[1]s", name)); err != nil {
			return nil, err
		}
		dsns[name] = fmt.Sprintf("postgres://%s:e2e-password@%s:5432/%s?sslmode=disable", name, NodeIP, name)
	}
	return dsns, nil
}
