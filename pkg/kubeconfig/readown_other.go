//go:build !unix

package kubeconfig

import "os"

// readOwn reads the file at path. Files have no uid here (Windows: the
// user's profile directory is private by its ACL), so me and owner are 0.
func readOwn(path string) (data []byte, me, owner int, err error) {
	data, err = os.ReadFile(path)
	return data, 0, 0, err
}
