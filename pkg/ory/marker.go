package ory

// The ownership marker authctl writes into metadata_admin of identities it
// creates (and metadata of clients). Prune deletes only marked objects.
const (
	ManagedByKey   = "managed_by"
	ManagedByValue = "authctl"
)

func isManaged(admin map[string]any) bool { return admin[ManagedByKey] == ManagedByValue }

// withMarker returns a copy of m with the ownership marker.
func withMarker(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[ManagedByKey] = ManagedByValue
	return out
}
