// Package profile loads, defaults, validates and derives the wiring of an
// authctl profile: the one file from which every manifest, client and
// kubeconfig entry is produced.
package profile

// APIVersion and Kind identify the profile format.
const (
	APIVersion = "authctl.dev/v1alpha1"
	Kind       = "Profile"
)

// Profile is the root document of a profile file.
type Profile struct {
	APIVersion string   `yaml:"apiVersion" json:"apiVersion" jsonschema:"enum=authctl.dev/v1alpha1"`
	Kind       string   `yaml:"kind" json:"kind" jsonschema:"enum=Profile"`
	Metadata   Metadata `yaml:"metadata" json:"metadata"`
	Spec       Spec     `yaml:"spec" json:"spec"`

	// Source is the file the profile was read from ("" when read from memory).
	Source string `yaml:"-" json:"-"`
	// Dir is the directory relative paths in the profile resolve against.
	Dir string `yaml:"-" json:"-"`
	// positions maps field paths (spec.kratos.methods[1]) to file positions.
	positions Positions
	// browserOrigins are the origins of the browser clients that
	// spec.bootstrap.clients defines, read once during validation.
	browserOrigins []string
	// wiring is the resolved Wiring of a loaded profile (see Resolve).
	wiring *Wiring
}

// Metadata names the stack.
type Metadata struct {
	// Name of the stack; used as the prefix of every object name.
	Name string `yaml:"name" json:"name" jsonschema:"description=Name of the stack: a DNS-1123 label that prefixes every object,pattern=^[a-z0-9]([-a-z0-9]*[a-z0-9])?$,maxLength=40"`
	// Namespace the stack is rendered into.
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty" jsonschema:"description=Kubernetes namespace (default: the name)"`
}

// Spec is the desired stack.
type Spec struct {
	Domain string `yaml:"domain" json:"domain" jsonschema:"description=Public base domain; hosts derive from it"`
	// ClusterDomain is the cluster's DNS domain, which in-cluster Service
	// names end in (NAME.NS.svc.CLUSTERDOMAIN).
	ClusterDomain string `yaml:"clusterDomain,omitempty" json:"clusterDomain,omitempty" jsonschema:"description=The cluster's DNS domain of in-cluster Service names (default cluster.local),maxLength=253"`
	Hosts         Hosts  `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	TLS           *bool  `yaml:"tls,omitempty" json:"tls,omitempty" jsonschema:"description=Public URLs use https (default true)"`
	// AllowPlainHTTP is the development switch that tls: false needs: plain
	// HTTP sends session cookies and tokens in clear, and kube-apiserver
	// refuses an http:// issuer, so it never happens by accident.
	AllowPlainHTTP *bool      `yaml:"allowPlainHTTP,omitempty" json:"allowPlainHTTP,omitempty" jsonschema:"description=Allow tls: false for a local trial without Kubernetes login (default false)"`
	Components     Components `yaml:"components,omitempty" json:"components,omitempty"`
	Database       Database   `yaml:"database,omitempty" json:"database,omitempty"`
	Scaling        Scaling    `yaml:"scaling,omitempty" json:"scaling,omitempty"`
	Kratos         Kratos     `yaml:"kratos,omitempty" json:"kratos,omitempty"`
	Hydra          Hydra      `yaml:"hydra,omitempty" json:"hydra,omitempty"`
	Oathkeeper     Oathkeeper `yaml:"oathkeeper,omitempty" json:"oathkeeper,omitempty"`
	Secrets        Secrets    `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	Services       []Service  `yaml:"services,omitempty" json:"services,omitempty"`
	Gateway        Gateway    `yaml:"gateway,omitempty" json:"gateway,omitempty"`
	Kubernetes     Kubernetes `yaml:"kubernetes,omitempty" json:"kubernetes,omitempty"`
	UI             UI         `yaml:"ui,omitempty" json:"ui,omitempty"`
	Bootstrap      Bootstrap  `yaml:"bootstrap,omitempty" json:"bootstrap,omitempty"`
	Patches        []Patch    `yaml:"patches,omitempty" json:"patches,omitempty"`
}

// Service is an upstream protected by the gateway and Oathkeeper.
type Service struct {
	Name string `yaml:"name" json:"name" jsonschema:"description=DNS label naming the service and its access rule"`
	// Hosts are the public host names routed to the service.
	Hosts []string `yaml:"hosts" json:"hosts"`
	// Paths are path prefixes (default "/").
	Paths []string `yaml:"paths,omitempty" json:"paths,omitempty"`
	// Methods allowed (default: all).
	Methods  []string `yaml:"methods,omitempty" json:"methods,omitempty" jsonschema:"enum=GET,enum=HEAD,enum=POST,enum=PUT,enum=PATCH,enum=DELETE,enum=OPTIONS"`
	Upstream Upstream `yaml:"upstream" json:"upstream"`
	// Allow lists who may pass; the first matching authenticator wins.
	Allow          []string `yaml:"allow" json:"allow" jsonschema:"enum=anonymous,enum=session,enum=bearer,enum=jwt,enum=oauth2_introspection"`
	RequiredGroups []string `yaml:"requiredGroups,omitempty" json:"requiredGroups,omitempty"`
	// RequiredScopes and Audience apply to jwt and oauth2_introspection.
	RequiredScopes []string `yaml:"requiredScopes,omitempty" json:"requiredScopes,omitempty"`
	Audience       []string `yaml:"audience,omitempty" json:"audience,omitempty"`
	// Forward is what reaches the upstream.
	Forward Forward `yaml:"forward,omitempty" json:"forward,omitempty"`
	// OnFailure is redirect (browsers, to the login page) or json (APIs, 401).
	OnFailure string `yaml:"onFailure,omitempty" json:"onFailure,omitempty" jsonschema:"enum=redirect,enum=json"`
	// MFA required lets in only Kratos sessions at aal2 (a second factor
	// was used); a browser at aal1 is sent to step up.
	MFA string `yaml:"mfa,omitempty" json:"mfa,omitempty" jsonschema:"enum=required,description=required: only sessions signed in with a second factor (Kratos aal2) pass; browsers at aal1 are sent to step up (default: not required)"`
}

// Upstream is a Service in the cluster or a URL.
type Upstream struct {
	Service   string `yaml:"service,omitempty" json:"service,omitempty"`
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty" jsonschema:"description=Namespace of the Service (default: the stack's)"`
	Port      int    `yaml:"port,omitempty" json:"port,omitempty" jsonschema:"minimum=1,maximum=65535"`
	URL       string `yaml:"url,omitempty" json:"url,omitempty"`
}

// Forward selects the token handling at the gateway.
type Forward struct {
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty" jsonschema:"enum=passthrough,enum=reissue,enum=headers"`
	// TTL of a reissued token (default 5m).
	TTL string `yaml:"ttl,omitempty" json:"ttl,omitempty"`
	// Audience of a reissued token (default: the service name).
	Audience []string `yaml:"audience,omitempty" json:"audience,omitempty"`
	// Headers names the identity headers of the headers mode, for upstreams
	// that expect another convention (oauth2-proxy's X-Auth-Request-*,
	// Remote-User).
	Headers ForwardHeaders `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Claims says where header values come from.
	Claims ForwardClaims `yaml:"claims,omitempty" json:"claims,omitempty"`
}

// Default identity header names of the headers mode.
const (
	DefaultSubjectHeader = "X-User-Id"
	DefaultEmailHeader   = "X-User-Email"
	DefaultGroupsHeader  = "X-User-Groups"
)

// ForwardHeaders are the header names an upstream reads the user from.
// Every gateway removes a client's copy of every name any service uses.
type ForwardHeaders struct {
	Subject           string `yaml:"subject,omitempty" json:"subject,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9-]*$,maxLength=64,description=Header with the user id (default X-User-Id)"`
	Email             string `yaml:"email,omitempty" json:"email,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9-]*$,maxLength=64,description=Header with the email (default X-User-Email)"`
	Groups            string `yaml:"groups,omitempty" json:"groups,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9-]*$,maxLength=64,description=Header with the comma-separated groups (default X-User-Groups)"`
	PreferredUsername string `yaml:"preferredUsername,omitempty" json:"preferredUsername,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9-]*$,maxLength=64,description=Header with the preferred username (default: not sent)"`
}

// ForwardClaims name where a value comes from: an identity field for
// session and bearer (Kratos session token) access, a token claim for jwt
// and oauth2_introspection.
type ForwardClaims struct {
	PreferredUsername string `yaml:"preferredUsername,omitempty" json:"preferredUsername,omitempty" jsonschema:"pattern=^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$,description=Identity field or token claim of the preferred username (default traits.username for sessions and preferred_username for tokens; the email when it is empty)"`
}

// Gateway selects how requests reach Oathkeeper.
type Gateway struct {
	Target string `yaml:"target,omitempty" json:"target,omitempty" jsonschema:"enumFrom=gatewayTargets"`
	// IngressClassName for the ingress target.
	IngressClassName string `yaml:"ingressClassName,omitempty" json:"ingressClassName,omitempty"`
	// GatewayClassName for the envoy-gateway target (default eg).
	GatewayClassName string `yaml:"gatewayClassName,omitempty" json:"gatewayClassName,omitempty"`
	// Namespace where the gateway's proxies run, allowed to call the decision
	// API (default envoy-gateway-system for envoy-gateway, istio-system for
	// istio). For ingress (and none): the ingress controller's namespace,
	// the only one Oathkeeper's proxy port then admits (default: any).
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty" jsonschema:"description=Where the gateway's proxies run: the namespace that may call Oathkeeper's decision API (envoy-gateway and istio) or its proxy port (ingress and none; default: any)"`
	// Selector picks the Istio ingress gateway workloads the authorization
	// policies apply to (default istio: ingressgateway); never empty, so a
	// policy is never mesh-wide.
	Selector map[string]string `yaml:"selector,omitempty" json:"selector,omitempty"`
	// DenyAll makes the Istio ingress gateway deny hosts that neither a
	// service nor the stack itself serves.
	DenyAll *bool `yaml:"denyAll,omitempty" json:"denyAll,omitempty"`
	// TLSSecretName holds the certificate for the public hosts.
	TLSSecretName string `yaml:"tlsSecretName,omitempty" json:"tlsSecretName,omitempty"`
	// ExternalTLS says that something in front of the gateway (a cloud load
	// balancer) terminates TLS, so the Ingress or Gateway needs no
	// certificate of its own.
	ExternalTLS *bool `yaml:"externalTLS,omitempty" json:"externalTLS,omitempty" jsonschema:"description=TLS is terminated in front of the gateway; no tlsSecretName needed (default false)"`
	// Image of the standalone Envoy.
	Image Image `yaml:"image,omitempty" json:"image,omitempty"`
}

// Kubernetes configures kubectl login, the API server's OIDC settings and RBAC.
type Kubernetes struct {
	Enabled *bool `yaml:"enabled,omitempty" json:"enabled,omitempty" jsonschema:"description=Render API-server OIDC config and RBAC (default true)"`
	// Version is the target cluster's minor version (e.g. "1.33"); it picks the
	// AuthenticationConfiguration apiVersion.
	Version string `yaml:"version,omitempty" json:"version,omitempty" jsonschema:"pattern=^1\\.[0-9]+$"`
	// ClientID of the public kubectl client in Hydra (default kubectl).
	ClientID string `yaml:"clientID,omitempty" json:"clientID,omitempty"`
	// RedirectPorts are the loopback ports get-token listens on, in order.
	RedirectPorts  []int  `yaml:"redirectPorts,omitempty" json:"redirectPorts,omitempty" jsonschema:"minimum=1,maximum=65535"`
	UsernameClaim  string `yaml:"usernameClaim,omitempty" json:"usernameClaim,omitempty"`
	UsernamePrefix string `yaml:"usernamePrefix,omitempty" json:"usernamePrefix,omitempty"`
	GroupsClaim    string `yaml:"groupsClaim,omitempty" json:"groupsClaim,omitempty"`
	GroupsPrefix   string `yaml:"groupsPrefix,omitempty" json:"groupsPrefix,omitempty"`
	// Claims maps id_token claims to Kratos identity fields.
	Claims ClaimMapping `yaml:"claims,omitempty" json:"claims,omitempty"`
	// RoleBindings map profile groups to ClusterRoles.
	RoleBindings []RoleBinding `yaml:"roleBindings,omitempty" json:"roleBindings,omitempty"`
	// Clusters name the clusters that accept the issuer: each gets its own
	// AuthenticationConfiguration, which accepts only tokens for it.
	Clusters []string `yaml:"clusters,omitempty" json:"clusters,omitempty" jsonschema:"description=Clusters that accept this issuer (DNS labels): one browser login serves all of a person's clusters and each cluster accepts only its own tokens (an id_token cluster claim set by the token hook); empty: one configuration for every cluster"`
	// RequireMFA makes the API server refuse tokens whose login used no
	// second factor (a claim validation rule on the id_token's amr).
	RequireMFA *bool `yaml:"requireMFA,omitempty" json:"requireMFA,omitempty" jsonschema:"description=The API server accepts only tokens whose login used a second factor (amr holds totp, lookup_secret or webauthn; needs Kubernetes 1.29 or newer) (default false)"`
}

// ClaimMapping names where the email and groups claims come from in a Kratos identity.
type ClaimMapping struct {
	Email  string `yaml:"email,omitempty" json:"email,omitempty" jsonschema:"description=Identity field for the email claim (default traits.email)"`
	Groups string `yaml:"groups,omitempty" json:"groups,omitempty" jsonschema:"description=Identity field for the groups claim (default metadata_public.groups)"`
	// GroupsScope is the OAuth2 scope that releases the groups claim.
	GroupsScope string `yaml:"groupsScope,omitempty" json:"groupsScope,omitempty" jsonschema:"description=Scope that releases the groups claim (default groups)"`
}

// RoleBinding grants a ClusterRole to an OIDC group.
type RoleBinding struct {
	Group       string `yaml:"group" json:"group"`
	ClusterRole string `yaml:"clusterRole" json:"clusterRole"`
}

// UI configures the self-service pages (spec.components.ui switches them on).
type UI struct {
	// Implementation is builtin (authctl serve ui, from authctl's image) or
	// ory (Ory's kratos-selfservice-ui-node, spec.components.ui.image).
	Implementation string `yaml:"implementation,omitempty" json:"implementation,omitempty" jsonschema:"enum=builtin,enum=ory,description=builtin: authctl serve ui from authctl's image (default); ory: Ory's kratos-selfservice-ui-node image (spec.components.ui.image; not tested by authctl)"`
	// ProductName is shown on every page.
	ProductName string `yaml:"productName,omitempty" json:"productName,omitempty" jsonschema:"maxLength=80,description=Name shown on every page (default: spec.domain)"`
	// FirstPartyClients are OAuth2 client ids whose consent the built-in UI
	// gives without asking the person.
	FirstPartyClients []string `yaml:"firstPartyClients,omitempty" json:"firstPartyClients,omitempty" jsonschema:"description=OAuth2 client ids whose consent is given without asking (built-in UI only; default: none)"`
}

// Bootstrap names the input files of `authctl bootstrap`, relative to the profile.
type Bootstrap struct {
	Identities string `yaml:"identities,omitempty" json:"identities,omitempty"`
	Clients    string `yaml:"clients,omitempty" json:"clients,omitempty"`
}

// Hosts overrides the public host names derived from the domain.
type Hosts struct {
	// Auth is the self-service UI (login, registration, consent).
	Auth string `yaml:"auth,omitempty" json:"auth,omitempty" jsonschema:"description=Self-service UI host (default auth.DOMAIN)"`
	// Kratos is the Kratos public API.
	Kratos string `yaml:"kratos,omitempty" json:"kratos,omitempty" jsonschema:"description=Kratos public API host (default id.DOMAIN)"`
	// Hydra is the OAuth2/OIDC issuer.
	Hydra string `yaml:"hydra,omitempty" json:"hydra,omitempty" jsonschema:"description=Hydra public issuer host (default oauth.DOMAIN)"`
}

// Components switches components on or off and pins their images.
type Components struct {
	Kratos     Component `yaml:"kratos,omitempty" json:"kratos,omitempty"`
	Hydra      Component `yaml:"hydra,omitempty" json:"hydra,omitempty"`
	Oathkeeper Component `yaml:"oathkeeper,omitempty" json:"oathkeeper,omitempty"`
	UI         Component `yaml:"ui,omitempty" json:"ui,omitempty"`
}

// Component is one deployable piece of the stack.
type Component struct {
	Enabled *bool `yaml:"enabled,omitempty" json:"enabled,omitempty" jsonschema:"description=Render this component (default true)"`
	Image   Image `yaml:"image,omitempty" json:"image,omitempty"`
}

// Image is a container image reference.
type Image struct {
	Repository string `yaml:"repository,omitempty" json:"repository,omitempty"`
	Tag        string `yaml:"tag,omitempty" json:"tag,omitempty"`
	Digest     string `yaml:"digest,omitempty" json:"digest,omitempty" jsonschema:"pattern=^sha256:[a-f0-9]{64}$"`
}

// Database selects storage.
type Database struct {
	// Mode is sqlite (a single-replica trial on a PersistentVolumeClaim) or
	// external (DSNs from existing Secrets).
	Mode     string           `yaml:"mode,omitempty" json:"mode,omitempty" jsonschema:"enum=sqlite,enum=external"`
	SQLite   SQLite           `yaml:"sqlite,omitempty" json:"sqlite,omitempty"`
	External ExternalDatabase `yaml:"external,omitempty" json:"external,omitempty"`
}

// SQLite configures the trial database volume.
type SQLite struct {
	Size             string `yaml:"size,omitempty" json:"size,omitempty" jsonschema:"description=PersistentVolumeClaim size (default 1Gi)"`
	StorageClassName string `yaml:"storageClassName,omitempty" json:"storageClassName,omitempty"`
}

// ExternalDatabase takes DSNs from existing Secrets.
type ExternalDatabase struct {
	Driver string    `yaml:"driver,omitempty" json:"driver,omitempty" jsonschema:"enum=postgres,enum=cockroach"`
	Kratos SecretRef `yaml:"kratos,omitempty" json:"kratos,omitempty"`
	Hydra  SecretRef `yaml:"hydra,omitempty" json:"hydra,omitempty"`
}

// SecretRef points at one key of an existing Kubernetes Secret.
type SecretRef struct {
	Name string `yaml:"name" json:"name"`
	Key  string `yaml:"key,omitempty" json:"key,omitempty" jsonschema:"description=Key in the Secret (default depends on use)"`
}

// Scaling applies to Kratos, Hydra, Oathkeeper and the UI when the database is external.
type Scaling struct {
	Replicas             int   `yaml:"replicas,omitempty" json:"replicas,omitempty" jsonschema:"minimum=1,description=Replicas per component (sqlite forces 1)"`
	MaxReplicas          int   `yaml:"maxReplicas,omitempty" json:"maxReplicas,omitempty" jsonschema:"minimum=1,description=HorizontalPodAutoscaler maximum (unset: no autoscaler)"`
	TargetCPUUtilization int   `yaml:"targetCPUUtilization,omitempty" json:"targetCPUUtilization,omitempty" jsonschema:"minimum=1,maximum=100"`
	PodDisruptionBudget  *bool `yaml:"podDisruptionBudget,omitempty" json:"podDisruptionBudget,omitempty" jsonschema:"description=Render PodDisruptionBudgets when replicas > 1 (default true)"`
}

// Kratos configures identities and self-service login.
type Kratos struct {
	IdentitySchemas   []IdentitySchema `yaml:"identitySchemas,omitempty" json:"identitySchemas,omitempty"`
	Methods           []string         `yaml:"methods,omitempty" json:"methods,omitempty" jsonschema:"enum=password,enum=totp,enum=webauthn,enum=passkey,enum=code,enum=lookup_secret,enum=oidc"`
	OIDCProviders     []OIDCProvider   `yaml:"oidcProviders,omitempty" json:"oidcProviders,omitempty"`
	WebAuthn          WebAuthn         `yaml:"webauthn,omitempty" json:"webauthn,omitempty"`
	Registration      *bool            `yaml:"registration,omitempty" json:"registration,omitempty" jsonschema:"description=Allow self-service registration (default true)"`
	SessionLifespan   string           `yaml:"sessionLifespan,omitempty" json:"sessionLifespan,omitempty" jsonschema:"description=Go duration (default 24h)"`
	AllowedReturnURLs []string         `yaml:"allowedReturnURLs,omitempty" json:"allowedReturnURLs,omitempty"`
	Courier           Courier          `yaml:"courier,omitempty" json:"courier,omitempty"`
}

// WebAuthn configures the webauthn method (security keys, platform
// authenticators).
type WebAuthn struct {
	// Passwordless makes webauthn a first factor: users sign in with a
	// security key alone. Without it webauthn is a second factor.
	Passwordless *bool `yaml:"passwordless,omitempty" json:"passwordless,omitempty" jsonschema:"description=Sign in with a security key alone as a first factor (default false: webauthn is a second factor)"`
}

// IdentitySchema is given inline or as a file path relative to the profile.
type IdentitySchema struct {
	ID     string `yaml:"id" json:"id"`
	File   string `yaml:"file,omitempty" json:"file,omitempty"`
	Inline string `yaml:"inline,omitempty" json:"inline,omitempty" jsonschema:"description=The JSON schema document as a string"`
}

// OIDCProvider is a social sign-in provider.
type OIDCProvider struct {
	ID              string    `yaml:"id" json:"id"`
	Provider        string    `yaml:"provider" json:"provider" jsonschema:"enum=google,enum=github,enum=gitlab,enum=microsoft,enum=generic,enum=auth0,enum=okta,enum=apple,enum=slack"`
	ClientID        string    `yaml:"clientID" json:"clientID"`
	ClientSecretRef SecretRef `yaml:"clientSecretRef" json:"clientSecretRef"`
	IssuerURL       string    `yaml:"issuerURL,omitempty" json:"issuerURL,omitempty" jsonschema:"description=Issuer for generic providers"`
	Scope           []string  `yaml:"scope,omitempty" json:"scope,omitempty"`
	HostedDomain    string    `yaml:"hostedDomain,omitempty" json:"hostedDomain,omitempty" jsonschema:"description=Restrict Google sign-in to this Workspace domain"`
}

// Courier sends mail.
type Courier struct {
	SMTPURISecretRef *SecretRef `yaml:"smtpURISecretRef,omitempty" json:"smtpURISecretRef,omitempty"`
	From             string     `yaml:"from,omitempty" json:"from,omitempty"`
}

// Hydra configures the OAuth2/OIDC server.
type Hydra struct {
	AccessTokenStrategy string    `yaml:"accessTokenStrategy,omitempty" json:"accessTokenStrategy,omitempty" jsonschema:"enum=jwt,enum=opaque"`
	Lifespans           Lifespans `yaml:"lifespans,omitempty" json:"lifespans,omitempty"`
	// CORSAllowedOrigins are the browser origins that may call Hydra's
	// public API (token, userinfo, revocation): what a single-page app
	// needs to exchange its code. Hydra v2.3.0 ignores a client's
	// allowed_cors_origins while public CORS is off.
	CORSAllowedOrigins []string `yaml:"corsAllowedOrigins,omitempty" json:"corsAllowedOrigins,omitempty" jsonschema:"description=Origins allowed to call Hydra's public API from a browser (default: the origins of the browser clients in spec.bootstrap.clients)"`
}

// Lifespans are Go durations.
type Lifespans struct {
	AccessToken  string `yaml:"accessToken,omitempty" json:"accessToken,omitempty"`
	IDToken      string `yaml:"idToken,omitempty" json:"idToken,omitempty"`
	RefreshToken string `yaml:"refreshToken,omitempty" json:"refreshToken,omitempty"`
	AuthCode     string `yaml:"authCode,omitempty" json:"authCode,omitempty"`
}

// Oathkeeper configures the access proxy and decision API.
type Oathkeeper struct {
	Rules string `yaml:"rules,omitempty" json:"rules,omitempty" jsonschema:"enum=configmap,enum=maester,description=How access rules are delivered (default configmap)"`
}

// Secrets selects where secret values come from.
type Secrets struct {
	Policy         string         `yaml:"policy,omitempty" json:"policy,omitempty" jsonschema:"enum=generate,enum=existingSecret,enum=externalSecret"`
	File           string         `yaml:"file,omitempty" json:"file,omitempty" jsonschema:"description=Secrets file for the generate policy (default .authctl/NAME.secrets.yaml next to the profile)"`
	ExistingSecret ExistingSecret `yaml:"existingSecret,omitempty" json:"existingSecret,omitempty"`
	ExternalSecret ExternalSecret `yaml:"externalSecret,omitempty" json:"externalSecret,omitempty"`
}

// ExistingSecret names Secrets created outside authctl.
type ExistingSecret struct {
	Kratos     string `yaml:"kratos,omitempty" json:"kratos,omitempty"`
	Hydra      string `yaml:"hydra,omitempty" json:"hydra,omitempty"`
	UI         string `yaml:"ui,omitempty" json:"ui,omitempty"`
	Oathkeeper string `yaml:"oathkeeper,omitempty" json:"oathkeeper,omitempty"`
}

// ExternalSecret renders external-secrets.io ExternalSecret objects.
type ExternalSecret struct {
	StoreRef        StoreRef `yaml:"storeRef" json:"storeRef"`
	RemoteKeyPrefix string   `yaml:"remoteKeyPrefix,omitempty" json:"remoteKeyPrefix,omitempty"`
	RefreshInterval string   `yaml:"refreshInterval,omitempty" json:"refreshInterval,omitempty"`
}

// StoreRef names a SecretStore or ClusterSecretStore.
type StoreRef struct {
	Name string `yaml:"name" json:"name"`
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty" jsonschema:"enum=SecretStore,enum=ClusterSecretStore"`
}

// Patch is a kustomize patch applied after rendering.
type Patch struct {
	Target *PatchTarget `yaml:"target,omitempty" json:"target,omitempty"`
	Patch  string       `yaml:"patch" json:"patch" jsonschema:"description=A strategic-merge patch or a JSON 6902 patch (YAML list of ops)"`
}

// PatchTarget selects objects for a patch.
type PatchTarget struct {
	Group         string `yaml:"group,omitempty" json:"group,omitempty"`
	Version       string `yaml:"version,omitempty" json:"version,omitempty"`
	Kind          string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Name          string `yaml:"name,omitempty" json:"name,omitempty"`
	Namespace     string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	LabelSelector string `yaml:"labelSelector,omitempty" json:"labelSelector,omitempty"`
}
