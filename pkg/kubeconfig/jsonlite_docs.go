package kubeconfig

import (
	"time"
	"unicode/utf8"
)

// parseExecInfoLite reads KUBERNETES_EXEC_INFO as ParseExecInfo does, for
// the documents kubectl sends; errNotLite means "ask ParseExecInfo".
func parseExecInfoLite(env string) (*ExecInfo, error) {
	if env == "" {
		return nil, nil
	}
	r := &liteReader{b: []byte(env)}
	var ei ExecInfo
	err := r.object(func(k string) error {
		switch k {
		case "apiVersion":
			s, err := r.str()
			ei.APIVersion = s
			return err
		case "spec":
			return r.object(func(k string) error {
				if k == "interactive" {
					b, err := r.boolean()
					ei.Spec.Interactive = b
					return err
				}
				if !isLowerASCII(k) {
					return errNotLite // encoding/json matches keys case-insensitively
				}
				return r.skip()
			})
		}
		if !isLowerASCII(k) {
			return errNotLite
		}
		return r.skip()
	})
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return nil, errNotLite
	}
	switch ei.APIVersion {
	case ExecAPIv1, ExecAPIv1beta1:
		return &ei, nil
	case "":
		ei.APIVersion = ExecAPIv1
		return &ei, nil
	}
	return nil, errNotLite
}

// isLowerASCII reports keys that can match no field of a struct but their
// own spelling: a key that differs from a field name only in case would be
// that field for encoding/json.
func isLowerASCII(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// decodeTokenSetLite reads a cache entry as authctl writes it (every field
// a string, expiry in RFC 3339); errNotLite for anything else.
func decodeTokenSetLite(data []byte) (*TokenSet, error) {
	r := &liteReader{b: data}
	var t TokenSet
	err := r.object(func(k string) error {
		s, err := r.str()
		if err != nil {
			return err
		}
		switch k {
		case "token":
			t.Token = s
		case "id_token":
			t.IDToken = s
		case "refresh_token":
			t.RefreshToken = s
		case "issuer":
			t.Issuer = s
		case "client_id":
			t.ClientID = s
		case "expiry":
			// Only the spelling time.Time's MarshalJSON writes.
			e, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || e.Format(time.RFC3339Nano) != s {
				return errNotLite
			}
			t.Expiry = e
		default:
			return errNotLite
		}
		return nil
	})
	if err == nil {
		err = r.end()
	}
	if err != nil {
		return nil, errNotLite
	}
	return &t, nil
}
