package sz

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/pkg/secrets"
)

func TestSizes(t *testing.T) {
	sf, _ := secrets.Load("/work/wt13/pkg/render/testdata/test-secrets.yaml")
	for _, target := range []string{"envoy-gateway", "istio", "ingress"} {
		n := 1000
		data := strings.Replace(string(profile.ManyServices(n)), "  services:\n", "  gateway: {target: "+target+", tlsSecretName: x, ingressClassName: nginx}\n  services:\n", 1)
		p, err := profile.Parse("p.yaml", "", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := render.Render(render.Options{Profile: p, Secrets: sf})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println(target, "render", n, time.Since(start), len(res.Objects))
		for _, o := range res.Objects {
			if len(o.YAML) > 50000 {
				fmt.Println("  ", o.Kind, o.Name, len(o.YAML))
			}
		}
	}
}
