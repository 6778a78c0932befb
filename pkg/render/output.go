package render

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/secrets"
)

// WriteStream writes every object as one YAML stream.
func (r *Result) WriteStream(w io.Writer) error {
	var buf bytes.Buffer
	for i, o := range r.Objects {
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(o.YAML)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// FileName is the stable file name of an object in directory output.
func (o Object) FileName() string {
	return strings.ToLower(o.Kind) + "_" + o.Name + ".yaml"
}

// File is one file of a directory-shaped output.
type File struct {
	Data []byte
	// Secret marks files holding secret values; they are written 0600.
	Secret bool
}

// Files returns the files of the chosen directory format: "dir" (one file per
// object), "kustomize" (the kustomize base) or "helm" (a chart).
func (r *Result) Files(format, chartName, version string) (map[string]File, error) {
	out := map[string]File{}
	switch format {
	case "dir":
		for _, o := range r.Objects {
			out[o.FileName()] = File{Data: o.YAML, Secret: o.IsSecret()}
		}
	case "kustomize":
		for rel, data := range r.Base {
			out[rel] = File{Data: data, Secret: r.SecretFiles[rel]}
		}
	case "helm":
		out["Chart.yaml"] = File{Data: []byte(fmt.Sprintf("apiVersion: v2\nname: %s\ndescription: Ory auth stack rendered by authctl\ntype: application\nversion: %s\nappVersion: %q\n", chartName, version, version))}
		out["values.yaml"] = File{Data: []byte("# The chart is rendered from an authctl profile; change the profile, not these values.\n{}\n")}
		for _, o := range r.Objects {
			out["templates/"+o.FileName()] = File{Data: escapeHelm(o.YAML), Secret: o.IsSecret()}
		}
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	return out, nil
}

// escapeHelm keeps Helm from evaluating template markers that belong to the
// rendered content (Oathkeeper and Kratos use Go templates of their own).
func escapeHelm(b []byte) []byte {
	s := string(b)
	if !strings.Contains(s, "{{") && !strings.Contains(s, "}}") {
		return b
	}
	r := strings.NewReplacer("{{", "{{`{{`}}", "}}", "{{`}}`}}")
	return []byte(r.Replace(s))
}

// WriteDir writes a directory-shaped output. Everything is rendered before
// the first file is written, and each file is replaced atomically; files
// holding secret values get mode 0600.
func (r *Result) WriteDir(dir, format, chartName, version string) ([]string, error) {
	files, err := r.Files(format, chartName, version)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		f := files[rel]
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return written, fmt.Errorf("could not create %s: %w", filepath.Dir(full), err)
		}
		mode := os.FileMode(0o644)
		if f.Secret {
			mode = 0o600
		}
		if err := secrets.WriteFileAtomic(full, f.Data, mode); err != nil {
			return written, err
		}
		written = append(written, full)
	}
	return written, nil
}
