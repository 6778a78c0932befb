// Package render turns a profile into Kubernetes manifests. Templates are
// Helm-style Go templates run by text/template (tmpl.go); kustomize
// (krusty) then applies the profile's patches and turns config and Secrets
// into generators, whose hash suffixes make a config change roll the pods.
package render

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"io/fs"

	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/secrets"
	"github.com/authctl/authctl/templates"
)

// Options are the inputs of a render.
type Options struct {
	Profile *profile.Profile
	// Secrets holds the values for the generate policy; it is ignored by
	// the other policies.
	Secrets *secrets.File
	// Templates overrides the embedded templates (tests).
	Templates fs.FS
	// ManagedBy is the app.kubernetes.io/managed-by label: ManagedByHelm
	// when a Helm release will own the objects (apply, the helm format;
	// Helm stamps that value itself), else ManagedByAuthctl (the default).
	ManagedBy string
}

// Values of the app.kubernetes.io/managed-by label.
const (
	ManagedByAuthctl = "authctl"
	ManagedByHelm    = "Helm"
)

// Object is one rendered Kubernetes object.
type Object struct {
	APIVersion, Kind, Namespace, Name string
	// YAML is the object's canonical YAML, without a document separator.
	YAML []byte
}

// IsSecret reports whether the object holds secret values.
func (o Object) IsSecret() bool { return o.Kind == "Secret" && o.APIVersion == "v1" }

// Result is a finished render.
type Result struct {
	// Objects are sorted: namespace first, then by kind order and name.
	Objects []Object
	// Base is the kustomize base the objects were built from: path → content.
	Base map[string][]byte
	// SecretFiles lists the paths in Base that hold secret values.
	SecretFiles map[string]bool
}

const baseDir = "/base"

// Render produces the manifests for a profile.
func Render(opts Options) (*Result, error) {
	p := opts.Profile
	if p.Spec.Secrets.Policy == "generate" && opts.Secrets == nil {
		return nil, fmt.Errorf("the generate secrets policy needs a secrets file")
	}
	if p.Spec.Secrets.Policy == "generate" && TokenHookEnabled(p) && opts.Secrets.Hydra.TokenHookKey == "" {
		// Never invented here: a value made up at render time would change
		// on every render and match nothing Hydra already has.
		return nil, fmt.Errorf("the secrets file has no hydra.tokenHookKey (the token hook's API key)\ntry: authctl secrets generate -f PROFILE (it adds missing secrets and keeps the others)")
	}
	tfs := opts.Templates
	if tfs == nil {
		tfs = templates.FS
	}
	m := newModel(p)
	managedBy := cmp.Or(opts.ManagedBy, ManagedByAuthctl)
	vals, err := values(m, managedBy)
	if err != nil {
		return nil, err
	}
	docs, err := renderTemplates(tfs, p, vals)
	if err != nil {
		return nil, err
	}
	base, secretFiles, err := buildBase(m, opts.Secrets, docs, managedBy)
	if err != nil {
		return nil, err
	}
	kbase, passthrough, err := splitPassthrough(p, base, docs)
	if err != nil {
		return nil, err
	}
	objs, err := runKustomize(kbase)
	if err != nil {
		if i := firstFailingPatch(kbase, len(p.Spec.Patches)); i >= 0 {
			return nil, p.Errorf(fmt.Sprintf("spec.patches[%d].patch", i),
				"check the patch's target, kind and metadata.name against the objects `authctl render` writes without it",
				"%v", err)
		}
		return nil, err
	}
	objs = append(objs, passthrough...)
	sortObjects(objs)
	if err := checkObjectSizes(m, objs); err != nil {
		return nil, err
	}
	return &Result{Objects: objs, Base: base, SecretFiles: secretFiles}, nil
}

func marshalYAML(v any) ([]byte, error) {
	out, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("could not encode config: %w", err)
	}
	return out, nil
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
