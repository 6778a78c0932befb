package apply

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// LiveDiff compares a proposed Helm manifest with the objects as they are in
// the cluster now (not with the release record, so manual drift shows too),
// and lists the release's objects the proposal would remove. Only the fields
// the proposal sets are compared: the server's defaults and status are not
// changes.
func (c *Client) LiveDiff(ctx context.Context, proposed string) (string, error) {
	rc, err := c.getter.ToRESTConfig()
	if err != nil {
		return "", fmt.Errorf("could not connect to the cluster: %w", err)
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return "", err
	}
	mapper, err := c.getter.ToRESTMapper()
	if err != nil {
		return "", err
	}
	want := splitManifest(proposed)
	var out strings.Builder
	for _, key := range slices.Sorted(maps.Keys(want)) {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(want[key]), &obj.Object); err != nil {
			return "", fmt.Errorf("could not decode %s: %w", key, err)
		}
		live := ""
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(schema.GroupKind{Group: gvk.Group, Kind: gvk.Kind}, gvk.Version)
		if err != nil {
			return "", fmt.Errorf("the cluster does not know %s: %w", gvk, err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ns := obj.GetNamespace()
			if ns == "" {
				ns = c.Namespace
			}
			ri = dyn.Resource(m.Resource).Namespace(ns)
		}
		cur, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return "", fmt.Errorf("could not read %s: %w", key, err)
		default:
			projected := project(cur.Object, obj.Object)
			b, err := yaml.Marshal(projected)
			if err != nil {
				return "", err
			}
			live = string(b)
		}
		if obj.GetKind() == "Secret" {
			redactSecret(obj.Object)
			if live != "" {
				var lm map[string]any
				if err := yaml.Unmarshal([]byte(live), &lm); err != nil {
					return "", err
				}
				redactSecret(lm)
				lb, err := yaml.Marshal(lm)
				if err != nil {
					return "", err
				}
				live = string(lb)
			}
		}
		b, err := yaml.Marshal(obj.Object)
		if err != nil {
			return "", err
		}
		if live == string(b) {
			continue
		}
		d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(live), B: difflib.SplitLines(string(b)),
			FromFile: "live/" + key, ToFile: "rendered/" + key, Context: 3,
		})
		if err != nil {
			return "", err
		}
		out.WriteString(d)
	}
	// Objects of the deployed release the proposal no longer has.
	if rel, err := c.Current(); err == nil && rel != nil {
		old := splitManifest(rel.Manifest)
		for _, key := range slices.Sorted(maps.Keys(old)) {
			if _, ok := want[key]; !ok {
				fmt.Fprintf(&out, "--- live/%s\n+++ (removed)\n", key)
			}
		}
	}
	return out.String(), nil
}

// redactSecret replaces each value of a Secret's data and stringData with a
// short digest of the decoded value: the diff shows which keys change, never
// a secret (as kubectl diff does).
func redactSecret(obj map[string]any) {
	for _, field := range []string{"data", "stringData"} {
		m, ok := obj[field].(map[string]any)
		if !ok {
			continue
		}
		for k, v := range m {
			s, _ := v.(string)
			raw := []byte(s)
			if field == "data" {
				if dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), "")); err == nil {
					raw = dec
				}
			}
			sum := sha256.Sum256(raw)
			m[k] = fmt.Sprintf("(redacted, sha256:%x)", sum[:6])
		}
	}
}

// project keeps, from live, only the fields that want sets, recursively.
func project(live, want any) any {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return live
		}
		out := map[string]any{}
		for k, wv := range w {
			if lv, ok := l[k]; ok {
				out[k] = project(lv, wv)
			}
		}
		return out
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(w) {
			return live
		}
		out := make([]any, len(l))
		for i := range l {
			out[i] = project(l[i], w[i])
		}
		return out
	}
	return live
}
