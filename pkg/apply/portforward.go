package apply

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/authctl/authctl/pkg/cluster"
)

// StaticForwarder is cluster.StaticForwarder, named here too for the
// tests that build a KubeForwarder's stand-in beside this package.
type StaticForwarder = cluster.StaticForwarder

// KubeForwarder port-forwards to a ready pod behind a Service, like
// `kubectl port-forward svc/NAME PORT`, on 127.0.0.1 and a random port.
type KubeForwarder struct {
	Config *rest.Config
	Client kubernetes.Interface
	// Log receives port-forward messages (stderr).
	Log io.Writer
}

// Forward makes the Service port reachable on loopback and returns its URL
// and the function that stops the forward.
func (f KubeForwarder) Forward(ctx context.Context, namespace, service string, port int) (string, func(), error) {
	svc, err := f.Client.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("could not find service %s/%s: %w", namespace, service, err)
	}
	target := port
	for _, p := range svc.Spec.Ports {
		if int(p.Port) == port && p.TargetPort.IntValue() > 0 {
			target = p.TargetPort.IntValue()
		}
	}
	pods, err := f.Client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
	if err != nil {
		return "", nil, fmt.Errorf("could not list the pods of %s: %w", service, err)
	}
	var pod *corev1.Pod
	for i := range pods.Items {
		if pods.Items[i].Status.Phase == corev1.PodRunning && podReady(pods.Items[i]) {
			pod = &pods.Items[i]
			break
		}
	}
	if pod == nil {
		return "", nil, fmt.Errorf("no ready pod behind service %s/%s", namespace, service)
	}
	rt, upgrader, err := spdy.RoundTripperFor(f.Config)
	if err != nil {
		return "", nil, err
	}
	u, err := url.Parse(strings.TrimSuffix(f.Config.Host, "/") + fmt.Sprintf("/api/v1/namespaces/%s/pods/%s/portforward", namespace, pod.Name))
	if err != nil {
		return "", nil, err
	}
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, http.MethodPost, u)
	stopCh, readyCh := make(chan struct{}), make(chan struct{})
	log := f.Log
	if log == nil {
		log = io.Discard
	}
	pf, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(target)}, stopCh, readyCh, io.Discard, log)
	if err != nil {
		return "", nil, err
	}
	errCh := make(chan error, 1)
	go func() { errCh <- pf.ForwardPorts() }()
	select {
	case <-readyCh:
	case err := <-errCh:
		return "", nil, fmt.Errorf("could not port-forward to %s: %w", pod.Name, err)
	case <-ctx.Done():
		close(stopCh)
		return "", nil, ctx.Err()
	}
	ports, err := pf.GetPorts()
	if err != nil || len(ports) == 0 {
		close(stopCh)
		return "", nil, fmt.Errorf("could not port-forward to %s: %v", pod.Name, err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", ports[0].Local), func() { close(stopCh) }, nil
}
