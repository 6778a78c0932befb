package profile

import (
	"net/textproto"
	"slices"
	"strings"
)

// reservedHeaders carry the request itself, the proxy chain or the gateway's
// secret; no identity header may take their names.
var reservedHeaders = []string{
	"Authorization", "Cookie", "Set-Cookie", "Host", "Connection", "Content-Length", "Content-Type", "Content-Encoding",
	"Transfer-Encoding", "Te", "Trailer", "Upgrade", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "Forwarded",
	"Via", "Accept", "X-Session-Token", "X-Authctl-Gateway-Secret",
	"X-Original-Url", "X-Rewrite-Url", "X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
}

// validateForwardHeaders checks a service's identity header names.
func (p *Profile) validateForwardHeaders(path string, sv Service) ErrorList {
	var errs ErrorList
	h := sv.Forward.Headers
	if sv.Forward.Mode != "headers" {
		if h != (ForwardHeaders{}) || sv.Forward.Claims != (ForwardClaims{}) {
			errs = append(errs, p.Errorf(path+".forward.headers", "set forward.mode: headers, or remove them", "header names apply to the headers mode only"))
		}
		return errs
	}
	seen := map[string]string{}
	for _, f := range []struct{ field, name string }{
		{"subject", h.Subject}, {"email", h.Email}, {"groups", h.Groups}, {"preferredUsername", h.PreferredUsername},
	} {
		if f.name == "" {
			continue
		}
		fp := path + ".forward.headers." + f.field
		canon := textproto.CanonicalMIMEHeaderKey(f.name)
		if slices.Contains(reservedHeaders, canon) || strings.HasPrefix(canon, "X-Forwarded-") {
			errs = append(errs, p.Errorf(fp, "pick a name the request and the proxies do not use, such as X-Auth-Request-User", "%s is reserved", f.name))
			continue
		}
		if prev, dup := seen[canon]; dup {
			errs = append(errs, p.Errorf(fp, "give each value its own header", "%s is already the %s header", f.name, prev))
			continue
		}
		seen[canon] = f.field
	}
	return errs
}
