package capool

import (
	"crypto/tls"
	"fmt"
	"os"
)

// Flags are a client's TLS flags: PEM files trusted on top of the system
// roots, inline PEM data, and the switch that turns verification off.
type Flags struct {
	// Files are read at TLSConfig; FilesFlag names them in messages
	// ("--ca-file", "--certificate-authority", "CA bundle").
	Files     []string
	FilesFlag string
	// Data is PEM given inline; DataFlag names it in messages.
	Data     []byte
	DataFlag string
	// Insecure skips certificate verification (an explicit opt-in flag).
	Insecure bool
}

// TLSConfig is the one client TLS configuration built from flags: TLS 1.2
// at least, the system roots plus the bundles (system roots alone when
// there are none), verification off only with Insecure.
func (f Flags) TLSConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: f.Insecure} //nolint:gosec // explicit opt-in flag
	var bundles []Bundle
	for _, file := range f.Files {
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("could not read %s: %w", f.FilesFlag, err)
		}
		bundles = append(bundles, Bundle{Source: f.FilesFlag + " " + file, PEM: pem})
	}
	if len(f.Data) > 0 {
		bundles = append(bundles, Bundle{Source: f.DataFlag, PEM: f.Data})
	}
	if len(bundles) == 0 {
		return tc, nil
	}
	pool, err := SystemPlus(bundles...)
	if err != nil {
		return nil, err
	}
	tc.RootCAs = pool
	return tc, nil
}
