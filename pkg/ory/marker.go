package ory

// The ownership marker authctl writes into metadata_admin of identities it
// creates and into the metadata of the OAuth2 clients it creates (bootstrap)
// or registers (kubeconfig setup). Prune deletes only marked objects.
const (
	ManagedByKey   = "managed_by"
	ManagedByValue = "authctl"
)

// legacyManagedByKey is the spelling kubeconfig setup wrote on the kubectl
// client before it registered clients through this package; it is read as
// the marker, never written.
const legacyManagedByKey = "managed-by"

// isManaged reports whether the metadata carries authctl's marker, in
// either spelling.
func isManaged(md map[string]any) bool {
	return md[ManagedByKey] == ManagedByValue || md[legacyManagedByKey] == ManagedByValue
}

// withMarker returns a copy of m with the ownership marker.
func withMarker(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[ManagedByKey] = ManagedByValue
	return out
}
