// Package render turns a profile into Kubernetes manifests. Templates are
// Helm-style Go templates run by text/template (tmpl.go); kustomize
// (krusty) then applies the profile's patches and turns config and Secrets
// into generators, whose hash suffixes make a config change roll the pods.
package render

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
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

// renderTemplates runs the templates (tmpl.go) and returns the YAML
// documents in a stable order.
func renderTemplates(tfs fs.FS, p *profile.Profile, vals map[string]any) ([][]byte, error) {
	out, err := executeTemplates(tfs, map[string]any{
		"Values":  vals,
		"Release": map[string]any{"Name": p.Metadata.Name, "Namespace": p.Metadata.Namespace},
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	var docs [][]byte
	for _, n := range names {
		if strings.HasSuffix(n, ".tpl") {
			continue
		}
		for _, d := range splitYAML([]byte(out[n])) {
			var m map[string]any
			if err := yaml.Unmarshal(d, &m); err != nil {
				return nil, fmt.Errorf("template %s produced invalid YAML: %w\n%s", n, err, d)
			}
			if len(m) == 0 {
				continue
			}
			docs = append(docs, d)
		}
	}
	return docs, nil
}

func splitYAML(data []byte) [][]byte {
	var out [][]byte
	for _, part := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(part)) > 0 {
			out = append(out, part)
		}
	}
	return out
}

// buildBase assembles the kustomize base: the template output as resources,
// the config files and Secrets as generators, and the profile's patches.
func buildBase(m *model, sf *secrets.File, docs [][]byte, managedBy string) (map[string][]byte, map[string]bool, error) {
	p, rules, cm := m.p, m.rules, m.names.ConfigMaps
	base := map[string][]byte{}
	secretFiles := map[string]bool{}
	base["resources.yaml"] = joinDocs(docs)
	k := types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: []string{"resources.yaml"},
		GeneratorOptions: &types.GeneratorOptions{
			Labels: map[string]string{"app.kubernetes.io/part-of": "authctl", "app.kubernetes.io/managed-by": managedBy, "app.kubernetes.io/instance": p.Metadata.Name},
		},
	}
	ns := p.Metadata.Namespace
	addConfig := func(name string, files map[string][]byte) {
		arg := types.ConfigMapArgs{GeneratorArgs: types.GeneratorArgs{Namespace: ns, Name: name}}
		for _, key := range slices.Sorted(maps.Keys(files)) {
			rel := path.Join("config", name, key)
			base[rel] = files[key]
			arg.FileSources = append(arg.FileSources, key+"="+rel)
		}
		k.ConfigMapGenerator = append(k.ConfigMapGenerator, arg)
	}
	addSecret := func(name string, files map[string][]byte) {
		arg := types.SecretArgs{GeneratorArgs: types.GeneratorArgs{Namespace: ns, Name: name}, Type: "Opaque"}
		for _, key := range slices.Sorted(maps.Keys(files)) {
			rel := path.Join("secrets", name, key)
			base[rel] = files[key]
			secretFiles[rel] = true
			arg.FileSources = append(arg.FileSources, key+"="+rel)
		}
		k.SecretGenerator = append(k.SecretGenerator, arg)
	}
	c := p.Spec.Components
	if profile.On(c.Kratos.Enabled) {
		cfg, err := marshalYAML(kratosConfig(m))
		if err != nil {
			return nil, nil, err
		}
		addConfig(cm.Kratos, map[string][]byte{"kratos.yaml": cfg})
		schemas := map[string][]byte{}
		for _, s := range m.schemaFiles() {
			schemas[s.FileName] = s.Content
		}
		addConfig(cm.KratosSchemas, schemas)
	}
	if profile.On(c.Hydra.Enabled) {
		cfg, err := marshalYAML(hydraConfig(m))
		if err != nil {
			return nil, nil, err
		}
		addConfig(cm.Hydra, map[string][]byte{"hydra.yaml": cfg})
	}
	if profile.On(c.Oathkeeper.Enabled) {
		cfg, err := marshalYAML(OathkeeperConfig(p, rules))
		if err != nil {
			return nil, nil, err
		}
		addConfig(cm.Oathkeeper, map[string][]byte{"oathkeeper.yaml": cfg})
	}
	if config := gatewayRenders[p.Spec.Gateway.Target].config; config != nil {
		cmName, files, err := config(m)
		if err != nil {
			return nil, nil, err
		}
		addConfig(cmName, files)
	}
	if p.Spec.Secrets.Policy == "generate" {
		join := func(l []string) []byte { return []byte(strings.Join(l, ",")) }
		names := m.names.Secrets
		if profile.On(c.Kratos.Enabled) {
			addSecret(names["kratos"], map[string][]byte{
				"secretsDefault": join(sf.Kratos.Default), "secretsCookie": join(sf.Kratos.Cookie), "secretsCipher": join(sf.Kratos.Cipher),
			})
		}
		if profile.On(c.Hydra.Enabled) {
			data := map[string][]byte{"secretsSystem": join(sf.Hydra.System), "secretsCookie": join(sf.Hydra.Cookie)}
			if TokenHookEnabled(p) {
				data[TokenHookSecretKey] = []byte(sf.Hydra.TokenHookKey)
			}
			addSecret(names["hydra"], data)
		}
		if profile.On(c.UI.Enabled) {
			data := map[string][]byte{"csrfCookieSecret": []byte(sf.UI.CSRFCookie)}
			if p.Spec.UI.Implementation == "ory" {
				data[OryUICookieSecretKey] = []byte(sf.UI.Cookie)
			}
			addSecret(names["ui"], data)
		}
		if profile.On(c.Oathkeeper.Enabled) {
			addSecret(names["oathkeeper"], map[string][]byte{"jwks.json": []byte(sf.Oathkeeper.JWKS), "headerSecret": []byte(sf.Oathkeeper.HeaderSecret)})
		}
	}
	for _, pt := range p.Spec.Patches {
		patch := types.Patch{Patch: pt.Patch}
		if t := pt.Target; t != nil {
			patch.Target = &types.Selector{LabelSelector: t.LabelSelector}
			patch.Target.Group, patch.Target.Version, patch.Target.Kind = t.Group, t.Version, t.Kind
			patch.Target.Name, patch.Target.Namespace = t.Name, t.Namespace
		}
		k.Patches = append(k.Patches, patch)
	}
	kdata, err := yaml.Marshal(k)
	if err != nil {
		return nil, nil, fmt.Errorf("could not encode kustomization: %w", err)
	}
	base["kustomization.yaml"] = kdata
	return base, secretFiles, nil
}

// joinDocs joins YAML documents into one stream.
func joinDocs(docs [][]byte) []byte {
	var out bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(bytes.TrimLeft(d, "\n"))
		if !bytes.HasSuffix(d, []byte("\n")) {
			out.WriteString("\n")
		}
	}
	return out.Bytes()
}

// passthroughKinds are the per-service objects, which name no generated
// ConfigMap or Secret, so kustomize has nothing to change in them. Kustomize
// appends resources in time linear in those already held, so thousands of
// them would make rendering quadratic in the number of services.
var passthroughKinds = map[string]bool{
	"Rule": true, "HTTPRoute": true, "SecurityPolicy": true, "ReferenceGrant": true, "AuthorizationPolicy": true,
}

// splitPassthrough takes the passthrough objects out of the kustomize run
// when no profile patch could target them, and returns them canonicalised
// the way runKustomize does. The kustomize base written for users (Result.Base)
// keeps every object.
func splitPassthrough(p *profile.Profile, base map[string][]byte, docs [][]byte) (map[string][]byte, []Object, error) {
	if len(p.Spec.Patches) > 0 {
		return base, nil, nil
	}
	var keep [][]byte
	var out []Object
	for _, d := range docs {
		if k, ok := plainKind(d); ok && !passthroughKinds[k] {
			// Kustomize decodes it anyway; decoding it here too cost a
			// tenth of the render.
			keep = append(keep, d)
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(d, &m); err != nil {
			return nil, nil, err
		}
		kind, _ := m["kind"].(string)
		if !passthroughKinds[kind] {
			keep = append(keep, d)
			continue
		}
		canon, err := yaml.Marshal(m)
		if err != nil {
			return nil, nil, err
		}
		meta, _ := m["metadata"].(map[string]any)
		ns, _ := meta["namespace"].(string)
		name, _ := meta["name"].(string)
		apiVersion, _ := m["apiVersion"].(string)
		out = append(out, Object{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name, YAML: canon})
	}
	if len(out) == 0 {
		return base, nil, nil
	}
	kbase := maps.Clone(base)
	kbase["resources.yaml"] = joinDocs(keep)
	return kbase, out, nil
}

// plainKind reads the kind of a block-style YAML document from its
// top-level "kind: X" line without decoding it. ok is false when there is
// no such line or the value is not a plain word (quoted, flow style, a
// comment after it): the caller then decodes the document.
func plainKind(doc []byte) (kind string, ok bool) {
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		rest, found := bytes.CutPrefix(line, []byte("kind:"))
		if !found {
			continue
		}
		v := strings.TrimSpace(string(rest))
		for _, r := range v {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
				return "", false
			}
		}
		return v, v != ""
	}
	return "", false
}

func runKustomize(base map[string][]byte) ([]Object, error) {
	mem := filesys.MakeFsInMemory()
	for _, rel := range slices.Sorted(maps.Keys(base)) {
		full := path.Join(baseDir, rel)
		if err := mem.MkdirAll(path.Dir(full)); err != nil {
			return nil, err
		}
		if err := mem.WriteFile(full, base[rel]); err != nil {
			return nil, err
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(mem, baseDir)
	if err != nil {
		return nil, fmt.Errorf("could not apply kustomize patches: %w", err)
	}
	var objs []Object
	for _, r := range rm.Resources() {
		// Normalise through sigs.k8s.io/yaml so key order is canonical. The
		// resource's map is taken directly: going through AsYAML and back
		// cost half of the render's CPU for the same bytes.
		m, err := r.Map()
		if err != nil {
			return nil, err
		}
		canon, err := yaml.Marshal(m)
		if err != nil {
			return nil, err
		}
		objs = append(objs, Object{APIVersion: r.GetApiVersion(), Kind: r.GetKind(), Namespace: r.GetNamespace(), Name: r.GetName(), YAML: canon})
	}
	sortObjects(objs)
	return objs, nil
}

// MaxObjectBytes is Kubernetes' limit on a ConfigMap's or Secret's data,
// and the size no rendered object may exceed.
const MaxObjectBytes = 1 << 20

// checkObjectSizes refuses any object over MaxObjectBytes, positioned at
// the part of the profile that made it large. The access rules are split
// over several ConfigMaps before this point, so what fails here cannot be
// split.
func checkObjectSizes(m *model, objs []Object) error {
	p := m.p
	var errs profile.ErrorList
	for _, o := range objs {
		if len(o.YAML) <= MaxObjectBytes {
			continue
		}
		path, hint := objectSource(m, o)
		errs = append(errs, p.Errorf(path, hint, "the rendered %s %s is %d bytes, over Kubernetes' %d-byte object limit", o.Kind, o.Name, len(o.YAML), MaxObjectBytes))
	}
	return errs.Err()
}

// objectSource names the profile field that an object's size comes from.
func objectSource(m *model, o Object) (path, hint string) {
	p := m.p
	name := p.Metadata.Name
	switch {
	case strings.HasPrefix(o.Name, m.names.ConfigMaps.KratosSchemas):
		path = "spec.kratos.identitySchemas"
		biggest := 0
		for i, s := range m.schemaFiles() {
			if i < len(p.Spec.Kratos.IdentitySchemas) && len(s.Content) > biggest {
				biggest, path = len(s.Content), fmt.Sprintf("spec.kratos.identitySchemas[%d]", i)
			}
		}
		return path, "Kratos reads its identity schemas from one ConfigMap; shrink the schema or serve it from a URL"
	case o.Kind == "ConfigMap" && gatewayRenders[p.Spec.Gateway.Target].sizeHint != "" && strings.HasPrefix(o.Name, name+"-"+p.Spec.Gateway.Target+"-config"):
		return "spec.gateway.target", gatewayRenders[p.Spec.Gateway.Target].sizeHint
	case strings.HasPrefix(o.Name, name+"-oathkeeper-rules"), o.Kind == "Rule", o.Kind == "Ingress":
		return "spec.services", "split the services over several stacks"
	}
	return "spec", "report this: authctl should have split the object"
}

// kindOrder is the order objects are applied in, like Helm's install order.
var kindOrder = []string{
	"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
	"ServiceAccount", "Secret", "ExternalSecret", "ConfigMap", "StorageClass", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service",
	"Deployment", "StatefulSet", "Job", "CronJob", "HorizontalPodAutoscaler", "Ingress", "GatewayClass", "Gateway", "HTTPRoute",
}

func kindRank(k string) int {
	for i, x := range kindOrder {
		if x == k {
			return i
		}
	}
	return len(kindOrder)
}

func sortObjects(objs []Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if ra, rb := kindRank(a.Kind), kindRank(b.Kind); ra != rb {
			return ra < rb
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}

func marshalYAML(v any) ([]byte, error) {
	out, err := yaml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("could not encode config: %w", err)
	}
	return out, nil
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// firstFailingPatch finds, after a failed kustomize run, the first of the
// profile's n patches that kustomize cannot apply (by applying one more at
// a time), or -1 when the failure is not a patch's. It runs only on the
// error path.
func firstFailingPatch(kbase map[string][]byte, n int) int {
	if n == 0 {
		return -1
	}
	var k types.Kustomization
	if err := yaml.Unmarshal(kbase["kustomization.yaml"], &k); err != nil || len(k.Patches) != n {
		return -1
	}
	patches := k.Patches
	try := maps.Clone(kbase)
	for i := range patches {
		k.Patches = patches[:i+1]
		data, err := yaml.Marshal(k)
		if err != nil {
			return -1
		}
		try["kustomization.yaml"] = data
		if _, err := runKustomize(try); err != nil {
			return i
		}
	}
	return -1
}
