package render

import (
	"bytes"
	"slices"
	"strings"
)

// helmInstallOrder is the kind order in which Helm installs a release's
// objects (helm.sh/helm/v3 pkg/releaseutil InstallOrder); kinds not listed
// come after, by name. TestReleaseManifestIsHelms checks the result
// against Helm's own client dry run.
var helmInstallOrder = []string{
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
	"ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
	"RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
}

// ReleaseManifest is the manifest of the Helm release `authctl apply`
// installs from r (rendered with ManagedByHelm) for the chart chartName,
// byte for byte what Helm's client dry run (`apply --dry-run=client`)
// prints, without linking Helm: objects in Helm's install order, each
// under a "# Source:" line. With hideSecrets every v1 Secret is replaced
// by Helm's own "# HIDDEN" line (helm install --dry-run --hide-secret).
func (r *Result) ReleaseManifest(chartName string, hideSecrets bool) string {
	type entry struct {
		rank       int
		kind, path string
		o          Object
	}
	rank := func(kind string) int {
		if i := slices.Index(helmInstallOrder, kind); i >= 0 {
			return i
		}
		return len(helmInstallOrder)
	}
	entries := make([]entry, 0, len(r.Objects))
	for _, o := range r.Objects {
		entries = append(entries, entry{rank(o.Kind), o.Kind, chartName + "/templates/" + o.FileName(), o})
	}
	// Helm reads the templates in path order, then sorts stably by kind.
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.path, b.path) })
	slices.SortStableFunc(entries, func(a, b entry) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		if a.rank == len(helmInstallOrder) {
			return strings.Compare(a.kind, b.kind)
		}
		return 0
	})
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString("---\n# Source: " + e.path + "\n")
		if hideSecrets && e.o.IsSecret() {
			b.WriteString("# HIDDEN: The Secret output has been suppressed\n")
			continue
		}
		b.Write(bytes.TrimSpace(e.o.YAML))
		b.WriteString("\n")
	}
	return b.String()
}
