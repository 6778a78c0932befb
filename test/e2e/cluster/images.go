package cluster

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// ImageFile is one file of an image's single layer.
type ImageFile struct {
	Path string // absolute path inside the image
	Src  string // file on the host to copy, or
	Data []byte // contents
	Mode int64  // 0755 for binaries
}

// ImageDir is a directory in the layer with its owner, e.g. a writable
// home directory owned by the image's user.
type ImageDir struct {
	Path     string
	Mode     int64
	UID, GID int
}

// Image describes a locally built image: one layer, an OCI config with
// the entrypoint and user the official image uses. No registry is
// involved; the result is a docker-archive tarball for `ctr images import`.
type Image struct {
	Ref        string // e.g. authctl.local/kratos:v1.3.1
	Files      []ImageFile
	Dirs       []ImageDir
	Entrypoint []string
	Cmd        []string
	User       string
	WorkingDir string
	Env        []string
}

// epoch keeps layer timestamps fixed, so the same inputs give the same image.
var epoch = time.Unix(0, 0)

func (im Image) layerTar() ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}
	var mkdirs func(p string, mode int64, uid, gid int) error
	mkdirs = func(p string, mode int64, uid, gid int) error {
		if p == "/" || p == "." || seen[p] {
			return nil
		}
		if err := mkdirs(path.Dir(p), 0o755, 0, 0); err != nil {
			return err
		}
		seen[p] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p[1:] + "/", Mode: mode, Uid: uid, Gid: gid, ModTime: epoch})
	}
	dirs := append([]ImageDir(nil), im.Dirs...)
	dirs = append(dirs, ImageDir{Path: "/tmp", Mode: 0o1777})
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].Path < dirs[j].Path })
	for _, d := range dirs {
		if err := mkdirs(d.Path, d.Mode, d.UID, d.GID); err != nil {
			return nil, err
		}
	}
	for _, f := range im.Files {
		data := f.Data
		if f.Src != "" {
			var err error
			if data, err = os.ReadFile(f.Src); err != nil {
				return nil, err
			}
		}
		if err := mkdirs(path.Dir(f.Path), 0o755, 0, 0); err != nil {
			return nil, err
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.Path[1:], Mode: mode, Size: int64(len(data)), ModTime: epoch}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteArchive writes the image as a docker-archive tarball tagged Ref.
func (im Image) WriteArchive(file string) error {
	data, err := im.layerTar()
	if err != nil {
		return fmt.Errorf("image %s: layer: %w", im.Ref, err)
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return fmt.Errorf("image %s: %w", im.Ref, err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: epoch}
	cf.Config = v1.Config{
		Entrypoint: im.Entrypoint,
		Cmd:        im.Cmd,
		User:       im.User,
		WorkingDir: im.WorkingDir,
		Env:        append([]string{"PATH=/usr/local/bin:/usr/bin:/bin"}, im.Env...),
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	tag, err := name.NewTag(im.Ref)
	if err != nil {
		return fmt.Errorf("image ref %q: %w", im.Ref, err)
	}
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		return fmt.Errorf("image %s: writing %s: %w", im.Ref, file, err)
	}
	return nil
}
