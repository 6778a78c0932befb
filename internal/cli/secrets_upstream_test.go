package cli

import (
	"strings"
	"testing"

	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

func TestSecretsUpstream(t *testing.T) {
	const p, sfPath = "../../examples/internal-tools.yaml", "../../pkg/render/testdata/test-secrets.yaml"
	sf, err := secrets.Load(sfPath)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "secrets", "upstream", "grafana", "-f", p, "--secrets-file", sfPath)
	want := render.UpstreamSecret(sf.Oathkeeper.HeaderSecret, "grafana")
	if code != 0 || out != want+"\n" {
		t.Fatalf("code %d, out %q, want %q\n%s", code, out, want, errOut)
	}
	if want == sf.Oathkeeper.HeaderSecret || want == render.UpstreamSecret(sf.Oathkeeper.HeaderSecret, "wiki") {
		t.Fatal("an upstream's secret must differ from the master and from other upstreams'")
	}
	for _, tc := range []struct{ service, want string }{
		{"wiki", "gets no gateway secret"},
		{"nope", `no service "nope"`},
	} {
		out, errOut, code := run(t, "secrets", "upstream", tc.service, "-f", p, "--secrets-file", sfPath)
		if code != ExitError || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: code %d, out %q, err %q", tc.service, code, out, errOut)
		}
	}
}
