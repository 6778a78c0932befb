// Package apply installs, upgrades and rolls back the rendered stack as a
// Helm release through the Helm SDK, so `helm history` and `helm rollback`
// work on it; it also diffs a release against the live cluster and follows
// a rollout.
package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/authctl/authctl/pkg/render"
)

// Chart builds the Helm chart of a render (the same files as
// `authctl render --format helm`).
func Chart(res *render.Result, name, version string) (*chart.Chart, error) {
	files, err := res.Files("helm", name, version)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var bf []*loader.BufferedFile
	for _, n := range names {
		bf = append(bf, &loader.BufferedFile{Name: n, Data: files[n].Data})
	}
	c, err := loader.LoadFiles(bf)
	if err != nil {
		return nil, fmt.Errorf("could not load the rendered chart: %w", err)
	}
	return c, nil
}

// Client is the Helm configuration of one release in one namespace.
type Client struct {
	Release   string
	Namespace string
	cfg       *action.Configuration
	getter    genericclioptions.RESTClientGetter
}

// NewClient initialises Helm with the Secret storage driver (Helm's default,
// so the helm CLI sees the same history).
func NewClient(getter genericclioptions.RESTClientGetter, release, namespace string, log io.Writer) (*Client, error) {
	cfg := new(action.Configuration)
	logf := func(format string, v ...any) {
		if log != nil {
			fmt.Fprintf(log, format+"\n", v...)
		}
	}
	if err := cfg.Init(getter, namespace, "secret", logf); err != nil {
		return nil, fmt.Errorf("could not connect to the cluster: %w", err)
	}
	return &Client{Release: release, Namespace: namespace, cfg: cfg, getter: getter}, nil
}

// Exists reports whether the release has a deployed history.
func (c *Client) Exists() (bool, error) {
	h, err := action.NewHistory(c.cfg).Run(c.Release)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return len(h) > 0, nil
}

// Result is what Apply did.
type Result struct {
	Release  *release.Release
	Upgraded bool
}

// Apply installs the chart, or upgrades the release when it exists. The
// namespace is created first (Helm keeps the release record in it) and the
// chart's own Namespace object, with its Pod Security labels, is adopted.
// dryRun "server" renders and validates against the cluster without changes.
func (c *Client) Apply(ctx context.Context, ch *chart.Chart, opts Options) (*Result, error) {
	dryRun := opts.DryRun
	exists, err := c.Exists()
	if err != nil {
		return nil, err
	}
	if exists {
		u := action.NewUpgrade(c.cfg)
		u.Namespace = c.Namespace
		u.TakeOwnership = true
		u.MaxHistory = 10
		u.DryRunOption = dryRun
		u.DryRun = dryRun != ""
		u.Wait, u.Timeout = opts.Wait, opts.Timeout
		rel, err := u.RunWithContext(ctx, c.Release, ch, nil)
		if err != nil {
			return nil, fmt.Errorf("could not upgrade release %q: %w", c.Release, err)
		}
		return &Result{Release: rel, Upgraded: true}, nil
	}
	if dryRun == "" {
		// Helm records the release in its namespace before it creates any
		// object, and decides what to adopt before CreateNamespace runs, so
		// make sure the namespace exists; the chart's Namespace object (with
		// its Pod Security labels) then adopts it.
		if err := c.ensureNamespace(ctx); err != nil {
			return nil, err
		}
	}
	i := action.NewInstall(c.cfg)
	i.ReleaseName = c.Release
	i.Namespace = c.Namespace
	i.TakeOwnership = true
	i.DryRunOption = dryRun
	i.DryRun = dryRun != ""
	i.Wait, i.Timeout = opts.Wait, opts.Timeout
	rel, err := i.RunWithContext(ctx, ch, nil)
	if err != nil {
		return nil, fmt.Errorf("could not install release %q: %w", c.Release, err)
	}
	return &Result{Release: rel}, nil
}

// Rollback rolls the release back to revision (0: the previous one), as
// `helm rollback` does.
func (c *Client) Rollback(revision int) error {
	r := action.NewRollback(c.cfg)
	r.Version = revision
	if err := r.Run(c.Release); err != nil {
		return fmt.Errorf("could not roll back release %q: %w", c.Release, err)
	}
	return nil
}

// History returns the release's revisions, oldest first.
func (c *Client) History() ([]*release.Release, error) {
	h, err := action.NewHistory(c.cfg).Run(c.Release)
	if err != nil {
		return nil, err
	}
	sort.Slice(h, func(i, j int) bool { return h[i].Version < h[j].Version })
	return h, nil
}

// Options tune Apply.
type Options struct {
	// DryRun is "" (apply), "client" or "server" (validate against the
	// cluster without changing it).
	DryRun string
	// Wait makes Helm block until the workloads are ready, up to Timeout.
	// The CLI uses Rollout instead, which shows progress.
	Wait    bool
	Timeout time.Duration
}

// Current returns the deployed release, or nil when there is none.
func (c *Client) Current() (*release.Release, error) {
	rel, err := action.NewGet(c.cfg).Run(c.Release)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	return rel, err
}

// splitManifest indexes a Helm manifest by "Kind/namespace/name".
func splitManifest(m string) map[string]string {
	out := map[string]string{}
	for _, doc := range strings.Split(m, "\n---") {
		doc = strings.TrimSpace(doc)
		// Helm prefixes each document with a "# Source: …" comment.
		lines := strings.Split(doc, "\n")
		var kept []string
		for _, l := range lines {
			if !strings.HasPrefix(l, "# Source:") {
				kept = append(kept, l)
			}
		}
		doc = strings.TrimSpace(strings.Join(kept, "\n"))
		if doc == "" {
			continue
		}
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name, Namespace string
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil || meta.Kind == "" {
			continue
		}
		out[meta.Kind+"/"+meta.Metadata.Namespace+"/"+meta.Metadata.Name] = doc + "\n"
	}
	return out
}

func (c *Client) ensureNamespace(ctx context.Context) error {
	rc, err := c.getter.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("could not connect to the cluster: %w", err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("could not connect to the cluster: %w", err)
	}
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.Namespace}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("could not create namespace %q: %w", c.Namespace, err)
	}
	return nil
}

// Template renders the chart as `helm template` does, entirely offline: no
// cluster is contacted and nothing is stored. It is what
// `apply --dry-run=client` shows.
func Template(ctx context.Context, ch *chart.Chart, releaseName, namespace string) (string, error) {
	cfg := &action.Configuration{
		KubeClient:   &kubefake.PrintingKubeClient{Out: io.Discard},
		Releases:     storage.Init(driver.NewMemory()),
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...any) {},
	}
	i := action.NewInstall(cfg)
	i.ReleaseName, i.Namespace = releaseName, namespace
	i.DryRun, i.DryRunOption, i.ClientOnly, i.Replace = true, "client", true, true
	rel, err := i.RunWithContext(ctx, ch, nil)
	if err != nil {
		return "", fmt.Errorf("could not render release %q: %w", releaseName, err)
	}
	return rel.Manifest, nil
}
