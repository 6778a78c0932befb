package wizard

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/authctl/authctl/pkg/profile"
)

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsName  = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$`)
)

// The form's fields, the keys problems are reported under.
const (
	FieldName         = "name"
	FieldNamespace    = "namespace"
	FieldDomain       = "domain"
	FieldComponents   = "components"
	FieldGateway      = "gateway"
	FieldIngressClass = "ingressClass"
	FieldTLS          = "tls"
	FieldTLSSecret    = "tlsSecret"
	FieldDatabase     = "database"
	FieldMethods      = "methods"
	FieldSocial       = "social"
	FieldRegistration = "registration"
	FieldRoleBindings = "roleBindings"
	FieldServices     = "services"
)

// none is what a person types into a list field to choose nothing when the
// field has a default.
const none = "none"

// FormValues are the fields the form edits. Text fields hold only what the
// person typed: empty means the default, which the field shows as its
// placeholder (typing never appends to a prefilled value). Lists of pairs are
// text in the same syntax as the flags, so one parser serves both.
type FormValues struct {
	Name, Namespace, Domain string
	Components              []string
	Gateway, Database       string
	// IngressClass and TLSSecret are typed text (empty: the default);
	// TLS is tlsSecret or tlsExternal.
	IngressClass, TLS, TLSSecret string
	Methods                      []string
	Social                       string
	Registration                 bool
	RoleBindings, Services       string
	// Write is the summary page's answer: write the file, or go back.
	Write bool

	// defaults are the answers the form started from (the defaults merged
	// with flags); file is where the profile will be written.
	defaults Answers
	file     string
	// exists is true when file exists: the summary offers to overwrite it.
	exists bool
	// plain is true without colours (NO_COLOR): a default is then marked
	// in words, or it would look like typed text.
	plain bool
	// back is true while the person goes back (esc): a field left that
	// way is not judged, so its error does not stay on the screen of the
	// field they went back to; it is judged again when they move forward.
	back bool
}

// NewFormValues starts the form from answers (the defaults merged with flags).
func NewFormValues(a Answers) *FormValues {
	return &FormValues{
		Components: append([]string(nil), a.Components...),
		Gateway:    a.Gateway, Database: a.Database,
		TLS:          tlsChoice(a.ExternalTLS),
		Methods:      append([]string(nil), a.Methods...),
		Registration: a.Registration,
		Write:        true,
		defaults:     a,
		file:         "profile.yaml",
	}
}

// ForFile names the file the profile will be written to, for the summary
// and for validation messages.
func (v *FormValues) ForFile(file string) *FormValues {
	v.file = file
	return v
}

// text returns s, or def when nothing was typed.
func text(s, def string) string {
	if s = strings.TrimSpace(s); s == "" {
		return def
	}
	return s
}

// list parses a list field: empty keeps the default, "none" is nothing.
func list[T any](s string, def []T, parse func(string) ([]T, error)) ([]T, error) {
	switch s = strings.TrimSpace(s); s {
	case "":
		return def, nil
	case none:
		return nil, nil
	}
	return parse(s)
}

// answers parses the form values, reporting parse errors by field.
func (v *FormValues) answers() (Answers, map[string]error) {
	d := v.defaults
	a := Answers{
		Name: text(v.Name, d.Name), Namespace: text(v.Namespace, d.Namespace), Domain: text(v.Domain, d.Domain),
		Components: v.Components, Gateway: v.Gateway, Database: v.Database,
		IngressClass: text(v.IngressClass, d.IngressClass), TLSSecret: text(v.TLSSecret, d.TLSSecret), ExternalTLS: v.TLS == tlsExternal,
		Methods: v.Methods, Registration: v.Registration,
	}
	errs := map[string]error{}
	var err error
	if a.Social, err = list(v.Social, d.Social, ParseSocial); err != nil {
		errs[FieldSocial] = err
	}
	if a.RoleBindings, err = list(v.RoleBindings, d.RoleBindings, ParseRoleBindings); err != nil {
		errs[FieldRoleBindings] = err
	}
	if a.Services, err = list(v.Services, d.Services, ParseServices); err != nil {
		errs[FieldServices] = err
	}
	return a, errs
}

// Answers parses and checks the form values.
func (v *FormValues) Answers() (Answers, error) {
	a, errs := v.answers()
	for _, f := range []string{FieldSocial, FieldRoleBindings, FieldServices} {
		if errs[f] != nil {
			return a, errs[f]
		}
	}
	return a, a.Check()
}

// fieldOfPath maps a profile field path to the form field that sets it.
var fieldOfPath = []struct{ prefix, field string }{
	{"metadata.name", FieldName},
	{"metadata.namespace", FieldNamespace},
	{"spec.domain", FieldDomain},
	{"spec.components", FieldComponents},
	{"spec.gateway.ingressClassName", FieldIngressClass},
	{"spec.gateway.tlsSecretName", FieldTLSSecret},
	{"spec.gateway.externalTLS", FieldTLS},
	{"spec.gateway", FieldGateway},
	{"spec.database", FieldDatabase},
	{"spec.kratos.methods", FieldMethods},
	{"spec.kratos.oidcProviders", FieldSocial},
	{"spec.kratos.registration", FieldRegistration},
	{"spec.kubernetes", FieldRoleBindings},
	{"spec.services", FieldServices},
}

// Problems validates the answers exactly as `authctl validate` would
// validate the file they become, and maps each problem to the form field
// that causes it. Problems no field explains are under "".
func (v *FormValues) Problems() map[string]error {
	a, errs := v.answers()
	if len(errs) > 0 {
		return errs
	}
	if err := a.Check(); err != nil {
		var ae *AnswerError
		if errors.As(err, &ae) {
			errs[ae.Field] = ae.Err
		} else {
			errs[""] = err
		}
		return errs
	}
	_, err := a.Profile(v.file)
	list := profile.AsErrorList(err)
	if err != nil && list == nil {
		errs[""] = err
	}
	for _, e := range list {
		field := ""
		for _, m := range fieldOfPath {
			if e.Path == m.prefix || strings.HasPrefix(e.Path, m.prefix+".") || strings.HasPrefix(e.Path, m.prefix+"[") {
				field = m.field
				break
			}
		}
		if errs[field] == nil {
			// The file does not exist yet: no file:line:col, just the field.
			msg := e.Msg
			if e.Hint != "" {
				msg += " (" + e.Hint + ")"
			}
			if e.Path != "" {
				msg = e.Path + ": " + msg
			}
			errs[field] = errors.New(msg)
		}
	}
	return errs
}

// check validates one field with a candidate value, as the field is left.
// The last field before the summary also reports what no field explains.
func (v *FormValues) check(field string, set func(*FormValues)) error {
	if v.back {
		return nil // a field left going back is judged on the way forward
	}
	c := *v
	set(&c)
	p := c.Problems()
	if p[field] != nil {
		return p[field]
	}
	if field == FieldServices {
		return p[""]
	}
	return nil
}

func validLabel(s string) error {
	if s != "" && !dnsLabel.MatchString(s) {
		return fmt.Errorf("use lower-case letters, digits and '-'")
	}
	return nil
}

func validDomain(s string) error {
	if s != "" && !dnsName.MatchString(s) {
		return fmt.Errorf("use a DNS name such as example.com")
	}
	return nil
}
