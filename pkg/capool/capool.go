// Package capool builds the one kind of certificate pool authctl uses: the
// system roots with extra PEM bundles on top.
package capool

import (
	"crypto/x509"
	"fmt"
)

// Bundle is PEM data and the name an error message gives it, such as
// "--ca-file /etc/ca.pem".
type Bundle struct {
	Source string
	PEM    []byte
}

// SystemPlus returns the system roots (an empty pool where the system has
// none) plus the certificates of each bundle. A bundle without a PEM
// certificate is an error naming its Source.
func SystemPlus(bundles ...Bundle) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, b := range bundles {
		if !pool.AppendCertsFromPEM(b.PEM) {
			return nil, fmt.Errorf("%s holds no PEM certificate", b.Source)
		}
	}
	return pool, nil
}
