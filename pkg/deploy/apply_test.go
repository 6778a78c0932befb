package deploy

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/cluster"
	"github.com/authctl/authctl/pkg/ory"
	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/progress"
	"github.com/authctl/authctl/pkg/secrets"
)

// fakeCluster stands in at the cluster seam and records what it was asked,
// in order; the real Helm and kube-apiserver run this operation in
// test/e2e/bootstrap's TestApplyBootstrapThroughFakePortForward.
type fakeCluster struct {
	calls   *[]string
	waitErr error
}

func (f fakeCluster) Install(_ context.Context, p *profile.Profile, _ *secrets.File, _, dryRun string) (*cluster.InstallResult, error) {
	*f.calls = append(*f.calls, "install "+dryRun)
	if dryRun == "server" {
		return &cluster.InstallResult{Diff: "a diff"}, nil
	}
	return &cluster.InstallResult{Release: &cluster.Release{Name: p.Metadata.Name, Namespace: p.Metadata.Namespace, Revision: 2, Upgraded: true}}, nil
}
func (f fakeCluster) History(context.Context, string, string) ([]cluster.Revision, error) {
	return nil, errors.New("not asked")
}
func (f fakeCluster) Rollback(context.Context, string, string, int) error {
	return errors.New("not asked")
}
func (f fakeCluster) WaitForRollout(_ context.Context, ns, selector string, _ time.Duration, _ func([]progress.Item)) error {
	*f.calls = append(*f.calls, "wait "+ns+" "+selector)
	return f.waitErr
}
func (f fakeCluster) Forwarder(io.Writer) (cluster.Forwarder, error) {
	*f.calls = append(*f.calls, "forwarder")
	return cluster.StaticForwarder{"auth/dev-kratos-admin:4434": "http://127.0.0.1:1", "auth/dev-hydra-admin:4445": "http://127.0.0.1:2"}, nil
}
func (f fakeCluster) SecretKeys(context.Context, string, string) ([]string, bool, error) {
	return nil, false, errors.New("not asked")
}

func testProfile(t *testing.T) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("profile.yaml", t.TempDir(), []byte("apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata: {name: dev, namespace: auth}\nspec: {domain: example.com}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Install, then wait, then forward the admin Services and bootstrap
// through them, in that order, with the forwarded URLs.
func TestApplyOnAFakeCluster(t *testing.T) {
	var calls []string
	var log strings.Builder
	var got *ory.Bootstrap
	a := &Apply{
		Profile: testProfile(t), Cluster: fakeCluster{calls: &calls}, Log: &log, Wait: true, Timeout: time.Minute,
		Bootstrap: ory.NewBootstrap(),
		RunBootstrap: func(_ context.Context, b *ory.Bootstrap) error {
			got = b
			calls = append(calls, "bootstrap")
			return nil
		},
	}
	if _, err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Join(calls, ",") != "install ,wait auth app.kubernetes.io/instance=dev,forwarder,bootstrap" {
		t.Errorf("calls %q", calls)
	}
	if got.KratosAdminURL != "http://127.0.0.1:1" || got.HydraAdminURL != "http://127.0.0.1:2" || got.KratosPublicURL != "" || got.Profile != a.Profile {
		t.Errorf("bootstrap got %+v", got)
	}
	for _, line := range []string{`upgraded release "dev" in namespace "auth", revision 2`, "waiting up to 1m0s", "forwarding dev-kratos-admin to http://127.0.0.1:1", "forwarding dev-hydra-admin to http://127.0.0.1:2"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log.String())
		}
	}

	// A failed wait stops before the bootstrap; a server dry run after
	// the install.
	calls = nil
	a.Cluster = fakeCluster{calls: &calls, waitErr: errors.New("not ready")}
	if _, err := a.Run(context.Background()); err == nil || strings.Join(calls, ",") != "install ,wait auth app.kubernetes.io/instance=dev" {
		t.Errorf("failed wait: %v, calls %q", err, calls)
	}
	calls = nil
	a.DryRun = "server"
	if res, err := a.Run(context.Background()); err != nil || res.Diff != "a diff" || strings.Join(calls, ",") != "install server" {
		t.Errorf("server dry run: %v %+v, calls %q", err, res, calls)
	}
}
