package render_test

import (
	"encoding/json"
	"fmt"
	"testing"

	egv1a1 "github.com/envoyproxy/gateway/api/v1alpha1"
	"google.golang.org/protobuf/encoding/protojson"
	istiosecurity "istio.io/api/security/v1beta1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	gwv1beta1 "sigs.k8s.io/gateway-api/apis/v1beta1"
	"sigs.k8s.io/yaml"
)

// TestGatewayObjectsDecodeStrictly decodes the Gateway API and Istio objects
// of every example into their published Go types, rejecting unknown fields.
func TestGatewayObjectsDecodeStrictly(t *testing.T) {
	seen := map[string]int{}
	for _, file := range examples(t) {
		for _, o := range renderExample(t, file).Objects {
			var target any
			switch o.Kind {
			case "Gateway":
				target = &gwv1.Gateway{}
			case "HTTPRoute":
				target = &gwv1.HTTPRoute{}
			case "ReferenceGrant":
				target = &gwv1beta1.ReferenceGrant{}
			case "AuthorizationPolicy":
				target = &securityv1.AuthorizationPolicy{}
			case "SecurityPolicy":
				target = &egv1a1.SecurityPolicy{}
			case "ClientTrafficPolicy":
				target = &egv1a1.ClientTrafficPolicy{}
			default:
				continue
			}
			seen[o.Kind]++
			if err := decodeStrict(o.YAML, target); err != nil {
				t.Errorf("%s: %s/%s does not decode strictly: %v", file, o.Kind, o.Name, err)
			}
		}
	}
	for _, k := range []string{"Gateway", "HTTPRoute", "ReferenceGrant", "AuthorizationPolicy", "SecurityPolicy", "ClientTrafficPolicy"} {
		if seen[k] == 0 {
			t.Errorf("no example renders a %s", k)
		}
	}
}

func TestGatewayStrictDecodingCatchesMistakes(t *testing.T) {
	cases := map[string]struct {
		doc    string
		target any
	}{
		"httproute":           {"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: x}\nspec: {hostname: [a.example.com]}\n", &gwv1.HTTPRoute{}},
		"securitypolicy":      {"apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: x}\nspec: {extAuth: {http: {pth: /decisions}}}\n", &egv1a1.SecurityPolicy{}},
		"authorizationpolicy": {"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: x}\nspec: {action: CUSTOM, provider: {nam: x}}\n", &securityv1.AuthorizationPolicy{}},
	}
	for name, tc := range cases {
		if err := decodeStrict([]byte(tc.doc), tc.target); err == nil {
			t.Errorf("%s: a misspelt field was accepted", name)
		}
	}
}

// decodeStrict decodes YAML into a published type, rejecting unknown fields.
// Istio's generated types unmarshal leniently, so their spec goes through
// protojson, which is strict.
func decodeStrict(doc []byte, target any) error {
	if err := yaml.UnmarshalStrict(doc, target); err != nil {
		return err
	}
	if _, ok := target.(*securityv1.AuthorizationPolicy); !ok {
		return nil
	}
	var raw struct {
		Spec json.RawMessage `json:"spec"`
	}
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(js, &raw); err != nil {
		return err
	}
	if err := protojson.Unmarshal(raw.Spec, &istiosecurity.AuthorizationPolicy{}); err != nil {
		return fmt.Errorf("spec: %w", err)
	}
	return nil
}
