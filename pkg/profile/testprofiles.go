package profile

import (
	"fmt"
	"strings"
)

// testHeader starts the generated profiles below.
const testHeader = "apiVersion: authctl.dev/v1alpha1\nkind: Profile\nmetadata:\n  name: dev\nspec:\n  domain: example.com\n"

// ManyServices returns a valid profile with n services, two per host on
// split paths. Tests and benchmarks (bench/) use it.
func ManyServices(n int) []byte {
	var b strings.Builder
	b.Grow(n * 120)
	b.WriteString(testHeader + "  services:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    - name: s%d\n      hosts: [app%d.example.com]\n      paths: [/p%d]\n      upstream: {service: s%d, port: 80}\n      allow: [session]\n", i, i/2, i%2, i)
	}
	return []byte(b.String())
}

// AliasBomb returns a profile of about size bytes in which one service with
// many hosts is repeated by alias: a few kilobytes that expand to millions
// of nodes, and to a quadratic overlap lint, without a limit.
func AliasBomb(size int) []byte {
	var b strings.Builder
	b.WriteString(testHeader + "  services: [&s {name: a, upstream: {url: \"http://up:80\"}, allow: [session], hosts: [")
	half := size / 2
	for i := 0; b.Len() < half; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "h%d.example.com", i)
	}
	b.WriteString("]}")
	for b.Len() < size-2 {
		b.WriteString(", *s")
	}
	b.WriteString("]\n")
	return []byte(b.String())
}
