package apply

import (
	"context"
	"fmt"

	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// Revision is one Helm revision of the stack's release, as `authctl
// history` prints it.
type Revision struct {
	Revision    int    `json:"revision"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

// History is the operation behind `authctl history`: the revisions of a
// release, oldest first.
type History struct {
	Release   string
	Namespace string
	Cluster   genericclioptions.RESTClientGetter
}

// Run lists the revisions.
func (h *History) Run(context.Context) ([]Revision, error) {
	c, err := NewClient(h.Cluster, h.Release, h.Namespace, nil)
	if err != nil {
		return nil, err
	}
	rels, err := c.History()
	if err != nil {
		return nil, fmt.Errorf("could not read the history of %q: %w", h.Release, err)
	}
	var revs []Revision
	for _, r := range rels {
		revs = append(revs, Revision{r.Version, r.Info.Status.String(), r.Info.Description})
	}
	return revs, nil
}

// Rollback is the operation behind `authctl rollback`: it rolls a release
// back to Revision (0: the previous one), as `helm rollback` does.
type Rollback struct {
	Release   string
	Namespace string
	Revision  int
	Cluster   genericclioptions.RESTClientGetter
}

// Run rolls back.
func (r *Rollback) Run(context.Context) error {
	c, err := NewClient(r.Cluster, r.Release, r.Namespace, nil)
	if err != nil {
		return err
	}
	return c.Rollback(r.Revision)
}
