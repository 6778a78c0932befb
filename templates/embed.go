// Package templates holds the Helm templates authctl renders a stack from.
// They are embedded so the binary needs no files at run time.
package templates

import "embed"

// FS holds every template. Files starting with "_" hold helpers only.
//
//go:embed *.yaml *.tpl
var FS embed.FS
