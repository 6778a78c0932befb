package render_test

import (
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/render"
)

// TestIngressSplit: the ingress target spreads 6000 services over several
// Ingresses under 1 MiB, every host routed (a host whose services land in
// two Ingresses is merged by the controller), the stack's own hosts in the
// first.
func TestIngressSplit(t *testing.T) {
	p := manyServices(t, 6000, "{target: ingress, ingressClassName: nginx, tlsSecretName: example-com-tls}")
	res, err := renderProfile(t, p)
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]int{}
	ingresses := 0
	for _, o := range res.Objects {
		if o.Kind != "Ingress" {
			continue
		}
		ingresses++
		if len(o.YAML) > render.MaxObjectBytes {
			t.Errorf("Ingress %s is %d bytes", o.Name, len(o.YAML))
		}
		var ing struct {
			Spec struct {
				Rules []struct{ Host string }
				TLS   []struct{ Hosts []string }
			}
		}
		if err := yaml.Unmarshal(o.YAML, &ing); err != nil {
			t.Fatal(err)
		}
		for _, r := range ing.Spec.Rules {
			hosts[r.Host]++
		}
		if len(ing.Spec.TLS) != 1 || len(ing.Spec.TLS[0].Hosts) != len(ing.Spec.Rules) {
			t.Errorf("Ingress %s: TLS hosts do not match its rules", o.Name)
		}
		if (o.Name == "dev") != (hosts["auth.example.com"] == 1 && ing.Spec.Rules[0].Host == "auth.example.com") {
			t.Errorf("Ingress %s: the stack's own hosts belong in the first Ingress only", o.Name)
		}
	}
	if ingresses < 2 {
		t.Fatalf("%d Ingresses", ingresses)
	}
	// 3000 service hosts, each with two services (two paths), plus the stack's three.
	if len(hosts) != 3003 {
		t.Errorf("%d hosts routed", len(hosts))
	}
}
