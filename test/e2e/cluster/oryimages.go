package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/authctl/authctl/pkg/render"
	"github.com/authctl/authctl/test/e2e/stack"
)

// LocalRegistry is the repository prefix of every locally built image. It
// is never contacted: the kubelet finds the images in containerd.
const LocalRegistry = "authctl.local"

// glibcFiles are what the cgo (SQLite) builds of Kratos, Hydra and
// Oathkeeper link against, per ldd. The official images are Alpine (musl)
// with binaries built for it; ours carry Debian's glibc instead.
var glibcFiles = map[string]string{
	"/lib/x86_64-linux-gnu/libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
	"/lib64/ld-linux-x86-64.so.2":     "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
}

// OryImage lays out a pinned Ory binary as the official oryd/<name> image
// does: /usr/bin/<name>, ENTRYPOINT ["<name>"], CMD ["serve"], user ory
// (uid and gid 10000) with home /home/ory, and /var/lib/sqlite owned by it.
func OryImage(tool string) (Image, error) {
	bin, err := stack.BinaryPath(tool)
	if err != nil {
		return Image{}, err
	}
	versions, err := stack.Versions()
	if err != nil {
		return Image{}, err
	}
	version := versions[strings.ToUpper(tool)+"_VERSION"]
	files := []ImageFile{
		{Path: "/usr/bin/" + tool, Src: bin, Mode: 0o755},
		{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/sbin/nologin\nory:x:10000:10000::/home/ory:/sbin/nologin\n")},
		{Path: "/etc/group", Data: []byte("root:x:0:\nory:x:10000:\n")},
	}
	for dst, src := range glibcFiles {
		files = append(files, ImageFile{Path: dst, Src: src, Mode: 0o755})
	}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		files = append(files, ImageFile{Path: "/etc/ssl/certs/ca-certificates.crt", Src: "/etc/ssl/certs/ca-certificates.crt"})
	}
	return Image{
		Ref:        fmt.Sprintf("%s/%s:%s", LocalRegistry, tool, version),
		Files:      files,
		Dirs:       []ImageDir{{Path: "/home/ory", Mode: 0o755, UID: 10000, GID: 10000}, {Path: "/var/lib/sqlite", Mode: 0o755, UID: 10000, GID: 10000}},
		Entrypoint: []string{tool},
		Cmd:        []string{"serve"},
		User:       "10000",
		WorkingDir: "/home/ory",
	}, nil
}

var (
	authctlOnce sync.Once
	authctlBin  string
	authctlErr  error
)

// AuthctlImage is authctl as the repository's Dockerfile builds it: a static
// binary at /usr/local/bin/authctl on an otherwise empty image (distroless
// static adds only CA certificates and /etc/passwd), user 65532.
func AuthctlImage(ref string) (Image, error) {
	authctlOnce.Do(func() {
		root, err := stack.RepoRoot()
		if err != nil {
			authctlErr = err
			return
		}
		dir, err := os.MkdirTemp("", "authctl-image-")
		if err != nil {
			authctlErr = err
			return
		}
		authctlBin = filepath.Join(dir, "authctl")
		cmd := exec.Command("go", "build", "-trimpath", "-o", authctlBin, "./cmd/authctl")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			authctlErr = fmt.Errorf("building authctl: %w\n%s", err, out)
		}
	})
	if authctlErr != nil {
		return Image{}, authctlErr
	}
	files := []ImageFile{
		{Path: "/usr/local/bin/authctl", Src: authctlBin, Mode: 0o755},
		{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
	}
	if _, err := os.Stat("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		files = append(files, ImageFile{Path: "/etc/ssl/certs/ca-certificates.crt", Src: "/etc/ssl/certs/ca-certificates.crt"})
	}
	return Image{
		Ref:        ref,
		Files:      files,
		Dirs:       []ImageDir{{Path: "/home/nonroot", Mode: 0o700, UID: 65532, GID: 65532}},
		Entrypoint: []string{"/usr/local/bin/authctl"},
		Cmd:        []string{"bootstrap", "--help"},
		User:       "65532:65532",
	}, nil
}

// StackImages are the images a rendered stack runs: the pinned Kratos,
// Hydra and Oathkeeper, and authctl tagged with the name render uses
// (render.AuthctlImage), so the kubelet finds each in containerd.
func StackImages() ([]Image, error) {
	var images []Image
	for _, tool := range []string{stack.ToolKratos, stack.ToolHydra, stack.ToolOathkeeper} {
		im, err := OryImage(tool)
		if err != nil {
			return nil, err
		}
		images = append(images, im)
	}
	im, err := AuthctlImage(render.AuthctlImage)
	if err != nil {
		return nil, err
	}
	return append(images, im), nil
}

// MaesterImage is oathkeeper-maester as its Dockerfile lays it out (a
// static /manager on distroless static, user 65532), tagged with the name
// render uses (render.MaesterImage). Only the maester tests import it.
func MaesterImage() (Image, error) {
	bin, err := stack.BinaryPath(stack.ToolOathkeeperMaester)
	if err != nil {
		return Image{}, err
	}
	return Image{
		Ref: render.MaesterImage,
		Files: []ImageFile{
			{Path: "/manager", Src: bin, Mode: 0o755},
			{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		},
		Dirs:       []ImageDir{{Path: "/home/nonroot", Mode: 0o700, UID: 65532, GID: 65532}},
		Entrypoint: []string{"/manager"},
		User:       "65532:65532",
		WorkingDir: "/",
	}, nil
}
