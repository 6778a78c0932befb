package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/authctl/authctl/pkg/progress"
)

// Workload is the rollout state of one Deployment or Job.
type Workload struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Ready   int32  `json:"ready"`
	Desired int32  `json:"desired"`
	Done    bool   `json:"done"`
}

// Item is the workload as a line of the progress view.
func (w Workload) Item() progress.Item {
	return progress.Item{Label: strings.ToLower(w.Kind) + "/" + w.Name, Ready: w.Ready, Desired: w.Desired, Done: w.Done}
}

func (w Workload) String() string { return w.Item().String() }

// Items converts workloads for a progress.List.
func Items(ws []Workload) []progress.Item {
	out := make([]progress.Item, len(ws))
	for i, w := range ws {
		out[i] = w.Item()
	}
	return out
}

// Rollout follows the workloads of a release until they are ready.
type Rollout struct {
	Client    kubernetes.Interface
	Namespace string
	// Selector picks the release's objects, e.g. app.kubernetes.io/instance=dev.
	Selector string
	Interval time.Duration
}

// Poll reads the current state of every Deployment and Job.
func (r *Rollout) Poll(ctx context.Context) ([]Workload, error) {
	opts := metav1.ListOptions{LabelSelector: r.Selector}
	deps, err := r.Client.AppsV1().Deployments(r.Namespace).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("could not list deployments: %w", err)
	}
	var out []Workload
	for _, d := range deps.Items {
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		s := d.Status
		done := s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.AvailableReplicas == want && s.Replicas == want
		out = append(out, Workload{Kind: "Deployment", Name: d.Name, Ready: s.AvailableReplicas, Desired: want, Done: done})
	}
	jobs, err := r.Client.BatchV1().Jobs(r.Namespace).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("could not list jobs: %w", err)
	}
	for _, j := range jobs.Items {
		out = append(out, Workload{Kind: "Job", Name: j.Name, Ready: j.Status.Succeeded, Desired: 1, Done: j.Status.Succeeded > 0})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Kind+out[a].Name < out[b].Kind+out[b].Name })
	return out, nil
}

// Wait polls until every workload is ready, calling report whenever the
// state changes. On timeout it returns an error that carries the recent
// events of the pods that are not ready, which is usually the reason.
func (r *Rollout) Wait(ctx context.Context, timeout time.Duration, report func([]Workload)) error {
	interval := r.Interval
	if interval == 0 {
		interval = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := ""
	for {
		ws, err := r.Poll(ctx)
		if err != nil && ctx.Err() == nil {
			return err
		}
		if err == nil {
			if key := fmt.Sprint(ws); key != last {
				last = key
				report(ws)
			}
			if allDone(ws) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return r.timeoutError(timeout, ws)
		case <-time.After(interval):
		}
	}
}

func allDone(ws []Workload) bool {
	for _, w := range ws {
		if !w.Done {
			return false
		}
	}
	return true
}

// timeoutError names the workloads still waiting and the events of their
// pods that are not ready.
func (r *Rollout) timeoutError(timeout time.Duration, ws []Workload) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var waiting []string
	for _, w := range ws {
		if !w.Done {
			waiting = append(waiting, w.String())
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "not ready after %v: %s", timeout, strings.Join(waiting, ", "))
	pods, err := r.Client.CoreV1().Pods(r.Namespace).List(ctx, metav1.ListOptions{LabelSelector: r.Selector})
	if err != nil {
		return fmt.Errorf("%s", b.String())
	}
	for _, p := range pods.Items {
		if podReady(p) {
			continue
		}
		evs, err := r.Client.CoreV1().Events(r.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + p.Name})
		if err != nil {
			continue
		}
		items := evs.Items
		sort.Slice(items, func(a, b int) bool { return items[a].LastTimestamp.Before(&items[b].LastTimestamp) })
		if len(items) > 5 {
			items = items[len(items)-5:]
		}
		fmt.Fprintf(&b, "\npod %s (%s):", p.Name, p.Status.Phase)
		for _, e := range items {
			fmt.Fprintf(&b, "\n  %s %s: %s", e.Type, e.Reason, e.Message)
		}
	}
	return fmt.Errorf("%s", b.String())
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
