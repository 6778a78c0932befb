package apply

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

var instanceLabels = map[string]string{"app.kubernetes.io/instance": "dev"}

func deployment(name string, available int32) *appsv1.Deployment {
	one := int32(1)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "auth", Labels: instanceLabels, Generation: 1},
		Spec:       appsv1.DeploymentSpec{Replicas: &one},
		Status:     appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: available},
	}
}

// TestFakeRolloutBecomesReady: no kubelet runs in the test harness, so pods
// never become ready there; a fake clientset plays the status transitions.
func TestFakeRolloutBecomesReady(t *testing.T) {
	cs := fake.NewSimpleClientset(deployment("dev-kratos", 0), &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "dev-kratos-migrate", Namespace: "auth", Labels: instanceLabels}})
	r := &Rollout{Client: cs, Namespace: "auth", Selector: "app.kubernetes.io/instance=dev", Interval: 10 * time.Millisecond}
	var reports [][]Workload
	go func() {
		time.Sleep(50 * time.Millisecond)
		d := deployment("dev-kratos", 1)
		cs.AppsV1().Deployments("auth").UpdateStatus(context.Background(), d, metav1.UpdateOptions{})
		j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "dev-kratos-migrate", Namespace: "auth", Labels: instanceLabels}, Status: batchv1.JobStatus{Succeeded: 1}}
		cs.BatchV1().Jobs("auth").UpdateStatus(context.Background(), j, metav1.UpdateOptions{})
	}()
	if err := r.Wait(context.Background(), 5*time.Second, func(ws []Workload) { reports = append(reports, ws) }); err != nil {
		t.Fatal(err)
	}
	if len(reports) < 2 || reports[0][0].Done || !allDone(reports[len(reports)-1]) {
		t.Fatalf("reports do not show the transition: %v", reports)
	}
}

func TestFakeRolloutTimeoutShowsPodEvents(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "dev-kratos-abc", Namespace: "auth", Labels: instanceLabels},
		Status:     corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}},
	}
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "e1", Namespace: "auth"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "dev-kratos-abc", Namespace: "auth"},
		Type:           "Warning", Reason: "Failed", Message: `Failed to pull image "docker.io/oryd/kratos:v9"`,
	}
	cs := fake.NewSimpleClientset(deployment("dev-kratos", 0), pod, ev)
	r := &Rollout{Client: cs, Namespace: "auth", Selector: "app.kubernetes.io/instance=dev", Interval: 10 * time.Millisecond}
	err := r.Wait(context.Background(), 100*time.Millisecond, func([]Workload) {})
	if err == nil {
		t.Fatal("want a timeout")
	}
	for _, want := range []string{"deployment/dev-kratos 0/1 waiting", "pod dev-kratos-abc (Pending)", "Warning Failed", "Failed to pull image"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestRedactSecretNeverShowsValues(t *testing.T) {
	a := map[string]any{"kind": "Secret", "data": map[string]any{"k": "c2VjcmV0LXZhbHVl"}, "stringData": map[string]any{"p": "plain-secret"}}
	b := map[string]any{"kind": "Secret", "data": map[string]any{"k": "c2VjcmV0\nLXZhbHVl"}}
	redactSecret(a)
	redactSecret(b)
	for _, v := range []any{a["data"].(map[string]any)["k"], a["stringData"].(map[string]any)["p"]} {
		if s := v.(string); !strings.HasPrefix(s, "(redacted, sha256:") {
			t.Errorf("value not redacted: %q", s)
		}
	}
	// The same value, wrapped differently, is the same digest: no false change.
	if a["data"].(map[string]any)["k"] != b["data"].(map[string]any)["k"] {
		t.Error("line-wrapped base64 of the same value gives a different digest")
	}
}
