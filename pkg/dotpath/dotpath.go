// Package dotpath reads values out of decoded JSON (nested map[string]any)
// by key path, such as the trait "email" or "name.first" of an identity.
package dotpath

import "strings"

// Get follows keys through nested maps and returns the value, or nil where
// a key is missing or a value on the way is not a map.
func Get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Lookup is Get with the keys of a dotted path: Lookup(v, "a.b") is
// Get(v, "a", "b").
func Lookup(v any, dotted string) any {
	return Get(v, strings.Split(dotted, ".")...)
}
