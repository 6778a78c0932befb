package profile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// Well-known ports of the Ory servers and the self-service UI.
const (
	KratosPublicPort     = 4433
	KratosAdminPort      = 4434
	HydraPublicPort      = 4444
	HydraAdminPort       = 4445
	OathkeeperProxyPort  = 4455
	OathkeeperAPIPort    = 4456
	OathkeeperMetricPort = 9000
	UIPort               = 3000
	AuthzPort            = 4480
	// TokenHookPort is the port of `authctl serve token-hook`.
	TokenHookPort = 4460
)

// DefaultClusterDomain is Kubernetes' default cluster DNS domain.
const DefaultClusterDomain = "cluster.local"

// ServiceHost is the in-cluster DNS name of a Service.
func ServiceHost(service, namespace, clusterDomain string) string {
	return service + "." + namespace + ".svc." + clusterDomain
}

// ServiceURL is the in-cluster http URL of a Service port (no trailing
// slash).
func ServiceURL(service, namespace, clusterDomain string, port int) string {
	return fmt.Sprintf("http://%s:%d", ServiceHost(service, namespace, clusterDomain), port)
}

// Wiring is every name and URL that connects the components. It is
// computed once, here; no other package works out a URL again.
type Wiring struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// ClusterDomain ends every in-cluster Service name (spec.clusterDomain,
	// default cluster.local).
	ClusterDomain string `json:"clusterDomain"`
	Scheme        string `json:"scheme"`
	CookieDomain  string `json:"cookieDomain"`

	AuthHost   string `json:"authHost"`
	KratosHost string `json:"kratosHost"`
	HydraHost  string `json:"hydraHost"`

	// Public URLs (what browsers and clients see).
	UIURL           string `json:"uiURL"`
	KratosPublicURL string `json:"kratosPublicURL"`
	IssuerURL       string `json:"issuerURL"`
	LoginURL        string `json:"loginURL"`
	RegistrationURL string `json:"registrationURL"`
	ConsentURL      string `json:"consentURL"`
	LogoutURL       string `json:"logoutURL"`
	ErrorURL        string `json:"errorURL"`
	SettingsURL     string `json:"settingsURL"`
	RecoveryURL     string `json:"recoveryURL"`
	VerificationURL string `json:"verificationURL"`
	// StepUpURL is where the gateway sends a browser whose session lacks
	// the second factor a service asks for (mfa: required): the built-in
	// UI's step-up page, or Kratos' aal2 login with another UI.
	StepUpURL string `json:"stepUpURL"`
	// ForbiddenURL is the built-in UI's access-denied page, where the
	// gateway sends a signed-in browser that a service's requiredGroups
	// refused ("" with another UI: the JSON 403 instead of a login that
	// would send the person straight back).
	ForbiddenURL string `json:"forbiddenURL,omitempty"`

	// Service names.
	KratosPublicService    string `json:"kratosPublicService"`
	KratosAdminService     string `json:"kratosAdminService"`
	HydraPublicService     string `json:"hydraPublicService"`
	HydraAdminService      string `json:"hydraAdminService"`
	OathkeeperProxyService string `json:"oathkeeperProxyService"`
	OathkeeperAPIService   string `json:"oathkeeperAPIService"`
	UIService              string `json:"uiService"`

	// In-cluster URLs.
	KratosPublicInternalURL  string `json:"kratosPublicInternalURL"`
	KratosAdminInternalURL   string `json:"kratosAdminInternalURL"`
	HydraPublicInternalURL   string `json:"hydraPublicInternalURL"`
	HydraAdminInternalURL    string `json:"hydraAdminInternalURL"`
	OathkeeperAPIInternalURL string `json:"oathkeeperAPIInternalURL"`
	// OathkeeperAPIHost is the API Service's in-cluster DNS name (Istio's
	// extension provider names the host, not a URL).
	OathkeeperAPIHost string `json:"oathkeeperAPIHost"`
	CheckSessionURL   string `json:"checkSessionURL"`
	// HydraCORSOrigins may call Hydra's public API from a browser:
	// spec.hydra.corsAllowedOrigins, else the origins of the browser clients
	// in spec.bootstrap.clients. Empty: public CORS stays off.
	HydraCORSOrigins []string `json:"hydraCORSOrigins"`
	// AuthzService answers Oathkeeper's remote_json group checks.
	AuthzService string `json:"authzService"`
	AuthzURL     string `json:"authzURL"`
	// TokenHookService runs `authctl serve token-hook` for Hydra, which
	// calls TokenHookURL.
	TokenHookService string `json:"tokenHookService"`
	TokenHookURL     string `json:"tokenHookURL"`
	// ProtectedReturnURLs are scheme://HOST/ of every host whose service
	// sends browsers to the login page (onFailure: redirect). Oathkeeper's
	// redirect names the page asked for in return_to, and Kratos honours a
	// return_to only under an allowed URL: without these a person lands on
	// the default page after login, not on the tool.
	ProtectedReturnURLs []string `json:"protectedReturnURLs"`
	// KubectlRedirectURIs are the loopback redirect URIs of the kubectl
	// client for spec.kubernetes.redirectPorts (host 127.0.0.1).
	KubectlRedirectURIs []string `json:"kubectlRedirectURIs"`
	// KubectlCodeURL is the built-in UI's page that shows the code of a
	// headless kubectl login (--grant-type authcode-keyboard); "" when
	// the built-in UI is not part of the stack. It is also one of
	// KubectlRedirectURIs.
	KubectlCodeURL string `json:"kubectlCodeURL,omitempty"`

	// Peers of the internal APIs: the components (app.kubernetes.io/name of
	// the stack's pods) that call each one, and nothing else. The
	// NetworkPolicies admit exactly these; Oathkeeper's API also admits the
	// gateway's namespace (OathkeeperAPINamespaces).
	KratosAdminPeers        []string `json:"kratosAdminPeers"`
	HydraAdminPeers         []string `json:"hydraAdminPeers"`
	OathkeeperAPIPeers      []string `json:"oathkeeperAPIPeers"`
	OathkeeperAPINamespaces []string `json:"oathkeeperAPINamespaces"`
	// Oathkeeper's proxy port is the way in only for the ingress target
	// (its controller forwards every request there) and for none (a
	// gateway of the user's own). OathkeeperProxyOpen admits every caller,
	// because the controller's namespace is not known;
	// OathkeeperProxyNamespaces admits only gateway.namespace when it is
	// set. Neither: the port is closed, as the Envoy-based targets call
	// the decision API and never the proxy, which would otherwise be a
	// way round their normalisation and header removal.
	OathkeeperProxyOpen       bool     `json:"oathkeeperProxyOpen"`
	OathkeeperProxyNamespaces []string `json:"oathkeeperProxyNamespaces"`
}

// BootstrapComponent labels pods that run `authctl bootstrap` inside the
// namespace (deploy/job); they may call both admin APIs.
const BootstrapComponent = "bootstrap"

// WiringHook, when set, is called by every Wiring call with the profile
// asked. Tests only: pkg/render's counts the calls of one Render, which
// resolves the wiring once into its model.
var WiringHook func(*Profile)

// Wiring is the profile's resolved wiring: computed once when the profile
// is loaded (Resolve), the one model render, bootstrap, setup and doctor
// read. A copy is returned; its slices are the caller's.
func (p *Profile) Wiring() Wiring {
	if WiringHook != nil {
		WiringHook(p)
	}
	w := p.wiring
	if w == nil {
		computed := p.computeWiring()
		w = &computed
	}
	out := *w
	out.HydraCORSOrigins = slices.Clone(w.HydraCORSOrigins)
	out.KubectlRedirectURIs = slices.Clone(w.KubectlRedirectURIs)
	out.ProtectedReturnURLs = slices.Clone(w.ProtectedReturnURLs)
	out.KratosAdminPeers = slices.Clone(w.KratosAdminPeers)
	out.HydraAdminPeers = slices.Clone(w.HydraAdminPeers)
	out.OathkeeperAPIPeers = slices.Clone(w.OathkeeperAPIPeers)
	out.OathkeeperAPINamespaces = slices.Clone(w.OathkeeperAPINamespaces)
	out.OathkeeperProxyNamespaces = slices.Clone(w.OathkeeperProxyNamespaces)
	return out
}

// Resolve computes the wiring from Spec once; Load and Parse call it after
// defaults and validation. Code that builds or changes a Profile's Spec by
// hand calls it again (an unresolved profile computes its wiring on every
// call).
func (p *Profile) Resolve() {
	w := p.computeWiring()
	p.wiring = &w
}

// computeWiring derives the connections between components from Spec.
func (p *Profile) computeWiring() Wiring {
	s := p.Spec
	scheme := "https"
	if !On(s.TLS) {
		scheme = "http"
	}
	name, ns := p.Metadata.Name, p.Metadata.Namespace
	domain := cmp.Or(s.ClusterDomain, DefaultClusterDomain)
	svc := func(suffix string) string { return name + "-" + suffix }
	internal := func(service string, port int) string {
		return ServiceURL(service, ns, domain, port)
	}
	ui := scheme + "://" + s.Hosts.Auth
	w := Wiring{
		Name: name, Namespace: ns, ClusterDomain: domain, Scheme: scheme,
		CookieDomain: s.Domain,
		AuthHost:     s.Hosts.Auth, KratosHost: s.Hosts.Kratos, HydraHost: s.Hosts.Hydra,

		UIURL:           ui,
		KratosPublicURL: scheme + "://" + s.Hosts.Kratos + "/",
		IssuerURL:       scheme + "://" + s.Hosts.Hydra + "/",
		LoginURL:        ui + "/login",
		RegistrationURL: ui + "/registration",
		ConsentURL:      ui + "/consent",
		LogoutURL:       ui + "/logout",
		ErrorURL:        ui + "/error",
		SettingsURL:     ui + "/settings",
		RecoveryURL:     ui + "/recovery",
		VerificationURL: ui + "/verification",

		KratosPublicService:    svc("kratos-public"),
		KratosAdminService:     svc("kratos-admin"),
		HydraPublicService:     svc("hydra-public"),
		HydraAdminService:      svc("hydra-admin"),
		OathkeeperProxyService: svc("oathkeeper-proxy"),
		OathkeeperAPIService:   svc("oathkeeper-api"),
		UIService:              svc("ui"),
	}
	w.KratosPublicInternalURL = internal(w.KratosPublicService, KratosPublicPort)
	w.KratosAdminInternalURL = internal(w.KratosAdminService, KratosAdminPort)
	w.HydraPublicInternalURL = internal(w.HydraPublicService, HydraPublicPort)
	w.HydraAdminInternalURL = internal(w.HydraAdminService, HydraAdminPort)
	w.OathkeeperAPIInternalURL = internal(w.OathkeeperAPIService, OathkeeperAPIPort)
	w.CheckSessionURL = w.KratosPublicInternalURL + "/sessions/whoami"
	w.HydraCORSOrigins = s.Hydra.CORSAllowedOrigins
	if len(w.HydraCORSOrigins) == 0 {
		w.HydraCORSOrigins = append([]string{}, p.browserOrigins...) // empty, not nil: "none" is an answer
	}
	w.StepUpURL = ui + "/step-up"
	w.ForbiddenURL = ui + "/forbidden"
	if s.UI.Implementation != "builtin" {
		w.StepUpURL = w.KratosPublicURL + "self-service/login/browser?aal=aal2"
		w.ForbiddenURL = ""
	}
	w.AuthzService = svc("authz")
	w.TokenHookService = svc("token-hook")
	w.TokenHookURL = internal(w.TokenHookService, TokenHookPort) + "/token-hook"
	w.KubectlRedirectURIs = kubeconfig.RedirectURIs("127.0.0.1", s.Kubernetes.RedirectPorts)
	if On(s.Components.UI.Enabled) && s.UI.Implementation == "builtin" {
		w.KubectlCodeURL = ui + "/kubectl/code"
		w.KubectlRedirectURIs = append(w.KubectlRedirectURIs, w.KubectlCodeURL)
	}
	w.ProtectedReturnURLs = []string{}
	for _, sv := range s.Services {
		if sv.OnFailure != "redirect" {
			continue
		}
		for _, h := range sv.Hosts {
			if u := scheme + "://" + strings.ToLower(h) + "/"; !slices.Contains(w.ProtectedReturnURLs, u) {
				w.ProtectedReturnURLs = append(w.ProtectedReturnURLs, u)
			}
		}
	}
	w.OathkeeperAPIHost = ServiceHost(w.OathkeeperAPIService, ns, domain)
	w.AuthzURL = internal(w.AuthzService, AuthzPort) + "/authorize"
	w.KratosAdminPeers, w.HydraAdminPeers, w.OathkeeperAPIPeers, w.OathkeeperAPINamespaces = p.apiPeers()
	w.OathkeeperProxyOpen, w.OathkeeperProxyNamespaces = p.proxyCallers()
	return w
}

// apiPeers derives who calls which internal API from what the rendered
// configs point at: Hydra's identity_provider and the token hook read Kratos
// admin, and so does the built-in UI's consent; Kratos' oauth2_provider, the UI's login and consent, and Oathkeeper's
// oauth2_introspection call Hydra admin; the gateway asks Oathkeeper's API.
func (p *Profile) apiPeers() (kratosAdmin, hydraAdmin, oathkeeperAPI, oathkeeperNamespaces []string) {
	c := p.Spec.Components
	kratos, hydra := On(c.Kratos.Enabled), On(c.Hydra.Enabled)
	kratosAdmin = []string{BootstrapComponent}
	hydraAdmin = []string{BootstrapComponent}
	if hydra && kratos {
		kratosAdmin = append(kratosAdmin, "hydra")
		hydraAdmin = append(hydraAdmin, "kratos")
		if On(p.Spec.Kubernetes.Enabled) {
			kratosAdmin = append(kratosAdmin, "token-hook")
		}
	}
	if On(c.UI.Enabled) && hydra {
		hydraAdmin = append(hydraAdmin, "ui")
		if kratos && p.Spec.UI.Implementation == "builtin" {
			// The built-in UI's consent reads the identity's claims.
			kratosAdmin = append(kratosAdmin, "ui")
		}
	}
	for _, s := range p.Spec.Services {
		if slices.Contains(s.Allow, "oauth2_introspection") && !slices.Contains(hydraAdmin, "oathkeeper") {
			hydraAdmin = append(hydraAdmin, "oathkeeper")
		}
	}
	// Empty, not nil: "nobody" is an answer.
	oathkeeperAPI, oathkeeperNamespaces = []string{}, []string{}
	g := p.Spec.Gateway
	switch LookupGatewayTarget(g.Target).DecisionAPI {
	case CallerEnvoyPods:
		oathkeeperAPI = []string{"envoy"}
	case CallerNamespace, CallerNamespaceOrAny:
		// The data plane's proxies run there under labels we do not own.
		if g.Namespace != "" {
			oathkeeperNamespaces = []string{g.Namespace}
		}
	}
	slices.Sort(kratosAdmin)
	slices.Sort(hydraAdmin)
	return kratosAdmin, hydraAdmin, oathkeeperAPI, oathkeeperNamespaces
}

// proxyCallers says who may reach Oathkeeper's proxy port (see
// Wiring.OathkeeperProxyOpen): every caller, the namespaces listed, or
// nobody.
func (p *Profile) proxyCallers() (open bool, namespaces []string) {
	g := p.Spec.Gateway
	switch caller := LookupGatewayTarget(g.Target).Proxy; {
	case caller != CallerNamespace && caller != CallerNamespaceOrAny:
		return false, []string{} // no peer list for pods: closed
	case g.Namespace != "":
		return false, []string{g.Namespace}
	case caller == CallerNamespaceOrAny:
		return true, []string{}
	default:
		return false, []string{}
	}
}

// ImageRef renders an image as repository:tag@digest.
func (i Image) Ref() string {
	ref := i.Repository
	if i.Tag != "" {
		ref += ":" + i.Tag
	}
	if i.Digest != "" {
		ref += "@" + i.Digest
	}
	return ref
}

// EnvName turns an id into an environment variable fragment (google-work → GOOGLE_WORK).
func EnvName(id string) string {
	return strings.Trim(envNameRe.ReplaceAllString(strings.ToUpper(id), "_"), "_")
}
