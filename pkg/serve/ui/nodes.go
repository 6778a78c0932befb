package ui

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
)

// Flow is the part of a Kratos self-service flow (login, registration,
// settings, recovery, verification) the pages read. Everything a person
// fills in comes from UI.Nodes, which the page renders without knowing the
// methods: a method Kratos adds appears as its nodes do.
type Flow struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	ReturnTo   string `json:"return_to"`
	RequestURL string `json:"request_url"`
	// RequestedAAL is aal2 when a login asks for a second factor.
	RequestedAAL string `json:"requested_aal"`
	Refresh      bool   `json:"refresh"`
	State        any    `json:"state"`
	// OAuth2LoginChallenge is set when Hydra sent the person here.
	OAuth2LoginChallenge string `json:"oauth2_login_challenge"`
	OAuth2LoginRequest   *struct {
		Client struct {
			ClientID   string `json:"client_id"`
			ClientName string `json:"client_name"`
		} `json:"client"`
	} `json:"oauth2_login_request"`
	UI       Container `json:"ui"`
	Identity *struct {
		Traits map[string]any `json:"traits"`
	} `json:"identity"`
}

// Container is a flow's form: where it posts and its nodes and messages.
type Container struct {
	Action   string    `json:"action"`
	Method   string    `json:"method"`
	Nodes    []Node    `json:"nodes"`
	Messages []Message `json:"messages"`
}

// Message is a Kratos UI text (info, error, success).
type Message struct {
	ID      int64          `json:"id"`
	Text    string         `json:"text"`
	Type    string         `json:"type"`
	Context map[string]any `json:"context"`
}

// Node is one Kratos UI node: its type (input, img, text, a, script), the
// method group it belongs to, its attributes, messages and label.
type Node struct {
	Type       string     `json:"type"`
	Group      string     `json:"group"`
	Attributes Attributes `json:"attributes"`
	Messages   []Message  `json:"messages"`
	Meta       struct {
		Label *Message `json:"label"`
	} `json:"meta"`
}

// Attributes holds the attributes of every node type; each type reads its
// own.
type Attributes struct {
	NodeType string `json:"node_type"`
	// input
	Name           string `json:"name"`
	InputType      string `json:"type"`
	Value          any    `json:"value"`
	Required       bool   `json:"required"`
	Disabled       bool   `json:"disabled"`
	Autocomplete   string `json:"autocomplete"`
	Pattern        string `json:"pattern"`
	MaxLength      int    `json:"maxlength"`
	OnClickTrigger string `json:"onclickTrigger"`
	OnLoadTrigger  string `json:"onloadTrigger"`
	// img, script
	Src    string `json:"src"`
	ID     string `json:"id"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// a
	Href  string   `json:"href"`
	Title *Message `json:"title"`
	// text
	Text *Message `json:"text"`
	// script
	Async          bool   `json:"async"`
	Integrity      string `json:"integrity"`
	CrossOrigin    string `json:"crossorigin"`
	ReferrerPolicy string `json:"referrerpolicy"`
	Nonce          string `json:"nonce"`
}

// Form is the nodes of one method group, posted alone: a person signing in
// with a passkey never trips over the password field's required attribute.
// Every form also carries the default group (csrf_token, the identifier)
// that Kratos expects with each method.
type Form struct {
	Group  string
	Action string
	Method string
	Fields []Field
}

// Field is a node ready for the template.
type Field struct {
	Kind string // input, submit, button, hidden, checkbox, img, text, a, script
	ID   string // the element id (unique on the page)
	Node Node
	// Label is the text of the node's label.
	Label string
	// Value is the input's value as the form posts it.
	Value string
	// Secrets are the codes of a text node that lists several (lookup
	// secrets).
	Secrets []string
	// Trigger is a WebAuthn/passkey function of Kratos' script, run on
	// click (buttons) or on load.
	Trigger     string
	LoadTrigger string
	Messages    []Message
	// ImageSrc is an img node's source: Kratos' data:image/png QR codes or
	// an https image; anything else is left out.
	ImageSrc template.URL
}

// isTriggerName admits only names of the form Kratos' webauthn.js
// defines (oryWebAuthnLogin, oryPasskeyRegistration, …): ui.js calls
// window[name]. (No regexp: package-level regexps cost every authctl
// command's start-up.)
func isTriggerName(s string) bool {
	rest, ok := strings.CutPrefix(s, "ory")
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	for _, c := range rest {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// Forms groups a flow's nodes into one form per method group, in the order
// the groups first appear. The default group joins every form; a flow with
// only default nodes (a verification or recovery flow's email step is in
// its own group, but an error-only flow is not) gets one form.
func Forms(c Container) []Form {
	var order []string
	byGroup := map[string][]Node{}
	var defaults []Node
	for _, n := range c.Nodes {
		if n.Group == "default" {
			defaults = append(defaults, n)
			continue
		}
		if _, ok := byGroup[n.Group]; !ok {
			order = append(order, n.Group)
		}
		byGroup[n.Group] = append(byGroup[n.Group], n)
	}
	if len(order) == 0 && len(defaults) > 0 {
		return []Form{{Group: "default", Action: c.Action, Method: c.Method, Fields: fields("default", defaults)}}
	}
	var out []Form
	for _, g := range order {
		own := byGroup[g]
		if onlyScripts(own) {
			// Its scripts load in the page's head; nothing to post.
			continue
		}
		var nodes []Node
		for _, d := range defaults {
			if credentialOnlyGroups[g] && d.Type == "input" && d.Attributes.InputType != "hidden" && d.Attributes.InputType != "submit" {
				continue
			}
			nodes = append(nodes, d)
		}
		nodes = append(nodes, own...)
		out = append(out, Form{Group: g, Action: c.Action, Method: c.Method, Fields: fields(g, nodes)})
	}
	return out
}

// credentialOnlyGroups are methods that find the person from the
// credential itself (a discoverable passkey, the social provider's
// account): their forms leave out the default group's visible fields (the
// identifier), which the other forms show.
var credentialOnlyGroups = map[string]bool{"passkey": true, "oidc": true, "saml": true}

func onlyScripts(nodes []Node) bool {
	for _, n := range nodes {
		if n.Type != "script" {
			return false
		}
	}
	return true
}

func fields(group string, nodes []Node) []Field {
	var out []Field
	for i, n := range nodes {
		a := n.Attributes
		f := Field{Node: n, Messages: n.Messages, ID: elementID(group, i, a)}
		if n.Meta.Label != nil {
			f.Label = n.Meta.Label.Text
		}
		switch n.Type {
		case "input":
			f.Value = valueString(a.Value)
			switch a.InputType {
			case "hidden":
				f.Kind = "hidden"
			case "submit":
				f.Kind = "submit"
			case "button":
				f.Kind = "button"
			case "checkbox":
				f.Kind = "checkbox"
			default:
				f.Kind = "input"
			}
			if isTriggerName(a.OnClickTrigger) {
				f.Trigger = a.OnClickTrigger
			}
			if isTriggerName(a.OnLoadTrigger) {
				f.LoadTrigger = a.OnLoadTrigger
			}
			if f.Label == "" && f.Kind == "input" {
				f.Label = a.Name
			}
		case "img":
			f.Kind = "img"
			if strings.HasPrefix(a.Src, "data:image/png;base64,") || strings.HasPrefix(a.Src, "https://") {
				f.ImageSrc = template.URL(a.Src) // #nosec G203 -- only data:image/png and https sources
			}
		case "a":
			f.Kind = "a"
			if a.Title != nil && f.Label == "" {
				f.Label = a.Title.Text
			}
		case "text":
			f.Kind = "text"
			if a.Text != nil {
				f.Value = a.Text.Text
				if list, ok := a.Text.Context["secrets"].([]any); ok {
					for _, s := range list {
						if m, ok := s.(map[string]any); ok {
							if t, ok := m["text"].(string); ok {
								f.Secrets = append(f.Secrets, t)
							}
						}
					}
				}
			}
		case "script":
			f.Kind = "script"
		default:
			// A node type this page does not know: shown as its label, so
			// nothing Kratos sends disappears silently.
			f.Kind = "unknown"
		}
		out = append(out, f)
	}
	return out
}

// elementID is a page-unique id: the node's own id (img, text, script)
// or its input name, prefixed with the group, since the default group's
// identifier appears in several forms.
func elementID(group string, i int, a Attributes) string {
	base := a.ID
	if base == "" {
		base = a.Name
	}
	if base == "" {
		base = fmt.Sprint(i)
	}
	return group + "-" + strings.Map(func(c rune) rune {
		if c == '_' || c == '.' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			return c
		}
		return '_'
	}, base)
}

func valueString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", x), "0"), ".")
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// Scripts returns the script nodes whose src is on origin (Kratos' public
// URL as browsers see it): the only scripts the page loads besides its
// own, and the only ones its Content-Security-Policy admits.
func Scripts(c Container, origin string) []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.Type != "script" {
			continue
		}
		u, err := url.Parse(n.Attributes.Src)
		if err != nil || u.Scheme+"://"+u.Host != origin {
			continue
		}
		out = append(out, n)
	}
	return out
}
