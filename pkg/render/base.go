package render

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/secrets"
)

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
