package ui

import (
	"net/http"
	"strings"
)

// KubectlCodePath is the page Hydra sends a headless kubectl login
// (authctl-get-token --grant-type authcode-keyboard) back to: it shows the
// code for the person to paste into the terminal that asked for it.
const KubectlCodePath = "/kubectl/code"

// KubectlCodeSeparator joins the state and the authorization code into the
// one value the page shows and the terminal reads: the terminal checks the
// state, and exchanges the code with the verifier only it holds (PKCE),
// so a code copied from this page is useless anywhere else. Neither the
// state (base64url) nor Hydra's codes contain it.
const KubectlCodeSeparator = "~"

type kubectlCodeView struct {
	Value string
}

// kubectlCode shows the authorization response of a headless login: the
// value to paste, or the error Hydra sent. The page loads nothing else and
// sends no Referer, so the code in its URL goes nowhere.
func (h *handler) kubectlCode(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		h.render(w, http.StatusOK, "kubectlcode.html", page{Title: "kubectl login failed", Error: &kratosError{
			ID: e, Message: q.Get("error_description"), Reason: q.Get("error_hint"),
		}})
		return
	}
	code, state := q.Get("code"), q.Get("state")
	if !codeChars(code) || !codeChars(state) {
		h.render(w, http.StatusBadRequest, "kubectlcode.html", page{Title: "kubectl login failed", Error: &kratosError{
			Message: "This page shows the code of a kubectl login, and this address has none.",
			Reason:  "Run the kubectl command again and open the address it prints.",
		}})
		return
	}
	h.render(w, http.StatusOK, "kubectlcode.html", page{Title: "Finish your kubectl login", KubectlCode: &kubectlCodeView{
		Value: state + KubectlCodeSeparator + code,
	}})
}

// codeChars admits what Hydra's codes and get-token's states are made of
// (URL-safe characters and dots), and at most 512 of them.
func codeChars(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == ""
}
