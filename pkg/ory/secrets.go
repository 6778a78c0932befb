package ory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/authctl/authctl/pkg/atomicfile"
	"github.com/authctl/authctl/pkg/dotpath"
	"github.com/authctl/authctl/pkg/ory/input"
)

// Secret output formats.
const (
	// SecretFormatKubernetes writes one v1 Secret per client with
	// hydra-maester's keys CLIENT_ID and CLIENT_SECRET.
	SecretFormatKubernetes = "secret"
	// SecretFormatJSON writes {"client_id": "secret", …}.
	SecretFormatJSON = "json"
)

// SecretFile writes generated client secrets to a file readable only by
// its owner (0600). Existing entries of other clients are kept, so reruns
// and rotations accumulate instead of losing earlier secrets.
type SecretFile struct {
	Path      string
	Format    string // SecretFormatKubernetes (default) or SecretFormatJSON
	Namespace string // metadata.namespace of the Secrets, optional
}

// Write merges secrets into the file.
func (f SecretFile) Write(secrets []GeneratedSecret) error {
	if len(secrets) == 0 {
		return nil
	}
	old, err := os.ReadFile(f.Path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("could not read secrets file: %w", err)
	}
	var data []byte
	if f.Format == SecretFormatJSON {
		data, err = mergeJSONSecrets(old, secrets)
	} else {
		data, err = mergeSecretManifests(old, secrets, f.Namespace)
	}
	if err != nil {
		return fmt.Errorf("could not update secrets file %s: %w", f.Path, err)
	}
	return writePrivate(f.Path, data)
}

func mergeJSONSecrets(old []byte, secrets []GeneratedSecret) ([]byte, error) {
	m := map[string]string{}
	if len(bytes.TrimSpace(old)) > 0 {
		if err := json.Unmarshal(old, &m); err != nil {
			return nil, err
		}
	}
	for _, s := range secrets {
		m[s.ClientID] = s.Secret
	}
	b, err := json.MarshalIndent(m, "", "  ")
	return append(b, '\n'), err
}

// SecretName turns a client id into a valid Kubernetes object name
// (input.SecretName; the input reader rejects two clients whose names
// collide).
func SecretName(id string) string { return input.SecretName(id) }

func mergeSecretManifests(old []byte, secrets []GeneratedSecret, namespace string) ([]byte, error) {
	var docs []map[string]any
	index := map[string]int{}
	dec := yaml.NewDecoder(bytes.NewReader(old))
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if d == nil {
			continue
		}
		if name, ok := dotpath.Get(d, "metadata", "name").(string); ok {
			index[name] = len(docs)
		}
		docs = append(docs, d)
	}
	for _, s := range secrets {
		name := SecretName(s.SecretName)
		meta := map[string]any{"name": name, "labels": map[string]any{"app.kubernetes.io/managed-by": "authctl"}}
		if namespace != "" {
			meta["namespace"] = namespace
		}
		doc := map[string]any{
			"apiVersion": "v1",
			"kind":       "Secret",
			"metadata":   meta,
			"type":       "Opaque",
			"stringData": map[string]any{"CLIENT_ID": s.ClientID, "CLIENT_SECRET": s.Secret},
		}
		if i, ok := index[name]; ok {
			docs[i] = doc
		} else {
			index[name] = len(docs)
			docs = append(docs, doc)
		}
	}
	var buf bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		b, err := yaml.Marshal(d)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// writePrivate replaces path atomically with a 0600 file.
func writePrivate(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("could not write secrets file: %w", err)
	}
	return nil
}
