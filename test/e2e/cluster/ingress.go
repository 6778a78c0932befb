package cluster

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Ingress stands in for an ingress controller, which cannot run here (no
// controller image can be built or pulled). Like a controller, it is built
// from what is in the cluster, never from a list in the test: the Ingress
// objects of one class (host, path and pathType → Service port) and the
// kubernetes.io/tls Secrets their tls sections name. Backends are reached
// through port-forwards (the real kubelet), where a controller would use
// endpoints.
//
// Clients reach it as an HTTPS proxy (HTTPS_PROXY=ProxyURL): a CONNECT to
// port 443 of a host that an Ingress serves with TLS is tunnelled to the
// stand-in's TLS listener, which presents that Ingress' certificate and
// proxies by Host and path, adding X-Forwarded-For/-Host/-Proto as
// ingress-nginx does. Every other CONNECT is refused (403). Plain HTTP
// is forwarded only to loopback (kubectl login's redirect URI, for a
// browser whose every request goes through the proxy) and refused
// otherwise. Public names (id.dev.example.com) are therefore never
// resolved, and no traffic leaves loopback.
type Ingress struct {
	// ProxyURL is the forward proxy's URL, http://127.0.0.1:PORT.
	ProxyURL string

	t       testing.TB
	tlsAddr string

	mu       sync.Mutex
	routes   []ingressRoute
	certs    map[string]*tls.Certificate // by host
	forwards map[string]*url.URL         // "ns/svc:port" -> local base URL
	connects map[string]int              // CONNECT host:port -> count
}

type ingressRoute struct {
	host, path string
	exact      bool
	backend    *url.URL
}

// StartIngress starts the proxy and the TLS listener on loopback, with no
// routes yet (see Load); both stop on t.Cleanup. It can run before the
// node, so that kube-apiserver starts with HTTPS_PROXY set.
func StartIngress(t testing.TB) (*Ingress, error) {
	in := &Ingress{t: t, certs: map[string]*tls.Certificate{}, forwards: map[string]*url.URL{}, connects: map[string]int{}}
	tl, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: in.certificate})
	if err != nil {
		return nil, err
	}
	in.tlsAddr = tl.Addr().String()
	tlsSrv := &http.Server{Handler: http.HandlerFunc(in.route), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = tlsSrv.Serve(tl) }()

	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = tlsSrv.Close()
		return nil, err
	}
	in.ProxyURL = "http://" + pl.Addr().String()
	proxySrv := &http.Server{Handler: http.HandlerFunc(in.connect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = proxySrv.Serve(pl) }()
	t.Cleanup(func() { _ = proxySrv.Close(); _ = tlsSrv.Close() })
	return in, nil
}

// ProxyEnv is the environment that sends a client's HTTPS through the
// stand-in; loopback and the node's ranges (10.0.0.0/8: the node, pods,
// Services) are reached directly.
func (in *Ingress) ProxyEnv() []string {
	return []string{"HTTPS_PROXY=" + in.ProxyURL, "https_proxy=" + in.ProxyURL, "NO_PROXY=127.0.0.1,localhost,10.0.0.0/8", "no_proxy=127.0.0.1,localhost,10.0.0.0/8"}
}

// Connects reports how many CONNECTs to hostport the proxy has served
// (tunnelled or refused).
func (in *Ingress) Connects(hostport string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.connects[hostport]
}

// k8sIngress is the part of networking.k8s.io/v1 Ingress the stand-in reads.
type k8sIngress struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		IngressClassName string `json:"ingressClassName"`
		Rules            []struct {
			Host string `json:"host"`
			HTTP struct {
				Paths []struct {
					Path     string `json:"path"`
					PathType string `json:"pathType"`
					Backend  struct {
						Service struct {
							Name string `json:"name"`
							Port struct {
								Number int `json:"number"`
							} `json:"port"`
						} `json:"service"`
					} `json:"backend"`
				} `json:"paths"`
			} `json:"http"`
		} `json:"rules"`
		TLS []struct {
			Hosts      []string `json:"hosts"`
			SecretName string   `json:"secretName"`
		} `json:"tls"`
	} `json:"spec"`
}

// Load reads every Ingress of class from the cluster, with its TLS
// Secrets, and port-forwards each backend Service port. It replaces the
// routes of an earlier Load.
func (in *Ingress) Load(n *Node, class string) error {
	out, err := n.Kubectl("get", "ingress", "-A", "-o", "json")
	if err != nil {
		return err
	}
	var list struct {
		Items []k8sIngress `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return fmt.Errorf("ingress list: %w", err)
	}
	var routes []ingressRoute
	certs := map[string]*tls.Certificate{}
	for _, ing := range list.Items {
		if ing.Spec.IngressClassName != class {
			continue
		}
		ns := ing.Metadata.Namespace
		for _, r := range ing.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				svc := p.Backend.Service
				if svc.Name == "" || svc.Port.Number == 0 {
					return fmt.Errorf("ingress %s/%s: host %s path %s: only service backends with a port number are supported", ns, ing.Metadata.Name, r.Host, p.Path)
				}
				backend, err := in.forward(n, ns, svc.Name, svc.Port.Number)
				if err != nil {
					return err
				}
				switch p.PathType {
				case "Prefix", "Exact", "ImplementationSpecific":
				default:
					return fmt.Errorf("ingress %s/%s: unknown pathType %q", ns, ing.Metadata.Name, p.PathType)
				}
				routes = append(routes, ingressRoute{host: r.Host, path: p.Path, exact: p.PathType == "Exact", backend: backend})
			}
		}
		for _, tl := range ing.Spec.TLS {
			cert, err := tlsSecret(n, ns, tl.SecretName)
			if err != nil {
				return fmt.Errorf("ingress %s/%s: %w", ns, ing.Metadata.Name, err)
			}
			for _, h := range tl.Hosts {
				certs[h] = cert
			}
		}
	}
	if len(routes) == 0 {
		return fmt.Errorf("no Ingress of class %q with rules in the cluster", class)
	}
	// Longest path first, as controllers match.
	sort.SliceStable(routes, func(i, j int) bool { return len(routes[i].path) > len(routes[j].path) })
	in.mu.Lock()
	in.routes, in.certs = routes, certs
	in.mu.Unlock()
	return nil
}

func (in *Ingress) forward(n *Node, ns, svc string, port int) (*url.URL, error) {
	key := fmt.Sprintf("%s/%s:%d", ns, svc, port)
	in.mu.Lock()
	u := in.forwards[key]
	in.mu.Unlock()
	if u != nil {
		return u, nil
	}
	base, err := n.PortForward(ns, "svc/"+svc, port)
	if err != nil {
		return nil, err
	}
	if u, err = url.Parse(base); err != nil {
		return nil, err
	}
	in.mu.Lock()
	in.forwards[key] = u
	in.mu.Unlock()
	return u, nil
}

// tlsSecret reads a kubernetes.io/tls Secret as a controller does.
func tlsSecret(n *Node, ns, name string) (*tls.Certificate, error) {
	out, err := n.Kubectl("-n", ns, "get", "secret", name, "-o", "json")
	if err != nil {
		return nil, fmt.Errorf("tls Secret %s: %w", name, err)
	}
	var s struct {
		Type string            `json:"type"`
		Data map[string]string `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return nil, err
	}
	crt, err1 := base64.StdEncoding.DecodeString(s.Data["tls.crt"])
	key, err2 := base64.StdEncoding.DecodeString(s.Data["tls.key"])
	if s.Type != "kubernetes.io/tls" || errors.Join(err1, err2) != nil {
		return nil, fmt.Errorf("Secret %s/%s is not a kubernetes.io/tls Secret", ns, name)
	}
	cert, err := tls.X509KeyPair(crt, key)
	if err != nil {
		return nil, fmt.Errorf("Secret %s/%s: %w", ns, name, err)
	}
	return &cert, nil
}

func (in *Ingress) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if c := in.certs[hello.ServerName]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("no Ingress serves %q with TLS", hello.ServerName)
}

// connect is the forward proxy: CONNECT to a TLS host of an Ingress, and
// plain HTTP to loopback, only.
func (in *Ingress) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		if ip := net.ParseIP(r.URL.Hostname()); ip == nil || !ip.IsLoopback() || r.URL.Scheme != "http" {
			http.Error(w, "only CONNECT (https) to an Ingress host, or http to loopback, is proxied", http.StatusMethodNotAllowed)
			return
		}
		target := &url.URL{Scheme: "http", Host: r.URL.Host}
		(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = pr.In.Host }}).ServeHTTP(w, r)
		return
	}
	host, port, err := net.SplitHostPort(r.Host)
	in.mu.Lock()
	in.connects[r.Host]++
	_, ok := in.certs[host]
	in.mu.Unlock()
	if err != nil || port != "443" || !ok {
		http.Error(w, "no Ingress serves "+r.Host+" with TLS", http.StatusForbidden)
		return
	}
	up, err := net.Dial("tcp", in.tlsAddr)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	_, _ = io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	go func() {
		// Bytes the client sent after its CONNECT, already buffered.
		if n := buf.Reader.Buffered(); n > 0 {
			b, _ := buf.Reader.Peek(n)
			_, _ = up.Write(b)
		}
		_, _ = io.Copy(up, conn)
		_ = up.(*net.TCPConn).CloseWrite()
	}()
	go func() {
		_, _ = io.Copy(conn, up)
		_ = conn.Close()
		_ = up.Close()
	}()
}

// route proxies one request that arrived over TLS by Host and path.
func (in *Ingress) route(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	in.mu.Lock()
	var backend *url.URL
	for _, rt := range in.routes {
		if rt.host != host {
			continue
		}
		if rt.exact && r.URL.Path == rt.path || !rt.exact && pathPrefix(r.URL.Path, rt.path) {
			backend = rt.backend
			break
		}
	}
	in.mu.Unlock()
	if backend == nil {
		http.Error(w, "default backend - 404", http.StatusNotFound)
		return
	}
	(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(backend)
		pr.Out.Host = pr.In.Host
		pr.SetXForwarded()
	}}).ServeHTTP(w, r)
}

// pathPrefix is the Ingress Prefix match: element-wise on "/".
func pathPrefix(path, prefix string) bool {
	if prefix == "" || prefix == "/" {
		return true
	}
	prefix = strings.TrimSuffix(prefix, "/")
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}
