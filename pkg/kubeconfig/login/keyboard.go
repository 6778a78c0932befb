package login

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/authctl/authctl/pkg/kubeconfig"
)

// KubectlCodeSeparator joins the state and the code on the login UI's code
// page (pkg/serve/ui.KubectlCodeSeparator; not imported: this package is
// on the plugin's path).
const KubectlCodeSeparator = "~"

// keyboard runs the authorization code grant for a host without a browser
// (kubelogin's authcode-keyboard, Pinniped's manual login): the person
// opens the printed URL on any device, signs in, and Hydra redirects to
// the login UI's code page, which shows STATE~CODE. The person pastes it
// here; the state must be this login's, and the code is exchanged with
// the PKCE verifier only this process holds, so a code read off the page
// (or a shoulder) is useless anywhere else.
func (f *flow) keyboard(ctx context.Context, in io.Reader) (*kubeconfig.TokenSet, *Claims, error) {
	if in == nil {
		return nil, nil, errors.New("authcode-keyboard login needs a terminal to read the code from")
	}
	p, err := f.provider(ctx)
	if err != nil {
		return nil, nil, err
	}
	state, nonce, verifier, authOpts, err := f.authRequest()
	if err != nil {
		return nil, nil, err
	}
	cfg := f.oauth2Config(p)
	cfg.RedirectURL = f.o.RedirectURL
	fmt.Fprintf(f.stderr, "authctl: open this URL in a browser on any device and sign in:\n  %s\n", cfg.AuthCodeURL(state, authOpts...))
	fmt.Fprint(f.stderr, "authctl: then paste the login code the page shows: ")
	code, err := readCode(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	gotState, code, err := SplitKubectlCode(code)
	if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare([]byte(gotState), []byte(state)) != 1 {
		return nil, nil, errors.New("the login code belongs to another login (its state does not match): paste the code of the URL printed above")
	}
	f.debug("exchanging the authorization code at %s", redactURL(cfg.Endpoint.TokenURL))
	tok, err := cfg.Exchange(f.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, nil, fmt.Errorf("could not exchange the authorization code: %w", err)
	}
	return f.tokenSet(ctx, p, tok, nonce, "")
}

// SplitKubectlCode reads what the person pasted: STATE~CODE as the code
// page shows it, or the page's whole address (…?code=…&state=…).
func SplitKubectlCode(s string) (state, code string, err error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "?") && strings.Contains(s, "code=") {
		if u, perr := url.Parse(s); perr == nil {
			q := u.Query()
			if e := q.Get("error"); e != "" {
				return "", "", fmt.Errorf("the login failed: %s: %s", e, q.Get("error_description"))
			}
			if q.Get("code") != "" && q.Get("state") != "" {
				return q.Get("state"), q.Get("code"), nil
			}
		}
	}
	state, code, ok := strings.Cut(s, KubectlCodeSeparator)
	if !ok || state == "" || code == "" {
		return "", "", errors.New("that is not the login code the page shows (it looks like STATE" + KubectlCodeSeparator + "CODE): paste the whole value")
	}
	return state, code, nil
}

// readCode reads one line, or gives up with the context (the login's
// --authentication-timeout-sec).
func readCode(ctx context.Context, in io.Reader) (string, error) {
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		s, err := bufio.NewReader(in).ReadString('\n')
		if err == io.EOF && s != "" {
			err = nil
		}
		ch <- line{s, err}
	}()
	select {
	case l := <-ch:
		if l.err != nil {
			return "", fmt.Errorf("could not read the login code: %w", l.err)
		}
		return l.s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
