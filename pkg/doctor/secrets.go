package doctor

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
	"github.com/authctl/authctl/pkg/render"
)

// SecretLister tells which keys a Secret in the cluster holds, never its
// values; found is false when there is no such Secret.
type SecretLister interface {
	SecretKeys(ctx context.Context, namespace, name string) (keys []string, found bool, err error)
}

// secretChecks are one check per Secret the user must create
// (render.SecretsToCreate), named secret/NAME: it exists with the keys the
// stack reads, or the fix is the kubectl line that creates it. Without a
// cluster connection each is skipped, with that line as its fix.
func (d *doctor) secretChecks(ctx context.Context) []Check {
	var out []Check
	for _, sc := range render.SecretsToCreate(d.o.Profile) {
		c := Check{Name: "secret/" + sc.Name}
		if d.o.Secrets == nil {
			c.Status, c.Fix = Skip, sc.Command
			c.Message = fmt.Sprintf("not looked up (give --kubeconfig or --context): %s needs it in %s", sc.Uses(), sc.Namespace)
		} else {
			keys, found, err := d.o.Secrets.SecretKeys(ctx, sc.Namespace, sc.Name)
			c = judgeSecret(sc, keys, found, err)
		}
		c.Name = "secret/" + sc.Name
		out = append(out, c)
	}
	return out
}

// judgeSecret is the verdict on one Secret to create, from what the cluster
// said about it.
func judgeSecret(sc render.SecretToCreate, keys []string, found bool, err error) Check {
	if err != nil {
		return warn(fmt.Sprintf("doctor needs get on secrets in %s (kubectl auth can-i get secrets -n %s)", sc.Namespace, sc.Namespace),
			"could not look up Secret %s in %s: %v", sc.Name, sc.Namespace, err)
	}
	if !found {
		return fail(sc.Command, "Secret %s does not exist in %s: %s needs it (pods that read it stay in CreateContainerConfigError)", sc.Name, sc.Namespace, sc.Uses())
	}
	var missing []string
	for _, k := range sc.Keys {
		if !slices.Contains(keys, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fail(fmt.Sprintf("kubectl -n %s edit secret %s (add %s), or delete it and run: %s", sc.Namespace, sc.Name, strings.Join(missing, ", "), sc.Command),
			"Secret %s in %s lacks key %s that %s reads", sc.Name, sc.Namespace, strings.Join(missing, ", "), sc.Uses())
	}
	return pass("Secret %s in %s has %s", sc.Name, sc.Namespace, strings.Join(sc.Keys, ", "))
}

// warningChecks are the profile's dead ends (profile.Warnings) as warnings,
// one check each, named after the field to change.
func (d *doctor) warningChecks() []Check {
	var out []Check
	for _, w := range d.o.Profile.Warnings() {
		out = append(out, Check{Name: profile.WarningName(w), Status: Warn, Message: w.Msg, Fix: w.Hint})
	}
	return out
}
