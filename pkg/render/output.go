package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/atomicfile"
	"helm.sh/helm/v3/pkg/chart"
	"sigs.k8s.io/yaml"
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

// WriteJSONList writes every object as one JSON "v1 List", as kubectl's
// -o json prints several objects; kubectl apply -f - takes it.
func (r *Result) WriteJSONList(w io.Writer) error {
	items := make([]json.RawMessage, 0, len(r.Objects))
	for _, o := range r.Objects {
		j, err := yaml.YAMLToJSON(o.YAML)
		if err != nil {
			return fmt.Errorf("could not convert %s %s to JSON: %w", o.Kind, o.Name, err)
		}
		items = append(items, j)
	}
	list := struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}{"v1", "List", items}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(list); err != nil {
		return err
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
		// Helm's loader rejects a chart whose version is not SemVer; refuse
		// to write one rather than leave a chart nothing can install.
		meta := &chart.Metadata{APIVersion: chart.APIVersionV2, Name: chartName, Version: version, Type: "application"}
		if err := meta.Validate(); err != nil {
			return nil, fmt.Errorf("could not write a Helm chart: %w", err)
		}
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

// ManifestFile lists, inside a rendered folder, the files authctl wrote
// there. Its presence is how WriteDir knows a folder is its own to replace.
const ManifestFile = ".authctl-render"

// ForeignDirError is returned when the output folder holds files authctl
// did not write: WriteDir never deletes or overwrites them.
type ForeignDirError struct {
	Dir string
	// File is one file (relative to Dir) that authctl did not write.
	File string
}

func (e *ForeignDirError) Error() string {
	return fmt.Sprintf("refusing to write into %s: it holds %s, which authctl did not write", e.Dir, e.File)
}

// WriteDir writes a directory-shaped output. Everything is rendered before
// the first file is written. The folder must be new, empty, or authctl's
// own earlier output (any format); that output is replaced as a whole, by
// renaming a fully written sibling folder into place, so no stale file of
// an earlier profile or format survives. Files holding secret values get
// mode 0600 and are listed in a .gitignore at the folder's root.
func (r *Result) WriteDir(dir, format, chartName, version string) ([]string, error) {
	files, err := r.Files(format, chartName, version)
	if err != nil {
		return nil, err
	}
	if err := checkOwnDir(dir); err != nil {
		return nil, err
	}
	addBookkeeping(files, format)

	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("could not create %s: %w", parent, err)
	}
	fi, statErr := os.Lstat(dir)
	if statErr == nil && (!fi.IsDir() || dir == "." || dir == string(filepath.Separator)) {
		// A symlink, the working directory or the root cannot be swapped:
		// replace the files in place instead.
		return writeInPlace(dir, files)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".authctl-new-*")
	if err != nil {
		return nil, fmt.Errorf("could not write %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	mode := os.FileMode(0o755)
	if statErr == nil {
		mode = fi.Mode().Perm() // keep the folder's own permissions
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return nil, err
	}
	if _, err := writeFiles(tmp, files); err != nil {
		return nil, err
	}
	if statErr == nil {
		old := filepath.Join(parent, strings.Replace(filepath.Base(tmp), ".authctl-new-", ".authctl-old-", 1))
		if err := os.Rename(dir, old); err != nil {
			return writeInPlace(dir, files)
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.Rename(old, dir)
			return nil, fmt.Errorf("could not replace %s: %w", dir, err)
		}
		os.RemoveAll(old)
	} else if err := os.Rename(tmp, dir); err != nil {
		return nil, fmt.Errorf("could not write %s: %w", dir, err)
	}
	return writtenList(dir, files), nil
}

// checkOwnDir accepts a missing or empty folder, or one that holds only
// files listed in its manifest.
func checkOwnDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	own := map[string]bool{ManifestFile: true}
	if data, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				own[line] = true
			}
		}
	}
	var foreign string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if !own[filepath.ToSlash(rel)] {
			foreign = filepath.ToSlash(rel)
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return err
	}
	if foreign != "" {
		return &ForeignDirError{Dir: dir, File: foreign}
	}
	return nil
}

// addBookkeeping adds the manifest, the .gitignore of the secret files and,
// for charts, a .helmignore that keeps both out of the package.
func addBookkeeping(files map[string]File, format string) {
	var secretPaths []string
	for rel, f := range files {
		if f.Secret {
			secretPaths = append(secretPaths, rel)
		}
	}
	if len(secretPaths) > 0 {
		slices.Sort(secretPaths)
		var b strings.Builder
		b.WriteString("# Written by authctl: these files hold plaintext secret values.\n")
		for _, rel := range secretPaths {
			b.WriteString("/" + rel + "\n")
		}
		files[".gitignore"] = File{Data: []byte(b.String())}
	}
	if format == "helm" {
		files[".helmignore"] = File{Data: []byte(".helmignore\n.gitignore\n" + ManifestFile + "\n")}
	}
	var m strings.Builder
	m.WriteString("# Files authctl render wrote here (format " + format + "); the next render replaces them.\n")
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		m.WriteString(rel + "\n")
	}
	files[ManifestFile] = File{Data: []byte(m.String())}
}

func writeFiles(dir string, files map[string]File) ([]string, error) {
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
		if err := atomicfile.Write(full, f.Data, mode); err != nil {
			return written, fmt.Errorf("could not write %s: %w", full, err)
		}
		written = append(written, full)
	}
	return written, nil
}

// writeInPlace replaces each file atomically and then removes the files of
// the previous render that this one no longer has.
func writeInPlace(dir string, files map[string]File) ([]string, error) {
	var stale []string
	if data, err := os.ReadFile(filepath.Join(dir, ManifestFile)); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				if _, ok := files[line]; !ok {
					stale = append(stale, line)
				}
			}
		}
	}
	if _, err := writeFiles(dir, files); err != nil {
		return nil, err
	}
	for _, rel := range stale {
		full := filepath.Join(dir, filepath.FromSlash(rel))
		os.Remove(full)
		// Drop folders the stale files leave empty.
		for d := filepath.Dir(full); d != filepath.Clean(dir); d = filepath.Dir(d) {
			if os.Remove(d) != nil {
				break
			}
		}
	}
	return writtenList(dir, files), nil
}

// writtenList is the rendered files' paths, bookkeeping files excluded.
func writtenList(dir string, files map[string]File) []string {
	var out []string
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if rel == ManifestFile || rel == ".helmignore" {
			continue
		}
		out = append(out, filepath.Join(dir, filepath.FromSlash(rel)))
	}
	return out
}
